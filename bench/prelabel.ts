// npm run bench:prelabel [-- --ep cpu|webgpu|cuda|auto] [--parts prelabel,cli,stages,mirror,ort,tfjs]
// — pre-labeling speed on the 765 VOC photos, all in one run so the ratios hold: end to end
// (import, then the pre-label job: decode + infer + store) with the main thread's event-loop delay
// meanwhile and the peak memory of each; the same through the built CLI (out/main, as the app
// runs: from the sources, tsx adds its compiler to the main thread and to each worker); the
// pipeline's stages per photo; what the pack's mirror
// averaging costs; onnxruntime alone on photos decoded beforehand; the same model in
// @tensorflow/tfjs on the wasm backend; the zero-shot VOC mAP of the default pack. Prints figures.
//
// BENCH_COPIES=N imports every VOC photo N times under new names in a temp folder, labels
// included: N = 26 is a 20,000-photo collection (1.7 GB of photos). The first copy is the photo
// itself (a hard link); each other one carries a JPEG comment naming it, so its content differs
// (the import skips a photo whose content it already has) while its pixels are the same.
// BENCH_PHOTOS=N keeps the first N photos of that set (a quick run). As in the app,
// CSRA_INFERENCE_WORKERS=N shapes the pool (inference-pool.ts) and CSRA_INFERENCE_BATCH=N the
// batches (providers.ts).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { ProviderChoice } from '$shared/contract';
import { createClient } from '$shared/rpc';
import { createStudio } from '../src/main/api';
import { insertPredictions, type NewPrediction } from '../src/main/db/predictions';
import { labelledHashes } from '../src/main/db/training';
import { listClasses } from '../src/main/db/classes';
import { writeTransaction } from '../src/main/db/transaction';
import { poolShape } from '../src/main/inference/inference-pool';
import { ModelHost, openRunnerHere } from '../src/main/inference/model-host';
import { predictPhotos } from '../src/main/inference/predictor';
import { defaultPackModel, ensureDefaultModel } from '../src/main/inference/model-info';
import { infer, modelShape, type ModelRunner } from '../src/main/inference/model-runner';
import { projectClassMapping } from '../src/main/inference/output-mapping';
import { photoPixels, pixelsOf } from '../src/main/inference/preprocess';
import { createSession, inferenceBatchSize } from '../src/main/inference/providers';
import { readPhotoBytes } from '../src/main/library/photo';
import { scanFolder } from '../src/main/library/scan';
import {
  buildDefaultModel,
  centernetTensors,
  defaultPackDir,
  defaultPackOptions,
} from '../src/main/models/default-pack';
import { backboneOf, readManifest } from '../src/main/models/manifest';
import { modelSource } from '../src/main/models/versions';
import { Project } from '../src/main/project';
import { FeatureCache, featureEntry } from '../src/main/training/feature-cache';
import { repoRoot, vocImages, vocLabels } from '../test/fixtures/paths';
import { loadCenternetInTfjs } from '../test/fixtures/tfjs';
import { jobDone } from '../test/fixtures/wait';

const allParts = ['prelabel', 'cli', 'stages', 'mirror', 'ort', 'tfjs'] as const;
const { values } = parseArgs({
  options: {
    ep: { type: 'string', default: 'cpu' },
    'tfjs-photos': { type: 'string', default: '24' },
    'mirror-photos': { type: 'string', default: '96' },
    parts: { type: 'string', default: allParts.join(',') },
  },
});
const provider = ProviderChoice.parse(values.ep);
const parts = new Set(values.parts.split(','));
for (const part of parts)
  if (!allParts.includes(part as (typeof allParts)[number]))
    throw new Error(`unknown part ${part} (${allParts.join(', ')})`);
const dir = await mkdtemp(join(tmpdir(), 'csra-bench-'));
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const ms = (value: number) => value.toFixed(1);
const projectPath = join(dir, 'voc.sqlite');

