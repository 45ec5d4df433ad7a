// An inference worker: one onnxruntime session of one model. Each batch's photos are read and
// decoded (sharp, on libuv's threads) as soon as the batch arrives, so the next batch is decoded
// while this one runs in onnxruntime; batches run one at a time, in the order they came. The main
// thread's event loop never waits on either (inference-pool.ts starts and feeds the workers).
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { ProviderChoice } from '$shared/contract';
import { ApiError, type ErrorCode } from '$shared/rpc';
import { readPhotoBytes, UnreadablePhoto } from '../library/photo';
import type { PackManifest } from '../models/manifest';
import { infer, modelShape, openModelRunner, type BatchOutputs } from './model-runner';
import { pixelsOf, type Frame } from './preprocess';
import { providerLine, type Provider } from './providers';

export interface InferenceWorkerData {
  modelPath: string;
  manifest: PackManifest;
  choice: ProviderChoice;
  /** onnxruntime's intra-op threads; null leaves its default (one per core). */
  intraOpThreads: number | null;
}

export interface PhotoRef {
  id: number;
  path: string;
}

export type DecodedPhoto =
  (PhotoRef & { ok: true; frame: Frame }) | (PhotoRef & { ok: false; reason: string });

/** Milliseconds each stage took, per photo where the stage is per photo. */
export interface StageTimings {
  read: number[];
  decode: number[];
  infer: number;
}

export type ToWorker = { type: 'batch'; id: number; photos: PhotoRef[]; features: boolean };

export type FromWorker =
  | { type: 'ready'; provider: Provider; line: string }
  | { type: 'failed'; message: string; code: ErrorCode | null }
  | {
      type: 'batch';
      id: number;
      /** In the order sent; the outputs hold one row per photo that decoded, in the same order. */
      photos: DecodedPhoto[];
      outputs: BatchOutputs | null;
      timings: StageTimings;
    }
  | { type: 'batch-failed'; id: number; message: string; code: ErrorCode | null };

const port = parentPort!;
const { modelPath, manifest, choice, intraOpThreads } = workerData as InferenceWorkerData;
const input = modelShape(manifest).input;
const post = (message: FromWorker) => port.postMessage(message);
const codeOf = (error: unknown) => (error instanceof ApiError ? error.code : null);

const loading = openModelRunner(modelPath, manifest, choice, { intraOpThreads });
loading.then(
  ({ opened }) => post({ type: 'ready', provider: opened.provider, line: providerLine(opened) }),
  (error: unknown) => post({ type: 'failed', message: (error as Error).message, code: codeOf(error) }),
);

interface Decoded {
  photo: DecodedPhoto;
  pixels: Uint8Array | null;
  read: number;
  decode: number;
}

async function decode(photo: PhotoRef): Promise<Decoded> {
  const started = performance.now();
  try {
    const { bytes } = await readPhotoBytes(photo.path);
    const read = performance.now();
    const { pixels, frame } = await pixelsOf(bytes, input);
    return {
      photo: { ...photo, ok: true, frame },
      pixels,
      read: read - started,
      decode: performance.now() - read,
    };
  } catch (error) {
    if (!(error instanceof UnreadablePhoto)) throw error;
    return { photo: { ...photo, ok: false, reason: error.message }, pixels: null, read: 0, decode: 0 };
  }
}

/** Batches run one after another; each one's photos are decoded from the moment it arrives. */
let running: Promise<void> = Promise.resolve();

port.on('message', (message: ToWorker) => {
  const decoding = Promise.all(message.photos.map(decode));
  // Settled here too, so a batch that fails to decode is reported once, in its turn.
  decoding.catch(() => undefined);
  running = running.then(() => runBatch(message, decoding));
});

async function runBatch({ id, features }: ToWorker, decoding: Promise<Decoded[]>): Promise<void> {
  try {
    const { runner } = await loading;
    const decoded = await decoding;
    const ready = decoded.flatMap((item) => (item.pixels ? [item.pixels] : []));
    const started = performance.now();
    const outputs = ready.length > 0 ? await infer(runner, ready, features) : null;
    post({
      type: 'batch',
      id,
      photos: decoded.map((item) => item.photo),
      outputs,
      timings: {
        read: decoded.map((item) => item.read),
        decode: decoded.map((item) => item.decode),
        infer: performance.now() - started,
      },
    });
  } catch (error) {
    post({ type: 'batch-failed', id, message: (error as Error).message, code: codeOf(error) });
  }
}
