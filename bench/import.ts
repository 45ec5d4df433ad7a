// npm run bench:import — import speed on the 765 real VOC photos, and the grid-page query on a
// synthetic 100,000-photo project of the model's 80 classes, every photo pre-labelled by the default
// model and labelled for 20 of them: pages in each order, filtered by probability alone and with
// other conditions, the first filtered page after a label change, the review queues' first pages
// with their totals through the API, and a switch to another version of all 100,000 photos.
// BENCH_PHOTOS=N builds N photos instead; BENCH_SKIP_IMPORT=1 runs the synthetic part alone.
// Prints figures; asserts nothing (timings belong here, not in tests).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient } from '$shared/rpc';
import { createStudio } from '../src/main/api';
import { ensureClasses, listClasses } from '../src/main/db/classes';
import { openDatabase } from '../src/main/db/connection';
import { insertImage } from '../src/main/db/images';
import { createJob } from '../src/main/db/jobs';
import { writeImportedLabels, type ImportedLabel } from '../src/main/db/labels';
import { ensurePackModel } from '../src/main/db/models';
import { insertPredictions, type NewPrediction } from '../src/main/db/predictions';
import { defaultPackInfo } from '../src/main/inference/model-host';
import type { ImageFilter, ImageSort } from '$shared/contract';
import { vocImages, vocLabels } from '../test/fixtures/paths';
import { jobDone } from '../test/fixtures/wait';
import { syntheticPhoto, syntheticPositive } from './synthetic';

const dir = await mkdtemp(join(tmpdir(), 'csra-bench-'));
const photos = Number(process.env.BENCH_PHOTOS ?? 100_000);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

