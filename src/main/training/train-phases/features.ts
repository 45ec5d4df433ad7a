// The features phase of a train run: every photo's backbone features and zero-shot logits, read
// from the cache or computed with the default pack, turned into the train and val sample sets.
import { ApiError } from '$shared/rpc';
import { recordJobItem } from '../../db/jobs';
import type { LabelledPhoto } from '../../db/splits';
import { labelledHashes } from '../../db/training';
import type { ModelHost } from '../../inference/model-host';
import { defaultPackModel } from '../../inference/model-info';
import { modelShape } from '../../inference/model-runner';
import { predictPhotos } from '../../inference/predictor';
import type { JobContext } from '../../jobs';
import { defaultPackDir } from '../../models/default-pack';
import { backboneOf, readManifest, type PackManifest } from '../../models/manifest';
import type { Project } from '../../project';
import { cacheKeeper, FeatureCache, featureEntry, type FeatureEntry } from '../feature-cache';
import type { SampleSet } from '../train-loop';
import { trainSettings, type HeadInputs } from '../train-settings';
import type { TrainRun } from './run';

/** A split's readable photos, their samples for the head, and their labels per class (null: unknown). */
export interface LabelledSet {
  photos: LabelledPhoto[];
  set: SampleSet;
  truth: (0 | 1 | null)[][];
}

/** What the later phases learn and measure from. */
export interface TrainingData {
  /** The default pack's manifest: its backbone gave the features, its classes the zero-shot logits. */
  manifest: PackManifest;
  /** Locations of the feature grid. */
  locations: number;
  /** Every readable photo's zero-shot logits over the default pack's classes. */
  zeroShots: Map<number, Float32Array>;
  sets: { train: LabelledSet; val: LabelledSet };
  /** Input channels of the head: the features', and the class maps' when it reads them. */
  dim: number;
}

/** The head's input for a photo view, [dim, locations], as the default pack's manifest gives it. */
export function headInputShape(
  manifest: PackManifest,
  inputs: HeadInputs,
): { dim: number; locations: number } {
  const cache = modelShape(manifest).cacheOutputs;
  const maps = manifest.outputs.pooledClassMap;
  if (!cache || !maps) throw new Error(`the pack ${manifest.name} gives no features to train on`);
  return {
    dim: cache.dim + (inputs === 'features+maps' ? Number(maps.shape[1]) : 0),
    locations: cache.locations,
  };
}

/**
 * Features from the cache, the rest computed now with the default pack. Null when the job was
 * cancelled meanwhile; refused when too few photos could be read.
 */
export async function readTrainingData(run: TrainRun): Promise<TrainingData | null> {
  const { project, models, config, context, photos, classes, snapshot, result, save } = run;
  const featureStarted = performance.now();
  const manifest = await readManifest(defaultPackDir());
  // Each photo's features go straight into its place in its split's arrays, which move to the
  // worker as they are; the zero-shot logits stay here.
  const inSplit = (split: 'train' | 'val') => photos.filter((photo) => photo.split === split);
  const held = {
    train: new SplitFeatures(inSplit('train'), config.inputs),
    val: new SplitFeatures(inSplit('val'), config.inputs),
  };
  const zeroShots = new Map<number, Float32Array>();
  const place = (photo: LabelledPhoto, entry: FeatureEntry) => {
    if (photo.split !== 'train' && photo.split !== 'val') return;
    held[photo.split].put(photo.id, entry);
    zeroShots.set(photo.id, entry.zeroShot);
  };
  if (!(await readFeatures(project, models, photos, backboneOf(manifest), context, place))) return null;
  result.featureSeconds = (performance.now() - featureStarted) / 1000;
  save();

  // Photos that could not be read since import are left out: what remains must still do.
  const readable = (split: 'train' | 'val') => inSplit(split).filter((photo) => zeroShots.has(photo.id));
  const [trainPhotos, valPhotos] = [readable('train'), readable('val')];
  const { trainPhotos: minTrain, valPhotos: minVal } = trainSettings.minimums;
  if (trainPhotos.length < minTrain || valPhotos.length < minVal)
    throw new ApiError(
      'conflict',
      `cannot train: only ${trainPhotos.length} train and ${valPhotos.length} val photos could be read ` +
        `(at least ${minTrain} and ${minVal} are needed); see the skipped photos`,
    );
  const sets = {
    train: labelledSet(trainPhotos, held.train, classes, snapshot.states),
    val: labelledSet(valPhotos, held.val, classes, snapshot.states),
  };
  const { locations } = held.train.shape!;
  const dim = sets.train.set.featureDim + (sets.train.set.maps?.channels ?? 0);
  return { manifest, locations, zeroShots, sets, dim };
}

/**
 * Every photo's cache entry, read or computed with the default pack (and written), handed to
 * `place` as it comes: no entry is kept here. False when the job was cancelled meanwhile. The
 * photos' entries are kept through evictions while it runs.
 */
