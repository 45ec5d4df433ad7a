// npm run bench:bulk — the bulk label actions on a synthetic 100,000-photo project of the default
// model's 80 classes, every photo pre-labelled and labelled for 20 classes from a file (as
// bench:import builds it): confirming every photo at once (its preview first), undoing that, and
// accepting the pre-labels and marking the rest negative on every photo. Each line gives the time and
// the process's peak RSS while the request ran, sampled every 20 ms (absolute, not above the start).
// BENCH_PHOTOS=N changes the photo count. Prints figures; asserts nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient } from '$shared/rpc';
import { createStudio } from '../src/main/api';
import { ensureClasses } from '../src/main/db/classes';
import { openDatabase } from '../src/main/db/connection';
import { insertImage } from '../src/main/db/images';
import { createJob } from '../src/main/db/jobs';
import { writeImportedLabels, type ImportedLabel } from '../src/main/db/labels';
import { ensurePackModel } from '../src/main/db/models';
import { insertPredictions, type NewPrediction } from '../src/main/db/predictions';
import { defaultPackInfo } from '../src/main/inference/model-host';
import { syntheticPhoto, syntheticPositive } from './synthetic';

const photos = Number(process.env.BENCH_PHOTOS ?? 100_000);
const dir = await mkdtemp(join(tmpdir(), 'csra-bench-bulk-'));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

try {
  const path = join(dir, 'synthetic.sqlite');
  const { imageIds, classes } = await buildProject(path, photos);
  const studio = createStudio();
  const api = createClient(studio);
  await api.openProject({ path });
  const what = `${imageIds.length} photos x ${classes} classes`;
  try {
    const preview = await measured(`preview of a bulk confirm of ${what}`, () =>
      api.previewConfirm({ imageIds }),
    );
    const confirmed = await measured(`bulk confirm of ${what}`, () => api.confirmPhotos({ imageIds }));
    console.log(
      `  ${confirmed.changed} labels changed (preview: ${preview.labels} set, ${preview.accepted} accepted)`,
    );
    const undone = await measured(`undo of that confirm`, () => api.undo({}));
    console.log(`  ${undone?.imageIds.length ?? 0} photos back as they were`);
    await measured(`redo of that confirm`, () => api.redo({}));
    await api.undo({});
    await measured(`accept pre-labels on ${what}`, () => api.acceptPredictions({ imageIds }));
    await measured(`mark the rest negative on ${what}`, () => api.rejectUnlabelled({ imageIds }));
  } finally {
    await studio.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** Runs the request and prints its time and the peak RSS while it ran. */
async function measured<T>(name: string, request: () => Promise<T>): Promise<T> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  try {
    return await request();
  } finally {
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    console.log(`${name}: ${seconds.toFixed(1)} s, peak RSS ${mib(peak)}`);
  }
}

/**
 * The project: photos with the default model's probabilities for its 80 classes (as classes of the
 * project) and labels read from a file for the first 20.
 */
async function buildProject(path: string, count: number): Promise<{ imageIds: number[]; classes: number }> {
  const db = openDatabase(path, { create: true });
  const job = createJob(db, 'import', { synthetic: count });
  const pack = await defaultPackInfo();
  const { ids } = ensureClasses(db, pack.classes);
  const classIds = [...ids.values()];
  const model = ensurePackModel(db, pack);
  const mapping = classIds.map((classId, i) => ({ classId, modelIndex: i }));
  // Confirming reads no class maps: a few bytes stand in for them.
  const maps = Buffer.alloc(16);
  const imageIds: number[] = [];
  const started = performance.now();
  const chunk = 5_000;
  for (let start = 0; start < count; start += chunk) {
    const labels: ImportedLabel[] = [];
    const predictions: NewPrediction[] = [];
    db.transaction(() => {
      for (let i = start; i < Math.min(count, start + chunk); i += 1) {
        const imageId = insertImage(db, syntheticPhoto(i, '/photos', 100_000), job.id);
        imageIds.push(imageId);
        for (const classId of classIds.slice(0, 20))
          labels.push({
            imageId,
            classId,
            state: syntheticPositive(imageId, classId) ? 'positive' : 'negative',
          });
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
    `synthetic project of ${count} photos x ${classIds.length} classes (${count * 20} labels from a file) ` +
      `built in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { imageIds, classes: classIds.length };
}
