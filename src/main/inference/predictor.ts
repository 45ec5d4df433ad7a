// The pre-labeling pipeline: batches of photos go to the model's inference workers, which read,
// decode and run them (inference-pool.ts); this side keeps a few batches in flight, so each worker
// decodes its next batch while it runs the current one, and yields the outcomes in input order. At
// most `workers × 2` batches of pixels exist at once, whatever the size of the collection, and the
// main thread only ever holds their outputs.
import type { PhotoRef, StageTimings } from './inference-worker';
import type { LoadedModel } from './model-host';
import { photoFeatures, type PhotoFeatures } from './model-runner';
import type { Frame } from './preprocess';
import type { WorkerBatch } from './inference-pool';

export type { PhotoRef } from './inference-worker';

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

export interface PredictOptions {
  batchSize: number;
  signal?: AbortSignal;
  features?: boolean;
  /** Each batch's stage timings, as its worker measured them (the benchmark's profile). */
  onTimings?: (timings: StageTimings) => void;
}

/** Yields one array of outcomes per batch, in input order. */
export async function* predictPhotos(
  model: LoadedModel,
  photos: readonly PhotoRef[],
  { batchSize, signal, features = false, onTimings }: PredictOptions,
): AsyncGenerator<PhotoOutcome[]> {
  const batches: PhotoRef[][] = [];
  for (let i = 0; i < photos.length; i += batchSize) batches.push(photos.slice(i, i + batchSize));
  const inFlight: Promise<WorkerBatch>[] = [];
  let next = 0;
  try {
    while (next < batches.length || inFlight.length > 0) {
      while (inFlight.length < model.pool.size * 2 && next < batches.length)
        inFlight.push(model.pool.run(batches[next++]!, features));
      const batch = await inFlight.shift()!;
      onTimings?.(batch.timings);
      yield outcomes(model, batch);
      if (signal?.aborted) return;
    }
  } finally {
    // Batches still in the workers when the run stops: their answers are not wanted.
    for (const unwanted of inFlight) unwanted.catch(() => undefined);
  }
}

function outcomes(model: LoadedModel, { photos, outputs }: WorkerBatch): PhotoOutcome[] {
  const { classCount, classMapSide, cacheOutputs } = model;
  const mapSize = classCount * classMapSide ** 2;
  let row = 0;
  return photos.map((photo) => {
    if (!photo.ok) return photo;
    const index = row++;
    return {
      ...photo,
      probabilities: outputs!.probabilities.subarray(index * classCount, (index + 1) * classCount),
      classMap: outputs!.classMaps.subarray(index * mapSize, (index + 1) * mapSize),
      features: outputs!.features && cacheOutputs ? photoFeatures(outputs!, cacheOutputs, index) : undefined,
    };
  });
}