try {
  if (!process.env.BENCH_SKIP_IMPORT) await benchImport();
  await benchGridPage(photos);
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
  const job = await api.startImport({ folder: vocImages, labelsFile: vocLabels });
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
  const classNames = pack.classes;
  const { ids } = ensureClasses(db, classNames);
  const classIds = [...ids.values()];
  const labelledClassIds = classIds.slice(0, 20);
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
        const imageId = insertImage(db, syntheticPhoto(i, '/photos', 100_000), job.id);
        // Every photo labelled for 20 classes, about 1.5 positives each, as in VOC.
        for (const classId of labelledClassIds) {
          labels.push({
            imageId,
            classId,
            state: syntheticPositive(imageId, classId) ? 'positive' : 'negative',
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
  const built = (performance.now() - fill) / 1000;
  console.log(
    `grid: synthetic project of ${count} photos × ${classIds.length} classes, ${count * labelledClassIds.length} labels, predictions and their index built in ${built.toFixed(1)} s`,
  );

  const studio = createStudio();
  const api = createClient(studio);
  await api.openProject({ path });
  const person = classIds[0]!;
  const half: ImageFilter = { classId: person, minProbability: 0.5 };
  const views: { name: string; sort: ImageSort; filter?: ImageFilter }[] = [
    { name: 'in name order', sort: 'name' },
    { name: 'by uncertainty', sort: 'uncertainty' },
    { name: 'by confidence', sort: 'confidence' },
    ...(['name', 'date', 'uncertainty', 'confidence'] as const).map((sort) => ({
      name: `filtered to ${classNames[0]} >= 0.5, by ${sort}`,
      sort,
      filter: half,
    })),
    {
      name: `filtered to ${classNames[0]} in [0.4, 0.6], by name`,
      sort: 'name',
      filter: { classId: person, minProbability: 0.4, maxProbability: 0.6 },
    },
    {
      name: `filtered to ${classNames[0]} >= 0.5 and labelled negative, by name`,
      sort: 'name',
      filter: { ...half, state: 'negative' },
    },
  ];
  for (const view of views) {
    const query = { sort: view.sort, ...(view.filter ? { filter: view.filter } : {}) };
    const { total } = await api.listImages({ ...query, limit: 1 });
    const page = (offset: number) => api.listImages({ ...query, offset, limit: 200 });
    const times = await timed(40, async () => {
      const offset = Math.floor(Math.random() * (total - 200));
      const { images } = await page(offset);
      if (images.length !== 200 || images[0]!.predictions.length !== classIds.length) {
        throw new Error(`unexpected page at offset ${offset} ${view.name}`);
      }
    });
    console.log(
      `grid: page of 200 photos with labels and probabilities ${view.name} (${total} photos) at random offsets: ${figures(times)} (target <= 20)`,
    );
  }
  // A label change invalidates the photo orders a filtered page walks: the next page builds its own.
  let flip = 0;
  const afterChange = await timed(10, async () => {
    flip += 1;
    const state = flip % 2 ? 'positive' : 'negative';
    await api.setLabels({ changes: [{ imageId: 1, classId: classIds[30]!, state }] });
    const started = performance.now();
    await api.listImages({ filter: half, sort: 'name', offset: 1_000, limit: 200 });
    return performance.now() - started;
  });
  console.log(
    `grid: first page filtered to ${classNames[0]} >= 0.5 by name after a label change: ${figures(afterChange)} (target <= 20)`,
  );
  // The review queues through the API, totals included (the per-class tallies beside the index).
  for (const queue of ['disputed', 'uncertain', 'next'] as const) {
    const times = await timed(10, async () => {
      const { total, items } = await api.listReviewQueue({ queue, offset: 0, limit: 50 });
      if (items.length !== Math.min(50, total)) throw new Error(`unexpected ${queue} page`);
    });
    const { total } = await api.listReviewQueue({ queue, limit: 1 });
    console.log(
      `review: first page of 50 of the ${queue} queue (${total} items) with its total: ${figures(times)} (target <= 100)`,
    );
  }
  console.log(`review: reviewCounts: ${figures(await timed(10, () => api.reviewCounts({})))}`);
  // A decision in review moves the tallies by trigger; a threshold changed moves its class's tally
  // over the rows it passes.
  const decided = await timed(10, async () => {
    const [item] = (await api.listReviewQueue({ queue: 'disputed', limit: 1 })).items;
    await api.setLabels({
      changes: [{ imageId: item!.imageId, classId: item!.classId!, state: item!.given }],
      reviewed: true,
    });
    const started = performance.now();
    await api.listReviewQueue({ queue: 'disputed', limit: 50 });
    return performance.now() - started;
  });
  console.log(`review: first disputed page after a label kept in review: ${figures(decided)}`);
  const thresholdMoved = await timed(10, async (run) => {
    await api.updateClass({ classId: person, threshold: run % 2 ? 0.45 : 0.5 });
    const started = performance.now();
    await api.listReviewQueue({ queue: 'disputed', limit: 50 });
    return performance.now() - started;
  });
  console.log(`review: first disputed page after a threshold change of 0.05: ${figures(thresholdMoved)}`);
  await studio.close();

  await benchVersionSwitch(path, pack, count);
}

/**
 * A version switch through the API, as the app runs it: a second version of the default pack has
 * predicted every photo (other probabilities), so the job builds its index and tallies beside the
 * active version's, switches, and drops the old rows. The main thread's longest stall meanwhile is
 * the longest gap of a 10 ms timer past its 10 ms.
 */
async function benchVersionSwitch(
  path: string,
  pack: Awaited<ReturnType<typeof defaultPackInfo>>,
  count: number,
): Promise<void> {
  const db = openDatabase(path, { create: false });
  const { lastInsertRowid } = db
    .prepare("INSERT INTO models (name, pack, classes, active, created_at) VALUES ('next', ?, ?, 0, ?)")
    .run(`${pack.name}@${pack.version}`, JSON.stringify(pack.classes), new Date().toISOString());
  const next = Number(lastInsertRowid);
  const mapping = listClasses(db).map((entry) => ({
    classId: entry.id,
    modelIndex: pack.classes.indexOf(entry.name),
  }));
  const ids = db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[];
  for (let start = 0; start < ids.length; start += 5_000)
    db.transaction(() =>
      insertPredictions(
        db,
        next,
        ids.slice(start, start + 5_000).map((imageId) => ({
          imageId,
          scores: new Float32Array(pack.classes.length).map(
            (_, c) => ((imageId * 13 + c * 29) % 1000) / 1000,
          ),
          maps: Buffer.alloc(8),
        })),
        mapping,
      ),
    )();
  db.close();

  const studio = createStudio();
  const api = createClient(studio);
  await api.openProject({ path });
  let longest = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const at = performance.now();
    longest = Math.max(longest, at - last - 10);
    last = at;
  }, 10);
  const started = performance.now();
  let switchedAt = 0;
  const stop = api.onEvent((event) => {
    if (event.type === 'models' && switchedAt === 0) switchedAt = performance.now();
  });
  const job = await api.activateModel({ modelId: next });
  await jobDone(api, job.id);
  const ended = performance.now();
  clearInterval(ticker);
  stop();
  const active = (await api.getModel({}))!.id;
  await studio.close();
  if (active !== next) throw new Error('the switch did not make the next version active');
  console.log(
    `version switch at ${count} photos x ${mapping.length} classes: ${((switchedAt - started) / 1000).toFixed(1)} s ` +
      `(main thread longest stall ${longest.toFixed(0)} ms) (target <= 60 s, stall <= 100 ms); ` +
      `the replaced version's rows dropped ${((ended - switchedAt) / 1000).toFixed(1)} s after`,
  );
}

/**
 * Runs `run` `runs` times and gives each run's milliseconds: its own measure when it returns a
 * number (the part that counts), else the whole call.
 */
async function timed(runs: number, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    const own = await run(i);
    times.push(typeof own === 'number' ? own : performance.now() - started);
  }
  return times;
}

function figures(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
  return `median ${at(0.5)} ms, p95 ${at(0.95)} ms`;
}
