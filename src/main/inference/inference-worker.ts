// An inference worker: one onnxruntime session of one model. Each batch's photos are read and
// decoded (sharp, on libuv's threads) as soon as the batch arrives, so the next batch is decoded
// while this one runs in onnxruntime; batches run one at a time, in the order they came. The class
// maps are encoded for storage here too, so the main thread only writes what comes back; its event
// loop never waits on any of it (inference-pool.ts starts and feeds the workers).
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { ProviderChoice } from '$shared/contract';
import { ApiError, type ErrorCode } from '$shared/rpc';
import { readPhotoBytes, UnreadablePhoto } from '../library/photo';
import type { PackManifest } from '../models/manifest';
import { encodeClassMaps } from './attention-maps';
import { infer, modelShape, openModelRunner, type BatchOutputs } from './model-runner';
import { pixelsOf, quietSharp, type Frame } from './preprocess';
import { providerLine, type Provider } from './providers';

export interface InferenceWorkerData {
  modelPath: string;
  manifest: PackManifest;
  choice: ProviderChoice;
  /** onnxruntime's intra-op threads; null leaves its default (one per core). */
  intraOpThreads: number | null;
  /** Photos per onnxruntime run, at most (inference-pool.ts, poolShape); null: the whole batch. */
  photosPerRun: number | null;
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
  /** Decoding and resizing: libvips does both in one pass over the photo (preprocess.ts). */
  decode: number[];
  infer: number;
  /** Encoding each photo's class maps for storage; empty when the batch asked for none. */
  encode: number[];
}

/** What a batch asks for besides the probabilities. */
export interface BatchWants {
  /** The feature cache's outputs. */
  features: boolean;
  /** Each photo's class maps, encoded for storage (attention-maps.ts). */
  maps: boolean;
}

export type ToWorker = { type: 'batch'; id: number; photos: PhotoRef[] } & BatchWants;

/**
 * Every photo's encoded class maps in one buffer, so the whole batch moves to the main thread
 * without a copy: photo i's bytes end at ends[i].
 */
export interface EncodedMaps {
  bytes: Uint8Array;
  ends: number[];
}

/** A batch's outputs as a worker sends them: one row per photo that decoded. */
export type WorkerOutputs = Omit<BatchOutputs, 'classMaps'> & { maps?: EncodedMaps };

export type FromWorker =
  | { type: 'ready'; provider: Provider; line: string }
  | { type: 'failed'; message: string; code: ErrorCode | null }
  | {
      type: 'batch';
      id: number;
      /** In the order sent; the outputs hold one row per photo that decoded, in the same order. */
      photos: DecodedPhoto[];
      outputs: WorkerOutputs | null;
      timings: StageTimings;
    }
  | { type: 'batch-failed'; id: number; message: string; code: ErrorCode | null };

const port = parentPort!;
const { modelPath, manifest, choice, intraOpThreads, photosPerRun } = workerData as InferenceWorkerData;
const shape = modelShape(manifest);
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const codeOf = (error: unknown) => (error instanceof ApiError ? error.code : null);

quietSharp();
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
    const { pixels, frame } = await pixelsOf(bytes, shape.input);
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

async function runBatch({ id, features, maps }: ToWorker, decoding: Promise<Decoded[]>): Promise<void> {
  try {
    const { runner } = await loading;
    const decoded = await decoding;
    const ready = decoded.flatMap((item) => (item.pixels ? [item.pixels] : []));
    const frames = decoded.flatMap(({ photo }) => (photo.ok ? [photo.frame] : []));
    const size = photosPerRun ?? Math.max(1, ready.length);
    const runs: BatchOutputs[] = [];
    const blobs: Buffer[] = [];
    const encode: number[] = [];
    let inferred = 0;
    for (let start = 0; start < ready.length; start += size) {
      const started = performance.now();
      const run = await infer(runner, ready.slice(start, start + size), { features, classMaps: maps });
      inferred += performance.now() - started;
      // Encoded run by run, and the run's class maps let go.
      if (run.classMaps) blobs.push(...encodeRun(run, frames.slice(start, start + size), encode));
      runs.push({ ...run, classMaps: undefined });
    }
    const result: WorkerOutputs | null =
      runs.length === 0 ? null : { ...joinRuns(runs), maps: maps ? packMaps(blobs) : undefined };
    post(
      {
        type: 'batch',
        id,
        photos: decoded.map((item) => item.photo),
        outputs: result,
        timings: {
          read: decoded.map((item) => item.read),
          decode: decoded.map((item) => item.decode),
          infer: inferred,
          encode,
        },
      },
      result ? transferable(result) : [],
    );
  } catch (error) {
    post({ type: 'batch-failed', id, message: (error as Error).message, code: codeOf(error) });
  }
}

/** Each photo of a run, its class maps encoded; each photo's time goes to `timings`. */
function encodeRun({ classMaps, probabilities }: BatchOutputs, frames: Frame[], timings: number[]): Buffer[] {
  const { classCount, classMapSide } = shape;
  const mapSize = classCount * classMapSide ** 2;
  return frames.map((frame, index) => {
    const started = performance.now();
    const blob = encodeClassMaps(
      classMaps!.subarray(index * mapSize, (index + 1) * mapSize),
      classMapSide,
      probabilities.subarray(index * classCount, (index + 1) * classCount),
      frame,
    );
    timings.push(performance.now() - started);
    return blob;
  });
}

/** The photos' encoded maps in one buffer of its own, which can move to the main thread. */
function packMaps(blobs: Buffer[]): EncodedMaps {
  // Not Buffer.concat: a small result may be a slice of Node's shared pool, which cannot move.
  const bytes = new Uint8Array(blobs.reduce((total, blob) => total + blob.length, 0));
  const ends: number[] = [];
  let at = 0;
  for (const blob of blobs) {
    bytes.set(blob, at);
    ends.push((at += blob.length));
  }
  return { bytes, ends };
}

/** A batch's runs as one: each output's rows end to end (no copy when there was one run). */
function joinRuns(runs: BatchOutputs[]): Omit<BatchOutputs, 'classMaps'> {
  if (runs.length === 1) return runs[0]!;
  const join = (arrays: Float32Array[]) => {
    const joined = new Float32Array(arrays.reduce((total, array) => total + array.length, 0));
    let at = 0;
    for (const array of arrays) {
      joined.set(array, at);
      at += array.length;
    }
    return joined;
  };
  const features = runs.map((run) => run.features!);
  return {
    probabilities: join(runs.map((run) => run.probabilities)),
    features: runs[0]!.features && {
      views: features[0]!.views.map((_, view) => join(features.map((run) => run.views[view]!))),
      pooledClassMap: join(features.map((run) => run.pooledClassMap)),
      zeroShot: join(features.map((run) => run.zeroShot)),
    },
  };
}

/**
 * The outputs' buffers, moved rather than copied to the main thread: onnxruntime gives each output
 * an ArrayBuffer of its own, and nothing here reads them once the batch is posted.
 */
function transferable(outputs: WorkerOutputs): ArrayBuffer[] {
  const arrays = [
    outputs.probabilities,
    outputs.maps?.bytes,
    ...(outputs.features
      ? [...outputs.features.views, outputs.features.pooledClassMap, outputs.features.zeroShot]
      : []),
  ];
  const buffers = new Set<ArrayBuffer>();
  for (const array of arrays) if (array) buffers.add(array.buffer as ArrayBuffer);
  return [...buffers];
}
