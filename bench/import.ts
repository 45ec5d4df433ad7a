// npm run bench:import — import speed on the 765 real VOC photos, and the grid-page query on a
// synthetic 100,000-photo project, every photo labelled and pre-labelled by the default model:
// pages in name order, by uncertainty, and filtered by probability. Prints figures; asserts
// nothing (timings belong here, not in tests).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient } from '../src/shared/rpc';
import { createStudio } from '../src/main/api';
import { ensureClasses } from '../src/main/db/classes';
import { openDatabase } from '../src/main/db/connection';
import { insertImage } from '../src/main/db/images';
import { createJob } from '../src/main/db/jobs';
import { writeImportedLabels, type ImportedLabel } from '../src/main/db/labels';
import { ensurePackModel } from '../src/main/db/models';
import { insertPredictions, type NewPrediction } from '../src/main/db/predictions';
import { defaultPackInfo } from '../src/main/inference/model-host';
import type { ImageFilter, ImageSort } from '../src/shared/contract';
import { vocImages, vocLabels } from '../test/fixtures/paths';
import { jobDone } from '../test/fixtures/wait';

const dir = await mkdtemp(join(tmpdir(), 'csra-bench-'));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

try {
  await benchImport();
  await benchGridPage(100_000);
} finally {
  await rm(dir, { recursive: true, force: true });
}

async function benchImport() {
  const studio = createStudio();
  const api = createClient(studio);
  await api.createProject({ path: join(dir, 'voc.sqlite') });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const job = await api.startImport({ folder: vocImages, labelsCsv: vocLabels });
  await jobDone(api, job.id);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const report = await api.getImportReport({ jobId: job.id });
  await studio.close();
  console.log(
    `import: ${report.added} photos (+ thumbnails, hashes, ${report.labels?.labelsWritten} labels) in ${seconds.toFixed(2)} s`,
  );
  console.log(`import: ${(report.added / seconds).toFixed(1)} photos/s (target >= 100)`);
  console.log(
    `import: peak RSS ${mib(peakRss)} (process max RSS ${mib(process.resourceUsage().maxRSS * 1024)})`,
  );
}

async function benchGridPage(count: number) {
  const path = join(dir, 'synthetic.sqlite');
  const db = openDatabase(path, { create: true });
  const job = createJob(db, 'import', { synthetic: count });
  // Classes named like the model's, so that the model's probabilities reach them.
  const pack = await defaultPackInfo();
  const classNames = pack.classes.slice(0, 20);
  const { ids } = ensureClasses(db, classNames);
  const classIds = [...ids.values()];
  const model = ensurePackModel(db, pack);
  const mapping = classIds.map((classId, i) => ({
    classId,
    modelIndex: pack.classes.indexOf(classNames[i]!),
  }));
  // A photo's class maps weigh a few KB, as the real ones do.
  const maps = Buffer.alloc(4_000, 7);
  const fill = performance.now();
  const chunk = 5_000;
  for (let start = 0; start < count; start += chunk) {
    const labels: ImportedLabel[] = [];
    const predictions: NewPrediction[] = [];
    db.transaction(() => {
      for (let i = start; i < start + chunk; i += 1) {
        const imageId = insertImage(
          db,
          {
            path: `/photos/${String(i % 100).padStart(2, '0')}/${String(i).padStart(7, '0')}.jpg`,
            sha256: i.toString(16).padStart(64, '0'),
            bytes: 100_000,
            format: 'jpeg',
            width: 500,
            height: 375,
            orientation: 1,
            modifiedAt: '2026-01-01T00:00:00.000Z',
          },
          job.id,
        );
        // Every photo labelled for every class, about 1.5 positives each, as in VOC.
        for (const classId of classIds) {
          labels.push({
            imageId,
            classId,
            state: (imageId * 7 + classId * 13) % 20 < 1.5 ? 'positive' : 'negative',
          });
        }
        const scores = new Float32Array(pack.classes.length).map(
          (_, c) => ((imageId * 31 + c * 17) % 1000) / 1000,
        );
        predictions.push({ imageId, scores, maps });
      }
      insertPredictions(db, model.id, predictions, mapping);
    })();
    writeImportedLabels(db, labels, job.id);
  }
  db.close();
  console.log(
    `grid: synthetic project of ${count} photos, ${count * classIds.length} labels and predictions built in ${((performance.now() - fill) / 1000).toFixed(1)} s`,
  );

  const studio = createStudio();
  const api = createClient(studio);
  await api.openProject({ path });
  const views: { name: string; sort: ImageSort; filter?: ImageFilter }[] = [
    { name: 'in name order', sort: 'name' },
    { name: 'by uncertainty', sort: 'uncertainty' },
    {
      name: `filtered to ${classNames[0]} >= 0.5`,
      sort: 'name',
      filter: { classId: classIds[0]!, minProbability: 0.5 },
    },
  ];
  for (const view of views) {
    const query = { sort: view.sort, ...(view.filter ? { filter: view.filter } : {}) };
    const { total } = await api.listImages({ ...query, limit: 1 });
    const times: number[] = [];
    for (let run = 0; run < 40; run += 1) {
      const offset = Math.floor(Math.random() * (total - 200));
      const started = performance.now();
      const page = await api.listImages({ ...query, offset, limit: 200 });
      times.push(performance.now() - started);
      if (page.images.length !== 200 || page.images[0]!.predictions.length !== classIds.length) {
        throw new Error(`unexpected page at offset ${offset} ${view.name}`);
      }
    }
    const sorted = [...times].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
    console.log(
      `grid: page of 200 photos with labels and probabilities ${view.name} (${total} photos) at random offsets: ` +
        `median ${at(0.5)} ms, p95 ${at(0.95)} ms (target <= 20)`,
    );
  }
  await studio.close();
}