try {
  const photos = await photoSet();
  console.log(`photos: ${photos.count} (${photos.folder})`);
  const endToEnd = parts.has('prelabel') ? await benchEndToEnd(photos) : null;
  if (parts.has('cli')) await benchBuiltCli(photos);
  if (parts.has('stages')) await benchStages(photos);
  const decoded =
    parts.has('mirror') || parts.has('ort') || parts.has('tfjs') ? await decodeVoc(photos.count) : [];
  if (parts.has('mirror')) await benchMirror(decoded.slice(0, Number(values['mirror-photos'])));
  const ortOnly = parts.has('ort') ? await benchOrtOnly(decoded) : null;
  const tfjs = parts.has('tfjs') ? await benchTfjs(decoded.slice(0, Number(values['tfjs-photos']))) : null;
  clearInterval(sampler);
  if (endToEnd !== null && ortOnly !== null) {
    console.log(
      `end to end: ${endToEnd.toFixed(2)} photos/s = ${((100 * endToEnd) / ortOnly).toFixed(0)}% of onnxruntime alone`,
    );
    console.log(`end to end / onnxruntime alone: ${(endToEnd / ortOnly).toFixed(2)} (target >= 0.95)`);
  }
  if (ortOnly !== null && tfjs !== null)
    console.log(`onnxruntime: ${(ortOnly / tfjs).toFixed(1)}x tfjs-wasm (target >= 3x)`);
  console.log(`peak RSS in the whole run: ${mib(peakRss)} (onnxruntime alone holds the VOC photos decoded)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** The photos to import with their labels: the VOC folder itself, or copies of it under new names. */
async function photoSet(): Promise<{ folder: string; labels: string; count: number }> {
  const copies = Math.max(1, Number(process.env.BENCH_COPIES ?? 1) || 1);
  const limit = Number(process.env.BENCH_PHOTOS) || Infinity;
  const [header, ...rows] = (await readFile(vocLabels, 'utf8')).trim().split(/\r?\n/);
  if (copies === 1 && limit >= rows.length)
    return { folder: vocImages, labels: vocLabels, count: rows.length };
  const folder = join(dir, 'photos');
  await mkdir(folder);
  const lines = [header!];
  for (let copy = 1; copy <= copies && lines.length <= limit; copy += 1)
    for (const row of rows) {
      if (lines.length > limit) break;
      const name = row.slice(0, row.indexOf(','));
      const copyName = copies === 1 ? name : `${copy}-${name}`;
      const [from, to] = [join(vocImages, name), join(folder, copyName)];
      if (copy === 1) await link(from, to).catch(() => copyFile(from, to));
      else await writeFile(to, withComment(await readFile(from), `csra bench copy ${copy}`));
      lines.push(`${copyName}${row.slice(name.length)}`);
    }
  const labels = join(dir, 'labels.csv');
  await writeFile(labels, `${lines.join('\n')}\n`);
  return { folder, labels, count: lines.length - 1 };
}

/** A JPEG with a comment segment (COM) right after its start-of-image marker. */
function withComment(jpeg: Buffer, text: string): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const comment = Buffer.from(text, 'latin1');
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(comment.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, comment, jpeg.subarray(2)]);
}

async function benchEndToEnd(photos: { folder: string; labels: string }): Promise<number> {
  const studio = createStudio();
  const api = createClient(studio);
  await api.createProject({ path: projectPath });
  peakRss = process.memoryUsage().rss;
  let started = performance.now();
  const imported = await api.startImport({ folder: photos.folder, labelsFile: photos.labels });
  await jobDone(api, imported.id);
  const importSeconds = (performance.now() - started) / 1000;
  const importPeak = peakRss;
  console.log(`import: ${importSeconds.toFixed(1)} s, peak RSS ${mib(importPeak)}`);
  // A timer every 10 ms on the main thread: how late it fires is how long the loop was held.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  peakRss = process.memoryUsage().rss;
  started = performance.now();
  const cpu = process.cpuUsage();
  delay.enable();
  const job = await api.startPrelabel({ provider });
  await jobDone(api, job.id);
  delay.disable();
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  const prelabelPeak = peakRss;
  const loop = (ns: number) => (ns / 1e6).toFixed(0);
  console.log(
    `event loop during pre-label: p99 ${loop(delay.percentile(99))} ms, max ${loop(delay.max)} ms (targets <= 20, <= 100)`,
  );
  const report = await api.getPrelabelReport({ jobId: job.id });
  const evaluation = await api.evaluate({ split: 'all' });
  await studio.close();
  const rate = report.predicted / seconds;
  console.log(
    `end to end (decode + infer + store) on ${report.provider}: ${report.predicted} photos in ${seconds.toFixed(1)} s = ${rate.toFixed(2)} photos/s`,
  );
  // The process's CPU time, every thread: on a shared machine, what a photo costs whatever the
  // share of the cores the run got.
  console.log(
    `CPU time during pre-label: ${((user + system) / 1e6).toFixed(1)} s = ${((user + system) / 1e3 / report.predicted).toFixed(0)} ms/photo (${((user + system) / 1e4 / (seconds * availableParallelism())).toFixed(0)}% of ${availableParallelism()} cores)`,
  );
  console.log(
    `peak RSS: ${mib(Math.max(importPeak, prelabelPeak))} while importing and pre-labeling ` +
      `(import ${mib(importPeak)}, pre-label ${mib(prelabelPeak)}; target <= 600 MiB)`,
  );
  console.log(
    `zero-shot VOC mAP (${report.model}, ${evaluation.images} photos, ${evaluation.classesEvaluated} classes): ${(100 * evaluation.mAP!).toFixed(1)} (target >= 88)`,
  );
  return rate;
}

/**
 * Import and pre-label through the built CLI, each a process of its own as a user runs them, with
 * its peak RSS (getrusage's, every thread of the process) and the job's photos/s.
 */
async function benchBuiltCli(photos: { folder: string; labels: string }): Promise<void> {
  const cli = join(repoRoot, 'bin', 'csra-studio.js');
  if (!existsSync(join(repoRoot, 'out', 'main', 'cli.js'))) {
    console.log('built CLI: no build in out/main (npx electron-vite build), skipped');
    return;
  }
  const preload = join(dir, 'max-rss.cjs');
  await writeFile(
    preload,
    "process.on('exit', () => require('node:fs').writeSync(2, `\\nmax RSS ${process.resourceUsage().maxRSS}\\n`));\n",
  );
  const run = (args: string[]) =>
    new Promise<{ stdout: string; maxRss: number; seconds: number }>((resolve, reject) => {
      const started = performance.now();
      execFile(
        process.execPath,
        ['--require', preload, cli, ...args],
        { maxBuffer: 64 * 2 ** 20 },
        (error, stdout, stderr) => {
          if (error) return reject(new Error(`csra-studio ${args[0]}: ${stderr.trim().split('\n').at(-1)}`));
          const kib = Number(/max RSS (\d+)/.exec(stderr)?.[1]);
          resolve({ stdout, maxRss: kib * 1024, seconds: (performance.now() - started) / 1000 });
        },
      );
    });
  const project = join(dir, 'cli.sqlite');
  const imported = await run(['import', project, photos.folder, '--labels', photos.labels]);
  const prelabel = await run(['prelabel', project, '--ep', provider, '--json']);
  const report = JSON.parse(prelabel.stdout) as { photosPerSecond: number; provider: string };
  console.log(
    `built CLI (out/main): import ${imported.seconds.toFixed(1)} s, peak RSS ${mib(imported.maxRss)}; ` +
      `pre-label on ${report.provider} ${report.photosPerSecond.toFixed(2)} photos/s, peak RSS ${mib(prelabel.maxRss)} (target <= 600 MiB)`,
  );
}

function quantile(values: number[], q: number): number {
  return values.length === 0 ? NaN : [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;
}

/**
 * The pipeline's stages per photo: as the workers measure them (read; decode and resize, which
 * libvips runs as one pass; inference by the batch's share; the class maps' encoding) and as the
 * pre-label job's side does them here (the feature cache's entry, converted to float16 and written,
 * for the labelled photos; the batch's SQLite transaction by its share): p50 and p95. The project
 * is the one the end-to-end run made, or a fresh import of the photos.
 */
async function benchStages(photos: { folder: string; labels: string }): Promise<void> {
  if (!parts.has('prelabel')) {
    const studio = createStudio();
    const api = createClient(studio);
    await api.createProject({ path: projectPath });
    await jobDone(api, (await api.startImport({ folder: photos.folder, labelsFile: photos.labels })).id);
    await studio.close();
  }
  const project = Project.open(projectPath);
  const { db } = project;
  const record = await ensureDefaultModel(project);
  const host = new ModelHost();
  const model = await host.load(modelSource(project, record), provider);
  const labelled = labelledHashes(db);
  const cache = model.cacheOutputs && FeatureCache.forProject(project.path, backboneOf(model.manifest));
  const refs = db.prepare('SELECT id, path, sha256 FROM images ORDER BY id').all() as {
    id: number;
    path: string;
    sha256: string;
  }[];
  const hashes = new Map(refs.map((photo) => [photo.id, photo.sha256]));
  const stages: Record<string, number[]> = {
    read: [],
    'decode + resize': [],
    infer: [],
    'class-map encoding': [],
    'cache write': [],
    'SQLite write': [],
  };
  const batchSize = inferenceBatchSize(model.provider);
  const started = performance.now();
  for await (const batch of predictPhotos(model, refs, {
    batchSize,
    features: cache !== undefined,
    maps: true,
    onTimings: ({ read, decode, infer, encode }) => {
      stages.read!.push(...read);
      stages['decode + resize']!.push(...decode);
      stages.infer!.push(...encode.map(() => infer / encode.length));
      stages['class-map encoding']!.push(...encode);
    },
  })) {
    const predictions: NewPrediction[] = [];
    for (const outcome of batch) {
      if (!outcome.ok) continue;
      const sha = hashes.get(outcome.id)!;
      if (cache && labelled.has(sha)) {
        const at = performance.now();
        await cache.write(sha, featureEntry(outcome.features!, model.cacheOutputs!), (hash) =>
          labelled.has(hash),
        );
        stages['cache write']!.push(performance.now() - at);
      }
      predictions.push({ imageId: outcome.id, scores: outcome.probabilities.slice(), maps: outcome.maps! });
    }
    const at = performance.now();
    writeTransaction(db, () =>
      insertPredictions(db, record.id, predictions, projectClassMapping(listClasses(db), record)),
    );
    const share = (performance.now() - at) / predictions.length;
    stages['SQLite write']!.push(...predictions.map(() => share));
  }
  const seconds = (performance.now() - started) / 1000;
  const workers = model.pool.size;
  await host.close();
  db.close();
  console.log(
    `stages per photo (${workers} worker${workers === 1 ? '' : 's'}, batches of ${batchSize}, ` +
      `${(refs.length / seconds).toFixed(2)} photos/s; p50 / p95 ms): ` +
      Object.entries(stages)
        .map(([stage, values]) => `${stage} ${ms(quantile(values, 0.5))} / ${ms(quantile(values, 0.95))}`)
        .join(', '),
  );
  await benchDecodeAlone(refs.slice(0, 100).map((ref) => ref.path));
}

/**
 * What of decode + resize is decoding: the same photos decoded to full-size pixels and nothing
 * else, against the pipeline the workers run, on this thread one photo at a time. An estimate: the
 * pipeline never holds the whole decoded photo, so the difference is not the resize alone.
 */
async function benchDecodeAlone(paths: string[]): Promise<void> {
  const input = modelShape(await readManifest(defaultPackDir())).input;
  const alone: number[] = [];
  const pipeline: number[] = [];
  for (const path of paths) {
    const { bytes } = await readPhotoBytes(path);
    let at = performance.now();
    await sharp(bytes, { failOn: 'error' }).rotate().removeAlpha().raw().toBuffer();
    alone.push(performance.now() - at);
    at = performance.now();
    await pixelsOf(bytes, input);
    pipeline.push(performance.now() - at);
  }
  console.log(
    `decoding alone (full size, ${paths.length} photos, p50 / p95 ms): ${ms(quantile(alone, 0.5))} / ${ms(quantile(alone, 0.95))}; ` +
      `decode + resize as the workers run it: ${ms(quantile(pipeline, 0.5))} / ${ms(quantile(pipeline, 0.95))}`,
  );
}

/** The first `count` VOC photos (one copy each, at most 765) as the model reads them. */
async function decodeVoc(count: number): Promise<Uint8Array[]> {
  const input = modelShape(await readManifest(defaultPackDir())).input;
  const { photos } = await scanFolder(vocImages);
  const pixels: Uint8Array[] = [];
  for (const path of photos.slice(0, count)) pixels.push((await photoPixels(path, input)).pixels);
  return pixels;
}

/**
 * The pack's mirror averaging runs the network on each photo and its mirror image: the same pack
 * built without it, against the pack itself, batch by batch in turn on the same photos (so a busy
 * moment of the machine falls on both), onnxruntime alone.
 */
async function benchMirror(pixels: Uint8Array[]): Promise<void> {
  const manifest = await readManifest(defaultPackDir());
  const withMirror = await openRunnerHere(await defaultPackModel(), provider);
  const file = join(dir, 'no-mirror.onnx');
  await writeFile(file, await buildDefaultModel({ ...defaultPackOptions, augmentation: 'none' }));
  const opened = await createSession(file, withMirror.provider);
  const without: ModelRunner = { ...modelShape(manifest), session: opened.session };
  const batchSize = poolShape(withMirror.provider).photosPerRun ?? inferenceBatchSize(withMirror.provider);
  const time = async (model: ModelRunner, batch: Uint8Array[]) => {
    const at = performance.now();
    await infer(model, batch);
    return performance.now() - at;
  };
  await time(withMirror, pixels.slice(0, batchSize));
  await time(without, pixels.slice(0, batchSize));
  let [mirrored, plain] = [0, 0];
  for (let i = 0; i < pixels.length; i += batchSize) {
    const batch = pixels.slice(i, i + batchSize);
    mirrored += await time(withMirror, batch);
    plain += await time(without, batch);
  }
  await withMirror.session.release();
  await opened.session.release();
  const [a, b] = [mirrored / pixels.length, plain / pixels.length];
  console.log(
    `mirror averaging (${manifest.augmentation} in the pack, ${pixels.length} photos, runs of ${batchSize}): ` +
      `${ms(a)} ms/photo with it, ${ms(b)} without: +${ms(a - b)} ms/photo, ${(a / b).toFixed(2)}x the inference`,
  );
}

/**
 * onnxruntime alone: one session on this thread, runs as large as the pool's (poolShape), the
 * photos decoded beforehand. The pool runs `workers` such sessions at once, so with more than one
 * the pipeline can go faster than this.
 */
async function benchOrtOnly(pixels: Uint8Array[]): Promise<number> {
  const model = await openRunnerHere(await defaultPackModel(), provider);
  const { workers, photosPerRun } = poolShape(model.provider);
  const size = photosPerRun ?? inferenceBatchSize(model.provider);
  await infer(model, pixels.slice(0, size));
  const started = performance.now();
  for (let i = 0; i < pixels.length; i += size) await infer(model, pixels.slice(i, i + size));
  const seconds = (performance.now() - started) / 1000;
  await model.session.release();
  const rate = pixels.length / seconds;
  console.log(
    `onnxruntime alone (${model.provider}, one session, runs of ${size}, photos decoded beforehand; ` +
      `the pool runs ${workers}): ${rate.toFixed(2)} photos/s`,
  );
  return rate;
}

/**
 * The same photos, as decoded for onnxruntime, through the tfjs graph model doing the same work:
 * each photo with its mirror image (the pack's 'hflip' averaging).
 */
async function benchTfjs(pixels: Uint8Array[]): Promise<number> {
  const model = await loadCenternetInTfjs();
  // The graph model takes one image at a time: the photo, then its mirror image.
  const run = async (image: Uint8Array) => {
    for (const mirrored of [false, true]) {
      const output = tf.tidy(() => {
        const photo = tf.tensor(Float32Array.from(image), [1, 512, 512, 3]);
        return model.execute(
          mirrored ? tf.reverse(photo, 2) : photo,
          centernetTensors.keypoints,
        ) as tf.Tensor;
      });
      await output.data();
      output.dispose();
    }
  };
  await run(pixels[0]!);
  const started = performance.now();
  for (const image of pixels) await run(image);
  const seconds = (performance.now() - started) / 1000;
  const rate = pixels.length / seconds;
  console.log(
    `tfjs ${tf.version.tfjs} on ${tf.getBackend()} (same model, ${pixels.length} photos): ${rate.toFixed(2)} photos/s`,
  );
  return rate;
}
