// A model pack's onnxruntime session and what running it needs: the names of its input and
// outputs, its input size and how photos are fitted to it. The inference workers hold one each
// (inference-worker.ts); the benchmarks open one to time onnxruntime alone.
import * as ort from 'onnxruntime-node';
import { sigmoid } from '$shared/csra';
import { checkSession, type PackManifest } from '../models/manifest';
import type { ProviderChoice } from '$shared/contract';
import type { ModelInput } from './preprocess';
import { createSession, type OpenedSession } from './providers';

/** What inference needs to know of a model, without its session (the pool's side holds this). */
export interface ModelShape {
  inputName: string;
  input: ModelInput;
  classCount: number;
  logitsName: string;
  classMapName: string;
  classMapSide: number;
  /** The outputs the feature cache keeps, when the model gives them all. */
  cacheOutputs?: CacheOutputs;
}

export interface ModelRunner extends ModelShape {
  session: ort.InferenceSession;
}

export interface CacheOutputs {
  features: string;
  featuresMirror?: string;
  pooledClassMap: string;
  zeroShot: string;
  dim: number;
  locations: number;
  zeroShotClasses: number;
}

/** One photo's share of the cache outputs. */
export interface PhotoFeatures {
  /** [dim, locations] each: the photo, then (when the model gives it) its mirror image */
  views: Float32Array[];
  pooledClassMap: Float32Array;
  zeroShot: Float32Array;
}

/** A batch's outputs, one row per photo: what a worker sends back, as one array per output. */
export interface BatchOutputs {
  /** Sigmoid probabilities [B, C]. */
  probabilities: Float32Array;
  /** Class maps [B, C, S, S], when asked for. */
  classMaps?: Float32Array;
  /** With `features` and a model that gives them: [B, …] per cache output. */
  features?: { views: Float32Array[]; pooledClassMap: Float32Array; zeroShot: Float32Array };
}

/** The shape of a pack's model, as its manifest names it. */
export function modelShape(manifest: PackManifest): ModelShape {
  const [height] = manifest.input.size;
  const { features, featuresMirror, pooledClassMap, zeroShot } = manifest.outputs;
  return {
    cacheOutputs:
      pooledClassMap && zeroShot
        ? {
            features: features.name,
            featuresMirror: featuresMirror?.name,
            pooledClassMap: pooledClassMap.name,
            zeroShot: zeroShot.name,
            dim: Number(features.shape[1]),
            locations: Number(features.shape[2]) * Number(features.shape[3]),
            zeroShotClasses: Number(zeroShot.shape.at(-1)),
          }
        : undefined,
    inputName: manifest.input.name,
    input: { side: height, resize: manifest.input.resize, padValue: manifest.input.padValue },
    classCount: manifest.classes.length,
    logitsName: manifest.outputs.logits.name,
    classMapName: manifest.outputs.overlay.name,
    classMapSide: Number(manifest.outputs.overlay.shape.at(-1)),
  };
}

/** Opens a session of a pack's model on the chosen provider, checked against its manifest. */
export async function openModelRunner(
  modelPath: string,
  manifest: PackManifest,
  choice: ProviderChoice,
  options: { intraOpThreads?: number | null } = {},
): Promise<{ runner: ModelRunner; opened: OpenedSession }> {
  const opened = await createSession(modelPath, choice, options);
  checkSession(opened.session, manifest);
  return { runner: { ...modelShape(manifest), session: opened.session }, opened };
}

export interface InferOptions {
  /** The cache outputs too (when the model has them). */
  features?: boolean;
  /** The class maps (the overlay output); off, onnxruntime skips the nodes only they need. */
  classMaps?: boolean;
}

/**
 * onnxruntime's IO binding would not save a copy here. onnxruntime-node (1.30) wraps a CPU input
 * tensor's typed array without copying it (NapiValueToOrtValue: Ort::Value::CreateTensor on the
 * array's memory), and uses IO binding only when the session option preferredOutputLocation asks
 * for outputs left on the device ('gpu-buffer' for WebGPU, 'ml-tensor'), binding the others to
 * CPU memory it allocates itself; preallocated outputs are not supported there ("TODO: support
 * preallocated output tensor" in js/node/src/inference_session_wrap.cc). Every output this app
 * fetches is read on the CPU, so a GPU-side output would only move the copy later.
 *
 * Each session's input buffer, kept from run to run: a fresh one per run (3 MiB a photo, 100 MiB
 * for a GPU's 32) is a fresh allocation from the kernel, zeroed page by page as it is filled. Sized
 * for the largest run yet; a smaller run uses its start. A run that finds it in use (two runs on
 * one session at once: the benchmarks, never a worker) gets a buffer of its own.
 */
const inputBuffers = new WeakMap<ort.InferenceSession, { data: Float32Array; busy: boolean }>();

function inputBuffer(
  session: ort.InferenceSession,
  length: number,
): { data: Float32Array; release: () => void } {
  let kept = inputBuffers.get(session);
  if (kept?.busy) return { data: new Float32Array(length), release: () => undefined };
  if (!kept || kept.data.length < length) {
    kept = { data: new Float32Array(length), busy: false };
    inputBuffers.set(session, kept);
  }
  const held = kept;
  held.busy = true;
  return { data: held.data.subarray(0, length), release: () => (held.busy = false) };
}

/** Runs a batch of HWC byte images. */
export async function infer(
  model: ModelRunner,
  images: readonly Uint8Array[],
  { features = false, classMaps = true }: InferOptions = {},
): Promise<BatchOutputs> {
  const { side } = model.input;
  const pixels = side * side * 3;
  const input = inputBuffer(model.session, images.length * pixels);
  try {
    images.forEach((image, index) => {
      if (image.length !== pixels) throw new Error(`expected ${pixels} RGB bytes, got ${image.length}`);
      input.data.set(image, index * pixels);
    });
    const feeds = {
      [model.inputName]: new ort.Tensor('float32', input.data, [images.length, side, side, 3]),
    };
    const cache = features ? model.cacheOutputs : undefined;
    const cacheNames = cache
      ? [cache.features, cache.featuresMirror, cache.pooledClassMap, cache.zeroShot].filter(
          (name): name is string => name !== undefined,
        )
      : [];
    const names = [...new Set([model.logitsName, ...(classMaps ? [model.classMapName] : []), ...cacheNames])];
    const results = await model.session.run(feeds, names);
    const data = (name: string) => results[name]!.data as Float32Array;
    const logits = data(model.logitsName);
    const probabilities = new Float32Array(logits.length);
    for (let i = 0; i < logits.length; i += 1) probabilities[i] = sigmoid(logits[i]!);
    return {
      probabilities,
      classMaps: classMaps ? data(model.classMapName) : undefined,
      features: cache && {
        views: [cache.features, cache.featuresMirror]
          .filter((name): name is string => name !== undefined)
          .map(data),
        pooledClassMap: data(cache.pooledClassMap),
        zeroShot: data(cache.zeroShot),
      },
    };
  } finally {
    input.release();
  }
}

/** Photo `index`'s share of a batch's cache outputs. */
export function photoFeatures(
  outputs: Pick<BatchOutputs, 'features'>,
  cache: CacheOutputs,
  index: number,
): PhotoFeatures {
  const slice = (array: Float32Array, size: number) => array.subarray(index * size, (index + 1) * size);
  const features = outputs.features!;
  return {
    views: features.views.map((view) => slice(view, cache.dim * cache.locations)),
    pooledClassMap: slice(features.pooledClassMap, cache.zeroShotClasses * cache.locations),
    zeroShot: slice(features.zeroShot, cache.zeroShotClasses),
  };
}
