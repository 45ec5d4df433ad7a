// npm run bench:prelabel [-- --ep cpu|webgpu|cuda|auto] — pre-labeling speed on the 765 VOC photos,
// all in one run so the ratios hold: end to end (decode + infer + store, the pre-label job) with
// the main thread's event-loop delay meanwhile, the pipeline's stages per photo, onnxruntime alone
// on photos decoded beforehand, and the same model in @tensorflow/tfjs on the wasm backend; peak
// memory; and the zero-shot VOC mAP of the default pack. Prints figures only.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { ProviderChoice } from '$shared/contract';
import { createClient } from '$shared/rpc';
import { createStudio } from '../src/main/api';
import { encodeClassMaps } from '../src/main/inference/attention-maps';
import { ModelHost, openRunnerHere } from '../src/main/inference/model-host';
import { predictPhotos } from '../src/main/inference/predictor';
import { defaultPackModel } from '../src/main/inference/model-info';
import { prelabelBatchSize } from '../src/main/inference/prelabel-job';
import { infer } from '../src/main/inference/model-runner';
import { photoPixels } from '../src/main/inference/preprocess';
import { scanFolder } from '../src/main/library/scan';
import { centernetTensors } from '../src/main/models/default-pack';
import { vocImages, vocLabels } from '../test/fixtures/paths';
import { loadCenternetInTfjs } from '../test/fixtures/tfjs';
import { jobDone } from '../test/fixtures/wait';

const { values } = parseArgs({
  options: { ep: { type: 'string', default: 'cpu' }, 'tfjs-photos': { type: 'string', default: '24' } },
});
const provider = ProviderChoice.parse(values.ep);
const dir = await mkdtemp(join(tmpdir(), 'csra-bench-'));
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

try {
  const endToEnd = await benchEndToEnd();
  const prelabelPeak = peakRss;
  await benchStages();
  const { rate: ortOnly, pixels } = await benchOrtOnly();
  const tfjs = await benchTfjs(pixels.slice(0, Number(values['tfjs-photos'])));
  clearInterval(sampler);
  console.log(
    `end to end: ${endToEnd.toFixed(2)} photos/s = ${((100 * endToEnd) / ortOnly).toFixed(0)}% of onnxruntime alone`,
  );
  console.log(`end to end / onnxruntime alone: ${(endToEnd / ortOnly).toFixed(2)} (target >= 0.95)`);
  console.log(`onnxruntime: ${(ortOnly / tfjs).toFixed(1)}x tfjs-wasm (target >= 3x)`);
  console.log(
    `peak RSS: ${mib(prelabelPeak)} while importing and pre-labeling; ${mib(peakRss)} in the whole run ` +
      '(onnxruntime alone holds all 765 photos decoded)',
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

async function benchEndToEnd(): Promise<number> {
  const studio = createStudio();
  const api = createClient(studio);
  await api.createProject({ path: join(dir, 'voc.sqlite') });
  const imported = await api.startImport({ folder: vocImages, labelsFile: vocLabels });
  await jobDone(api, imported.id);
  // A timer every 10 ms on the main thread: how late it fires is how long the loop was held.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const started = performance.now();
  delay.enable();
  const job = await api.startPrelabel({ provider });
  await jobDone(api, job.id);
  delay.disable();
  const seconds = (performance.now() - started) / 1000;
  const ms = (ns: number) => (ns / 1e6).toFixed(0);
  console.log(
    `event loop during pre-label: p99 ${ms(delay.percentile(99))} ms, max ${ms(delay.max)} ms (targets <= 20, <= 100)`,
  );
  const report = await api.getPrelabelReport({ jobId: job.id });
  const evaluation = await api.evaluate({ split: 'all' });
  await studio.close();
  const rate = report.predicted / seconds;
  console.log(
    `end to end (decode + infer + store) on ${report.provider}: ${report.predicted} photos in ${seconds.toFixed(1)} s = ${rate.toFixed(2)} photos/s`,
  );
  console.log(
    `zero-shot VOC mAP (${report.model}, ${evaluation.images} photos, ${evaluation.classesEvaluated} classes): ${(100 * evaluation.mAP!).toFixed(1)} (target >= 88)`,
  );
  return rate;
}

async function benchOrtOnly(): Promise<{ rate: number; pixels: Uint8Array[] }> {
  const model = await openRunnerHere(await defaultPackModel(), provider);
  const { photos } = await scanFolder(vocImages);
  const pixels: Uint8Array[] = [];
  for (const path of photos) pixels.push((await photoPixels(path, model.input)).pixels);
  await infer(model, pixels.slice(0, prelabelBatchSize));
  const started = performance.now();
  for (let i = 0; i < pixels.length; i += prelabelBatchSize)
    await infer(model, pixels.slice(i, i + prelabelBatchSize));
  const seconds = (performance.now() - started) / 1000;
  await model.session.release();
  const rate = pixels.length / seconds;
  console.log(
    `onnxruntime alone (${model.provider}, batches of ${prelabelBatchSize}, photos decoded beforehand): ${rate.toFixed(2)} photos/s`,
  );
  return { rate, pixels };
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

/**
 * The pipeline's stages per photo, as the workers measure them (read, decode and resize, inference
 * by the batch's share) and as this thread does (the class maps' encoding): p50 and p95.
 */
async function benchStages(): Promise<void> {
  const host = new ModelHost();
  const model = await host.load(await defaultPackModel(), provider);
  const { photos } = await scanFolder(vocImages);
  const stages: Record<string, number[]> = { read: [], decode: [], infer: [], 'class maps': [] };
  const refs = photos.map((path, i) => ({ id: i + 1, path }));
  for await (const batch of predictPhotos(model, refs, {
    batchSize: prelabelBatchSize,
    onTimings: ({ read, decode, infer }) => {
      stages.read!.push(...read);
      stages.decode!.push(...decode);
      stages.infer!.push(...read.map(() => infer / read.length));
    },
  }))
    for (const outcome of batch) {
      if (!outcome.ok) continue;
      const started = performance.now();
      encodeClassMaps(outcome.classMap, model.classMapSide, outcome.probabilities, outcome.frame);
      stages['class maps']!.push(performance.now() - started);
    }
  const workers = model.pool.size;
  await host.close();
  const at = (values: number[], q: number) =>
    [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;
  console.log(
    `stages per photo (${workers} worker${workers === 1 ? '' : 's'}, p50 / p95 ms): ` +
      Object.entries(stages)
        .map(([stage, values]) => `${stage} ${at(values, 0.5).toFixed(1)} / ${at(values, 0.95).toFixed(1)}`)
        .join(', '),
  );
}
