// The pre-labeling pipeline: photos are decoded and resized (sharp, on libuv's threads) while the
// previous batch runs in onnxruntime (on its own threads), so neither waits on the other. At most
// two batches of pixels are in memory, whatever the size of the collection.
import * as ort from 'onnxruntime-node';
import { sigmoid } from '$shared/csra';
import { mapOrdered } from '../concurrency';
import { foregroundSettled } from '../foreground';
import { UnreadablePhoto } from '../library/photo';
import { photoPixels, type Frame, type ModelInput } from './preprocess';

/** What the pipeline needs of a loaded model. */
export interface ModelRunner {
  session: ort.InferenceSession;
  inputName: string;
  input: ModelInput;
  classCount: number;
  logitsName: string;
  classMapName: string;
  classMapSide: number;
  /** The outputs the feature cache keeps, when the model gives them all. */
  cacheOutputs?: CacheOutputs;
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

export interface PhotoRef {
  id: number;
  path: string;
}

export type PhotoOutcome =
  | (PhotoRef & {
      ok: true;
      probabilities: Float32Array;
      classMap: Float32Array;
      frame: Frame;
      /** With `features: true` and a model that gives them. */
      features?: PhotoFeatures;
    })
  | (PhotoRef & { ok: false; reason: string });

type Decoded =
  (PhotoRef & { ok: true; pixels: Uint8Array; frame: Frame }) | (PhotoRef & { ok: false; reason: string });

/** Yields one array of outcomes per batch, in input order. */
export async function* predictPhotos(
  model: ModelRunner,
  photos: readonly PhotoRef[],
  options: { batchSize: number; signal?: AbortSignal; features?: boolean },
): AsyncGenerator<PhotoOutcome[]> {
  const { batchSize, signal, features = false } = options;
  const decode = async (photo: PhotoRef): Promise<Decoded> => {
    try {
      return { ...photo, ok: true, ...(await photoPixels(photo.path, model.input)) };
    } catch (error) {
      if (error instanceof UnreadablePhoto) return { ...photo, ok: false, reason: error.message };
      throw error;
    }
  };
  let pending: Decoded[] = [];
  for await (const decoded of mapOrdered(photos, batchSize * 2, decode)) {
    pending.push(decoded);
    if (pending.filter((item) => item.ok).length === batchSize) {
      yield await runBatch(model, pending, features);
      pending = [];
      if (signal?.aborted) return;
    }
  }
  if (pending.length > 0) yield await runBatch(model, pending, features);
}

async function runBatch(model: ModelRunner, items: Decoded[], features: boolean): Promise<PhotoOutcome[]> {
  // A batch holds the event loop until it is done: what a person waits for goes first.
  await foregroundSettled();
  const ready = items.filter((item): item is Decoded & { ok: true } => item.ok);
  const outputs =
    ready.length > 0
      ? await infer(
          model,
          ready.map((item) => item.pixels),
          features,
        )
      : null;
  let slot = 0;
  return items.map((item) => {
    if (!item.ok) return item;
    const index = slot++;
    return {
      id: item.id,
      path: item.path,
      ok: true,
      frame: item.frame,
      probabilities: outputs!.probabilities.subarray(
        index * model.classCount,
        (index + 1) * model.classCount,
      ),
      classMap: outputs!.classMaps.subarray(
        index * model.classCount * model.classMapSide ** 2,
        (index + 1) * model.classCount * model.classMapSide ** 2,
      ),
      features: outputs!.features?.(index),
    };
  });
}

/**
 * Runs a batch of HWC byte images; returns sigmoid probabilities [B, C] and class maps [B, C, S, S],
 * and with `features` (when the model gives them) each photo's share of the cache outputs.
 */
export async function infer(
  model: ModelRunner,
  images: readonly Uint8Array[],
  features = false,
): Promise<{
  probabilities: Float32Array;
  classMaps: Float32Array;
  features?: (index: number) => PhotoFeatures;
}> {
  const { side } = model.input;
  const pixels = side * side * 3;
  const input = new Float32Array(images.length * pixels);
  images.forEach((image, index) => {
    if (image.length !== pixels) throw new Error(`expected ${pixels} RGB bytes, got ${image.length}`);
    input.set(image, index * pixels);
  });
  const feeds = {
    [model.inputName]: new ort.Tensor('float32', input, [images.length, side, side, 3]),
  };
  const cache = features ? model.cacheOutputs : undefined;
  const cacheNames = cache
    ? [cache.features, cache.featuresMirror, cache.pooledClassMap, cache.zeroShot].filter(
        (name): name is string => name !== undefined,
      )
    : [];
  const names = [...new Set([model.logitsName, model.classMapName, ...cacheNames])];
  const results = await model.session.run(feeds, names);
  const logits = results[model.logitsName]!.data as Float32Array;
  const probabilities = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i += 1) probabilities[i] = sigmoid(logits[i]!);
  const slice = (name: string, size: number, index: number) =>
    (results[name]!.data as Float32Array).subarray(index * size, (index + 1) * size);
  return {
    probabilities,
    classMaps: results[model.classMapName]!.data as Float32Array,
    features: cache
      ? (index) => {
          const size = cache.dim * cache.locations;
          return {
            views: [cache.features, cache.featuresMirror]
              .filter((name): name is string => name !== undefined)
              .map((name) => slice(name, size, index)),
            pooledClassMap: slice(cache.pooledClassMap, cache.zeroShotClasses * cache.locations, index),
            zeroShot: slice(cache.zeroShot, cache.zeroShotClasses, index),
          };
        }
      : undefined,
  };
}
