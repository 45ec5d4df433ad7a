// The pre-labeling pipeline: batches of photos go to the model's inference workers, which read,
// decode and run them and encode their class maps (inference-pool.ts); this side keeps a few
// batches in flight, so each worker decodes its next batch while it runs the current one, and
// yields the outcomes in input order. At most `workers × 2` batches of pixels exist at once,
// whatever the size of the collection, and the main thread only ever holds their outputs.
import type { PhotoRef, StageTimings } from './inference-worker';
import type { LoadedModel } from './model-host';
import { photoFeatures, type PhotoFeatures } from './model-runner';
import type { Frame } from './preprocess';
import type { WorkerBatch } from './inference-pool';
import { inferenceBatchSize } from './providers';

export type { PhotoRef } from './inference-worker';

export type PhotoOutcome =
  | (PhotoRef & {
      ok: true;
      probabilities: Float32Array;
      /** With `maps: true`: the photo's class maps as stored (attention-maps.ts). */
      maps?: Buffer;
      frame: Frame;
      /** With `features: true` and a model that gives them. */
      features?: PhotoFeatures;
    })
  | (PhotoRef & { ok: false; reason: string });

export interface PredictOptions {
  /** Photos per batch; by default what suits the model's provider (inferenceBatchSize). */
  batchSize?: number;
  signal?: AbortSignal;
  features?: boolean;
  /** Each photo's class maps, encoded for storage by the worker. */
  maps?: boolean;
  /** Each batch's stage timings, as its worker measured them (the benchmark's profile). */
  onTimings?: (timings: StageTimings) => void;
}

/** Yields one array of outcomes per batch, in input order. */
export async function* predictPhotos(
  model: LoadedModel,
  photos: readonly PhotoRef[],
  {
    batchSize = inferenceBatchSize(model.provider),
    signal,
    features = false,
    maps = false,
    onTimings,
  }: PredictOptions,
): AsyncGenerator<PhotoOutcome[]> {
  const batches: PhotoRef[][] = [];
  for (let i = 0; i < photos.length; i += batchSize) batches.push(photos.slice(i, i + batchSize));
  const inFlight: Promise<WorkerBatch>[] = [];
  let next = 0;
  try {
    while (next < batches.length || inFlight.length > 0) {
      while (inFlight.length < model.pool.size * 2 && next < batches.length)
        inFlight.push(model.pool.run(batches[next++]!, { features, maps }));
      const batch = await inFlight.shift()!;
      // A turn of the event loop per batch: batches that arrived together would otherwise be
      // stored one after another in a single turn, with the app's requests (and a job's stop)
      // waiting behind all of them.
      await new Promise((resolve) => setImmediate(resolve));
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
  const { classCount, cacheOutputs } = model;
  let row = 0;
  return photos.map((photo) => {
    if (!photo.ok) return photo;
    const index = row++;
    const maps = outputs!.maps;
    const mapsStart = index === 0 ? 0 : maps?.ends[index - 1];
    return {
      ...photo,
      probabilities: outputs!.probabilities.subarray(index * classCount, (index + 1) * classCount),
      // A view of the batch's buffer, which came from the worker without a copy.
      maps:
        maps &&
        Buffer.from(maps.bytes.buffer, maps.bytes.byteOffset + mapsStart!, maps.ends[index]! - mapsStart!),
      features: outputs!.features && cacheOutputs ? photoFeatures(outputs!, cacheOutputs, index) : undefined,
    };
  });
}
