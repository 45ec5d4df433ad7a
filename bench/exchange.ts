// npm run bench:exchange — the time to export and import 100,000 photos' labels in each exchange
// format: a project of 100,000 photos (empty placeholder files, each in the project), labelled for 20
// classes as VOC is (about 1.5 positives a photo, the rest negative) and split train/val, exported
// through the API in every format, and each file that a format reads imported back through the real
// import job into a fresh copy of the unlabelled project. Prints figures; asserts nothing.
import { writeFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStudio } from '../src/main/api';
import { ensureClasses } from '../src/main/db/classes';
import { openDatabase } from '../src/main/db/connection';
import { insertImage } from '../src/main/db/images';
import { createJob } from '../src/main/db/jobs';
import { writeImportedLabels, type ImportedLabel } from '../src/main/db/labels';
import { setSplit } from '../src/main/db/splits';
import { readLabelFile } from '../src/main/exchange/formats';
import { createClient } from '$shared/rpc';
import { jobDone } from '../test/fixtures/wait';
import { syntheticPhoto, syntheticPhotoPath, syntheticPositive } from './synthetic';

const count = Number(process.env.BENCH_PHOTOS ?? 100_000);
const classCount = 20;
/** BENCH_FORMATS=jsonl,voc: only these formats (all by default). */
const only = process.env.BENCH_FORMATS?.split(',');
const measured = (format: { id: string }) => !only || only.includes(format.id);
const dir = await mkdtemp(join(tmpdir(), 'csra-bench-exchange-'));
const photos = join(dir, 'photos');
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

try {
  const unlabelled = join(dir, 'unlabelled.sqlite');
  const labelled = join(dir, 'labelled.sqlite');
  const built = performance.now();
  await buildProjects(unlabelled, labelled);
  console.log(
    `exchange: ${count} photos × ${classCount} classes (${count * classCount} labels) built in ${seconds(built)}`,
  );

  const studio = createStudio();
  const api = createClient(studio);
  await api.openProject({ path: labelled });
  const formats = await api.listFormats({});
  const files = new Map<string, string>();
  await mkdir(join(dir, 'out'));
  for (const format of formats.filter((candidate) => candidate.canExport && measured(candidate))) {
    const out = join(dir, 'out', format.layout === 'file' ? `labels.${format.id}` : format.id);
    const started = performance.now();
    const outcome = await api.exportLabels({ format: format.id, out });
    const copies = format.id === 'imagefolder' || format.id === 'fiftyone' ? ' (with the photos copied)' : '';
    console.log(`export ${format.id}: ${outcome.rows} photos in ${seconds(started)}${copies}`);
    files.set(format.id, out);
  }
  await studio.close();
  files.set('coco', await writeCoco(join(dir, 'out', 'instances.json')));

  for (const format of formats.filter((candidate) => candidate.canImport && measured(candidate))) {
    const file = files.get(format.id);
    if (!file) continue;
    const parsed = performance.now();
    await readLabelFile(file, format.id);
    const readTime = seconds(parsed);
    const project = join(dir, `import-${format.id}.sqlite`);
    await copyFile(unlabelled, project);
    const importer = createStudio();
    const client = createClient(importer);
    await client.openProject({ path: project });
    const started = performance.now();
    const job = await client.startImport({ folder: photos, labelsFile: file, labelsFormat: format.id });
    await jobDone(client, job.id);
    const report = await client.getImportReport({ jobId: job.id });
    console.log(
      `import ${format.id}: ${report.labels?.photosLabelled} photos, ${report.labels?.labelsWritten} labels in ${seconds(started)} (the file read alone: ${readTime}; the job also scans the folder's ${report.found} files)`,
    );
    await importer.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** The unlabelled project of `count` photos, and a copy of it labelled and split. */
async function buildProjects(unlabelled: string, labelled: string): Promise<void> {
  const db = openDatabase(unlabelled, { create: true });
  const job = createJob(db, 'import', { synthetic: count });
  const ids: number[] = [];
  for (let folder = 0; folder < 100; folder += 1)
    await mkdir(join(photos, String(folder).padStart(2, '0')), { recursive: true });
  db.transaction(() => {
    for (let i = 0; i < count; i += 1) {
      writeFileSync(join(photos, syntheticPhotoPath(i)), '');
      ids.push(insertImage(db, syntheticPhoto(i, photos, 0), job.id));
    }
  })();
  db.close();
  await copyFile(unlabelled, labelled);

  const project = openDatabase(labelled, { create: false });
  const { ids: classIds } = ensureClasses(
    project,
    Array.from({ length: classCount }, (_, c) => `class-${c}`),
  );
  const labels: ImportedLabel[] = [];
  for (const imageId of ids) {
    for (const classId of classIds.values()) {
      labels.push({
        imageId,
        classId,
        state: syntheticPositive(imageId, classId) ? 'positive' : 'negative',
      });
    }
  }
  writeImportedLabels(project, labels, createJob(project, 'import', { synthetic: count }).id);
  setSplit(
    project,
    ids.filter((id) => id % 5 !== 0),
    'train',
  );
  setSplit(
    project,
    ids.filter((id) => id % 5 === 0),
    'val',
  );
  project.close();
}

/** COCO is read, not written: an instances file of the same labels, one box per positive. */
async function writeCoco(path: string): Promise<string> {
  const images: object[] = [];
  const annotations: object[] = [];
  for (let imageId = 1; imageId <= count; imageId += 1) {
    const i = imageId - 1;
    images.push({
      id: imageId,
      file_name: syntheticPhotoPath(i),
      width: 500,
      height: 375,
    });
    for (let c = 1; c <= classCount; c += 1) {
      if (syntheticPositive(imageId, c))
        annotations.push({
          id: annotations.length + 1,
          image_id: imageId,
          category_id: c,
          bbox: [0, 0, 10, 10],
          area: 100,
          iscrowd: 0,
        });
    }
  }
  const categories = Array.from({ length: classCount }, (_, c) => ({ id: c + 1, name: `class-${c}` }));
  await writeFile(path, JSON.stringify({ images, annotations, categories }));
  return path;
}
