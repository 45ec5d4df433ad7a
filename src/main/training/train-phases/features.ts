// The features phase of a train run: every photo's backbone features and zero-shot logits, read
// from the cache or computed with the default pack, turned into the train and val sample sets.
import { ApiError } from '$shared/rpc';
import { recordJobItem } from '../../db/jobs';
import type { LabelledPhoto } from '../../db/splits';
import { labelledHashes } from '../../db/training';
import type { ModelHost } from '../../inference/model-host';
import { defaultPackModel } from '../../inference/model-info';
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

/**
 * Features from the cache, the rest computed now with the default pack. Null when the job was
 * cancelled meanwhile; refused when too few photos could be read.
 */
export async function readTrainingData(run: TrainRun): Promise<TrainingData | null> {
  const { project, models, config, context, photos, classes, snapshot, result, save } = run;
  const featureStarted = performance.now();
  const manifest = await readManifest(defaultPackDir());
  const entries = await readFeatures(project, models, photos, backboneOf(manifest), context);
  if (!entries) return null;
  result.featureSeconds = (performance.now() - featureStarted) / 1000;
  save();

  // Photos that could not be read since import are left out: what remains must still do.
  const readable = (split: 'train' | 'val') => photos.filter((p) => p.split === split && entries.has(p.id));
  const [trainPhotos, valPhotos] = [readable('train'), readable('val')];
  const { trainPhotos: minTrain, valPhotos: minVal } = trainSettings.minimums;
  if (trainPhotos.length < minTrain || valPhotos.length < minVal)
    throw new ApiError(
      'conflict',
      `cannot train: only ${trainPhotos.length} train and ${valPhotos.length} val photos could be read ` +
        `(at least ${minTrain} and ${minVal} are needed); see the skipped photos`,
    );
  // The features move into the sets, which go to the worker; the zero-shot logits stay here.
  const { locations } = [...entries.values()][0]!;
  const zeroShots = new Map([...entries].map(([id, entry]) => [id, entry.zeroShot]));
  const sets = {
    train: sampleSet(trainPhotos, entries, classes, snapshot.states, config.inputs),
    val: sampleSet(valPhotos, entries, classes, snapshot.states, config.inputs),
  };
  const dim = sets.train.set.featureDim + (sets.train.set.maps?.channels ?? 0);
  return { manifest, locations, zeroShots, sets, dim };
}

/**
 * Every photo's cache entry: read, or computed with the default pack and written. Null when the
 * job was cancelled meanwhile. The photos' entries are kept through evictions while it runs.
 */
async function readFeatures(
  project: Project,
  models: ModelHost,
  photos: LabelledPhoto[],
  backbone: string,
  context: JobContext,
): Promise<Map<number, FeatureEntry> | null> {
  const { db } = project;
  const { jobId, signal } = context;
  const labelled = labelledHashes(db);
  const cache = FeatureCache.forProject(project.path, backbone);
  const release = cache.pin(photos.map((photo) => photo.sha256));
  const entries = new Map<number, FeatureEntry>();
  // The run has each entry already: a cache that cannot keep it costs the next run time only.
  const keep = cacheKeeper(
    cache,
    (sha) => labelled.has(sha),
    (problem) => recordJobItem(db, jobId, cache.folder, 'skipped', problem),
  );
  try {
    const missing: LabelledPhoto[] = [];
    for (const photo of photos) {
      if (signal.aborted) return null;
      const entry = await cache.read(photo.sha256);
      if (entry && entry.views === 2) entries.set(photo.id, entry);
      else missing.push(photo);
    }
    let done = entries.size;
    context.progress('features', done, photos.length);
    if (missing.length === 0) return entries;
    const model = await models.load(await defaultPackModel(), 'auto');
    const hashes = new Map(missing.map((photo) => [photo.id, photo.sha256]));
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
        const entry = featureEntry(outcome.features!, model.cacheOutputs!);
        entries.set(outcome.id, entry);
        await keep(hashes.get(outcome.id)!, entry);
      }
      done += batch.length;
      context.progress('features', done, photos.length);
      if (signal.aborted) return null;
    }
    return entries;
  } finally {
    release();
  }
}

function sampleSet(
  photos: LabelledPhoto[],
  entries: Map<number, FeatureEntry>,
  classes: { classId: number }[],
  states: Map<number, Map<number, 'positive' | 'negative'>>,
  inputs: HeadInputs,
): LabelledSet {
  const C = classes.length;
  const first = entries.get(photos[0]!.id)!;
  const size = first.features.length;
  const mapSize = first.pooledClassMap.length;
  const set: SampleSet = {
    count: photos.length,
    views: first.views,
    featureDim: first.dim,
    features: new Uint16Array(photos.length * size),
    maps:
      inputs === 'features+maps'
        ? {
            channels: mapSize / first.locations,
            width: Math.round(Math.sqrt(first.locations)),
            data: new Uint16Array(photos.length * mapSize),
          }
        : undefined,
    y: new Float32Array(photos.length * C),
    mask: new Float32Array(photos.length * C),
  };
  const truth = photos.map((photo, i) => {
    const entry = entries.get(photo.id)!;
    // Copied: the entry's features are not needed twice in memory.
    entries.delete(photo.id);
    set.features.set(entry.features, i * size);
    set.maps?.data.set(entry.pooledClassMap, i * mapSize);
    return classes.map(({ classId }, c) => {
      const state = states.get(photo.id)?.get(classId);
      if (!state) return null;
      set.mask[i * C + c] = 1;
      set.y[i * C + c] = state === 'positive' ? 1 : 0;
      return state === 'positive' ? 1 : 0;
    });
  });
  return { photos, set, truth };
}