async function readFeatures(
  project: Project,
  models: ModelHost,
  photos: LabelledPhoto[],
  backbone: string,
  context: JobContext,
  place: (photo: LabelledPhoto, entry: FeatureEntry) => void,
): Promise<boolean> {
  const { db } = project;
  const { jobId, signal } = context;
  const labelled = labelledHashes(db);
  const cache = FeatureCache.forProject(project.path, backbone);
  const release = cache.pin(photos.map((photo) => photo.sha256));
  // The run has each entry already: a cache that cannot keep it costs the next run time only.
  const keep = cacheKeeper(
    cache,
    (sha) => labelled.has(sha),
    (problem) => recordJobItem(db, jobId, cache.folder, 'skipped', problem),
  );
  try {
    const missing: LabelledPhoto[] = [];
    for (const photo of photos) {
      if (signal.aborted) return false;
      const entry = await cache.read(photo.sha256);
      if (entry && entry.views === 2) place(photo, entry);
      else missing.push(photo);
    }
    let done = photos.length - missing.length;
    context.progress('features', done, photos.length);
    if (missing.length === 0) return true;
    const model = await models.load(await defaultPackModel(), 'auto');
    const byId = new Map(missing.map((photo) => [photo.id, photo]));
    for await (const batch of predictPhotos(model, missing, {
      batchSize: trainSettings.inferenceBatchSize,
      signal,
      features: true,
    })) {
      for (const outcome of batch) {
        if (!outcome.ok) {
          recordJobItem(db, jobId, outcome.path, 'skipped', outcome.reason);
          continue;
        }
        const photo = byId.get(outcome.id)!;
        const entry = featureEntry(outcome.features!, model.cacheOutputs!);
        place(photo, entry);
        await keep(photo.sha256, entry);
      }
      done += batch.length;
      context.progress('features', done, photos.length);
      if (signal.aborted) return false;
    }
    return true;
  } finally {
    release();
  }
}

/** The shape every entry of a run shares: the first entry's. */
interface EntryShape {
  views: number;
  dim: number;
  locations: number;
  /** float16 values of a photo's features and of its class maps */
  featureSize: number;
  mapSize: number;
}

/**
 * One split's features and class maps, held once: each photo's written into its place in one
 * float16 array as it arrives (in any order), so nothing holds them per photo as well. The arrays
 * are made for every photo of the split when the first entry gives the shape; the places of
 * photos that could not be read are closed up at the end.
 */
export class SplitFeatures {
  shape: EntryShape | null = null;
  private features = new Uint16Array(0);
  private maps: Uint16Array | null = null;
  /** Photo id → its place: its index among the split's photos. */
  private readonly places: Map<number, number>;

  constructor(
    photos: readonly LabelledPhoto[],
    private readonly inputs: HeadInputs,
  ) {
    this.places = new Map(photos.map((photo, i) => [photo.id, i]));
  }

  put(photoId: number, entry: FeatureEntry): void {
    if (!this.shape) {
      this.shape = {
        views: entry.views,
        dim: entry.dim,
        locations: entry.locations,
        featureSize: entry.features.length,
        mapSize: entry.pooledClassMap.length,
      };
      this.features = new Uint16Array(this.places.size * this.shape.featureSize);
      if (this.inputs === 'features+maps') this.maps = new Uint16Array(this.places.size * this.shape.mapSize);
    }
    const { views, dim, locations, featureSize, mapSize } = this.shape;
    if (entry.features.length !== featureSize || entry.pooledClassMap.length !== mapSize)
      throw new Error(
        `a feature entry of ${entry.views}×${entry.dim}×${entry.locations} among entries of ${views}×${dim}×${locations}`,
      );
    const at = this.places.get(photoId);
    if (at === undefined) throw new RangeError(`photo ${photoId} is not of this split`);
    this.features.set(entry.features, at * featureSize);
    this.maps?.set(entry.pooledClassMap, at * mapSize);
  }

  /**
   * The features and maps of `photos` (the split's photos that were read, in their order), in the
   * arrays themselves (no copy): they belong to the set from here on.
   */
  take(photos: readonly LabelledPhoto[]): Pick<SampleSet, 'views' | 'featureDim' | 'features' | 'maps'> {
    const { views, dim, locations, featureSize, mapSize } = this.shape!;
    photos.forEach((photo, i) => {
      const at = this.places.get(photo.id)!;
      // A photo's place is its index in the split, which `photos` keeps in order with some left
      // out: places only move down (i ≤ at), and nothing is overwritten before it moved.
      if (at === i) return;
      this.features.copyWithin(i * featureSize, at * featureSize, (at + 1) * featureSize);
      this.maps?.copyWithin(i * mapSize, at * mapSize, (at + 1) * mapSize);
    });
    return {
      views,
      featureDim: dim,
      features: this.features.subarray(0, photos.length * featureSize),
      maps: this.maps
        ? {
            channels: mapSize / locations,
            width: Math.round(Math.sqrt(locations)),
            data: this.maps.subarray(0, photos.length * mapSize),
          }
        : undefined,
    };
  }
}

function labelledSet(
  photos: LabelledPhoto[],
  held: SplitFeatures,
  classes: { classId: number }[],
  states: Map<number, Map<number, 'positive' | 'negative'>>,
): LabelledSet {
  const C = classes.length;
  const set: SampleSet = {
    count: photos.length,
    ...held.take(photos),
    y: new Float32Array(photos.length * C),
    mask: new Float32Array(photos.length * C),
  };
  const truth = photos.map((photo, i) =>
    classes.map(({ classId }, c) => {
      const state = states.get(photo.id)?.get(classId);
      if (!state) return null;
      set.mask[i * C + c] = 1;
      set.y[i * C + c] = state === 'positive' ? 1 : 0;
      return state === 'positive' ? 1 : 0;
    }),
  );
  return { photos, set, truth };
}
