// The train job: one action from labels to a better pre-labeling model. It assigns splits to new
// labelled photos, reads the labels as they are at that instant, computes the features the cache
// lacks with the default pack, trains the CSRA head in a worker, blends it with the zero-shot
// readout at the weight val prefers, compares the result with the active version on the same val
// photos, writes the version (immutable files beside the project) and activates it when asked.
// The active version is touched only by that last step, in one transaction with the new row.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActivateRule, ModelVersion, TrainReport } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import { sigmoid } from '$shared/csra';
import { evaluate } from '$shared/metrics';
import { getJob, jobResult, recordJobItem, setJobResult } from '../db/jobs';
import { insertTrainedModel, listModels, trainedOn, setActiveModel, type ModelRecord } from '../db/models';
import { predictionScores } from '../db/predictions';
import { labelledPhotos, type LabelledPhoto } from '../db/splits';
import { labelChangesSince, labelledHashes, labelSnapshot } from '../db/training';
import { writeTransaction } from '../db/transaction';
import type { ModelHost } from '../inference/model-host';
import { defaultPackModel, ensureDefaultModel } from '../inference/model-info';
import { predictPhotos } from '../inference/predictor';
import { prelabelBatchSize } from '../inference/prelabel-job';
import type { JobContext } from '../jobs';
import { defaultPackDir } from '../models/default-pack';
import { backboneOf, readManifest } from '../models/manifest';
import {
  modelSource,
  versionFolderName,
  versionInfo,
  versionsFolder,
  writeVersion,
  type TrainedHead,
} from '../models/versions';
import type { Project } from '../project';
import { cacheKeeper, FeatureCache, featureEntry, type FeatureEntry } from './feature-cache';
import type { EngineChoice, EngineTiming } from './head/choose';
import { isTrainable, minTrainPhotos, minValPhotos, trainPreflight } from './preflight';
import { assignSplits } from './splits';
import { searchEpochs, type EpochRecord, type HeadConfig, type SampleSet } from './train-loop';
import { trainInWorker } from './worker-client';

/** What the head reads: the backbone's features, or those and the COCO class maps on the same grid. */
export type HeadInputs = 'features' | 'features+maps';

export interface TrainConfig {
  activate: ActivateRule;
  inputs: HeadInputs;
  /** Seeds the splits of new photos, the shuffles and the initial noise. */
  seed: number;
  engine: EngineChoice;
  /** Seconds the search and the final run may take together. */
  budgetSeconds: number;
}

/**
 * The class maps as more inputs won on the VOC photos (612 train / 153 val, 20 VOC classes plus
 * animal and vehicle): head alone 90.1 val mAP against 86.7 on the features alone, the version
 * 91.0 against 89.8 (zero-shot 86.6).
 */
export const defaultTrainConfig = {
  seed: 1,
  engine: 'auto',
  budgetSeconds: 45,
  inputs: 'features+maps',
} as const satisfies Omit<TrainConfig, 'activate'>;

/**
 * Tried on val in this order while the budget allows (train-loop.ts). Measured on the VOC photos
 * (612 train / 153 val, head alone): 1 head, λ 0.1 reached 86.5 val mAP at lr 0.5 in 23 epochs and
 * 86.4 at lr 0.1 in 40; 2 heads (with the max head), λ 0.5 only 62 in 27 epochs — on frozen
 * features the max-pooled head learns slowly, so it is tried only with a small λ.
 */
export const headCandidates: HeadConfig[] = [
  { heads: 1, lambda: 0.1, learningRate: 0.5 },
  { heads: 1, lambda: 0.1, learningRate: 0.15 },
  { heads: 2, lambda: 0.1, learningRate: 0.5 },
  { heads: 1, lambda: 0.5, learningRate: 0.5 },
];

interface TrainResult {
  backend: string | null;
  /** Each engine's time per step here, the reason it could not run, and its backends skipped. */
  engineTimings: EngineTiming[] | null;
  epochs: EpochRecord[];
  featureSeconds: number | null;
  trainSeconds: number | null;
  /** The last label event the run read: later ones came after it. */
  lastEvent: number;
  /** Labels changed between that event and the end of the run. */
  labelsChanged?: number;
  modelId: number | null;
  comparison: TrainReport['comparison'];
  activated: boolean;
}

const blendWeights = Array.from({ length: 11 }, (_, i) => i / 10);

export async function runTrain(
  project: Project,
  models: ModelHost,
  config: TrainConfig,
  context: JobContext,
) {
  const { db } = project;
  const { jobId, signal } = context;
  // A run cut off earlier starts clean: the features it cached are all it keeps.
  await removeUnfinishedVersions(project);
  context.progress('assigning splits', 0, 0);
  assignSplits(db, { val: 0.2, test: 0, seed: config.seed, reassign: false });
  const preflight = trainPreflight(project, config.seed);
  if (preflight.blockers.length > 0)
    throw new ApiError('conflict', `cannot train: ${preflight.blockers.join('; ')}`);

  const snapshot = labelSnapshot(db);
  // What the new version must beat: the active version (the default pack when none was made yet).
  const baseline = await ensureDefaultModel(project);
  const photos = labelledPhotos(db).filter((photo) => photo.split === 'train' || photo.split === 'val');
  const classes = preflight.classes.filter((entry) => isTrainable(entry) || entry.modelClass !== null);
  const result: TrainResult = {
    backend: null,
    engineTimings: null,
    epochs: [],
    featureSeconds: null,
    trainSeconds: null,
    lastEvent: snapshot.lastEvent,
    modelId: null,
    comparison: null,
    activated: false,
  };
  const save = () => setJobResult(db, jobId, result);
  save();

  // Features: from the cache, the rest computed now with the default pack.
  const featureStarted = performance.now();
  const defaultManifest = await readManifest(defaultPackDir());
  const entries = await readFeatures(project, models, photos, backboneOf(defaultManifest), context);
  if (!entries) return;
  result.featureSeconds = (performance.now() - featureStarted) / 1000;
  save();

  // Photos that could not be read since import are left out: what remains must still do.
  const readable = (split: 'train' | 'val') => photos.filter((p) => p.split === split && entries.has(p.id));
  const [trainPhotos, valPhotos] = [readable('train'), readable('val')];
  if (trainPhotos.length < minTrainPhotos || valPhotos.length < minValPhotos)
    throw new ApiError(
      'conflict',
      `cannot train: only ${trainPhotos.length} train and ${valPhotos.length} val photos could be read ` +
        `(at least ${minTrainPhotos} and ${minValPhotos} are needed); see the skipped photos`,
    );
  // The features move into the sets, which go to the worker; the zero-shot logits stay here.
  const { locations } = [...entries.values()][0]!;
  const zeroShots = new Map([...entries].map(([id, entry]) => [id, entry.zeroShot]));
  const sets = {
    train: sampleSet(trainPhotos, entries, classes, snapshot.states, config.inputs),
    val: sampleSet(valPhotos, entries, classes, snapshot.states, config.inputs),
  };
  const dim = sets.train.set.featureDim + (sets.train.set.maps?.channels ?? 0);
  const maxEpochs = 40;
  // Every epoch of every trial counts: the search's and the final run's (early stopping may end sooner).
  const maxTrainingEpochs = maxEpochs + searchEpochs * (headCandidates.length - 1);
  context.progress('training', 0, maxTrainingEpochs);
  const output = await trainInWorker(
    {
      dim,
      locations,
      classes: classes.length,
      train: sets.train.set,
      val: sets.val.set,
      seed: config.seed,
      budgetSeconds: config.budgetSeconds,
      candidates: headCandidates,
      batchSize: 64,
      maxEpochs,
      engine: config.engine,
    },
    {
      onEngine: (backend, timings) => {
        result.backend = backend;
        result.engineTimings = timings;
        save();
      },
      onEpoch: (record) => {
        result.epochs.push(record);
        writeTransaction(db, () => {
          save();
          context.progress('training', result.epochs.length, maxTrainingEpochs);
        });
      },
      // The winning trial's epochs are the start of the final run: one line in the chart.
      onWinner: (trial) => {
        for (const record of result.epochs) if (record.trial === trial) record.trial = 'final';
        save();
      },
    },
    signal,
  );
  if (!output) return;
  result.backend = output.backend;
  result.trainSeconds = output.seconds;
  save();

  // The blend: one weight for every class COCO knows, the one val prefers; others use the head.
  context.progress('evaluating', 0, 0);
  const C = classes.length;
  const zeroShotIndex = classes.map((entry) =>
    entry.modelClass ? defaultManifest.classes.indexOf(entry.modelClass) : -1,
  );
  const zeroShotVal = new Float32Array(sets.val.photos.length * C);
  sets.val.photos.forEach((photo, i) => {
    const logits = zeroShots.get(photo.id)!;
    zeroShotIndex.forEach((index, c) => (zeroShotVal[i * C + c] = index < 0 ? 0 : logits[index]!));
  });
  const trainable = classes.map((entry) => isTrainable(entry));
  /** The head's weight per class at blend weight w: 1 where COCO lacks the class, 0 where its head does not ship. */
  const weightsAt = (w: number) => zeroShotIndex.map((index, c) => (index < 0 ? 1 : trainable[c] ? w : 0));
  const blended = (w: number) => {
    const weights = weightsAt(w);
    const out = new Float32Array(output.valLogits.length);
    for (let i = 0; i < sets.val.photos.length; i++)
      for (let c = 0; c < C; c++)
        out[i * C + c] =
          weights[c]! * output.valLogits[i * C + c]! + (1 - weights[c]!) * zeroShotVal[i * C + c]!;
    return out;
  };
  const truth = sets.val.truth;
  const names = classes.map((entry) => entry.name);
  const scoreOf = (logits: Float32Array) => evaluate({ classes: names, scores: rows(logits, C), truth });
  // The weight is chosen over the classes whose head ships; ties go to zero-shot, the safer side.
  const mapped = classes.flatMap((entry, c) => (entry.modelClass && trainable[c] ? [c] : []));
  const mappedMAP = (logits: Float32Array) =>
    meanOver(
      scoreOf(logits).perClass.map((r) => r.ap),
      mapped,
    );
  const scored = blendWeights.map((w) => ({ w, mAP: mappedMAP(blended(w)) ?? -1 }));
  const headWeight = scored.reduce((best, next) => (next.mAP > best.mAP ? next : best)).w;
  const versionLogits = blended(headWeight);
  const after = scoreOf(versionLogits);

  // The version that was active, on the same val photos.
  const before =
    baseline.headFile === null
      ? { scores: rows(zeroShotVal, C), predicts: zeroShotIndex.map((index) => index >= 0) }
      : await trainedScores(
          project,
          models,
          baseline,
          sets.val.photos,
          classes.map((entry) => entry.classId),
          signal,
        );
  // Val photos the active version learned from (moved out of train since) would flatter it.
  const learned = trainedOn(baseline);
  const fair = sets.val.photos.flatMap((photo, i) => (learned.has(photo.id) ? [] : [i]));
  const apOn = (scores: number[][]) =>
    fair.length === 0
      ? names.map(() => null)
      : evaluate({
          classes: names,
          scores: fair.map((i) => scores[i]!),
          truth: fair.map((i) => truth[i]!),
        }).perClass.map((r) => r.ap);
  const beforeAP = apOn(before.scores).map((ap, c) => (before.predicts[c] ? ap : null));
  const afterAP = apOn(rows(versionLogits, C));
  // mAP before and after over the same classes: those both versions predict and val can measure.
  const common = afterAP.flatMap((ap, c) => (ap !== null && beforeAP[c] !== null ? [c] : []));
  const comparison: NonNullable<TrainReport['comparison']> = {
    baseline: baseline.name,
    before: meanOver(beforeAP, common),
    after: meanOver(afterAP, common),
    perClass: names.map((name, c) => ({ class: name, before: beforeAP[c]!, after: afterAP[c]! })),
  };
  result.comparison = comparison;
  save();
  if (signal.aborted) return;

  context.progress('building version', 0, 0);
  const head: TrainedHead = {
    classes: names,
    temperatures: output.temperatures,
    lambda: output.config.lambda,
    weights: output.params.weights,
    classScale: output.params.classScale,
    classBias: output.params.classBias,
    standardise: output.standardise,
    inputs: config.inputs,
    zeroShotIndex,
    headWeight: weightsAt(headWeight),
  };
  const metrics = {
    valMAP: after.mAP,
    valImages: sets.val.photos.length,
    perClass: after.perClass.map((r) => ({ class: r.class, ap: r.ap })),
  };
  const trained = {
    backend: output.backend,
    trainSeconds: output.seconds,
    epochs: output.epochs,
    config: output.config,
    counts: { train: sets.train.photos.length, val: sets.val.photos.length },
  };
  // Per class, on val: the zero-shot readout, the trained head alone, and the version (their blend).
  const zeroShotAP = scoreOf(zeroShotVal).perClass.map((r, c) => (zeroShotIndex[c]! < 0 ? null : r.ap));
  const headAP = scoreOf(output.valLogits).perClass.map((r) => r.ap);
  const valAP = after.perClass.map((r, c) => ({
    class: r.class,
    zeroShot: zeroShotAP[c]!,
    head: headAP[c]!,
    version: r.ap,
  }));
  if (signal.aborted) return;
  const name = `v${nextVersionNumber(db)}`;
  const { manifest, headFile, folder } = await writeVersion(project, name, head, defaultManifest, {
    parent: baseline.pack,
    ...trained,
    engines: result.engineTimings,
    temperatures: output.temperatures,
    headWeight,
    valAP,
    perClassCounts: preflight.classes.filter((entry) => names.includes(entry.name)),
    metrics,
    labelsReadAtEvent: snapshot.lastEvent,
  });
  // 'better' needs a measured improvement: a version val cannot measure is kept, not activated.
  const activate =
    config.activate === 'always' ||
    (config.activate === 'better' &&
      comparison.after !== null &&
      (comparison.before === null || comparison.after > comparison.before));
  result.labelsChanged = labelChangesSince(db, snapshot.lastEvent);
  // Cancelled while the files were written, or the row cannot be written: no version.
  if (signal.aborted) return rm(folder, { recursive: true, force: true });
  try {
    writeTransaction(db, () => {
      const record = insertTrainedModel(db, {
        parentId: baseline.id,
        name,
        pack: `${manifest.name}@${manifest.version}`,
        classes: names,
        headFile,
        metrics: {
          ...metrics,
          trained,
          classIds: classes.map((entry) => entry.classId),
          trainImageIds: sets.train.photos.map((photo) => photo.id),
        },
      });
      result.modelId = record.id;
      if (activate) setActiveModel(db, record.id);
      result.activated = activate;
      save();
    });
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
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
      batchSize: prelabelBatchSize,
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

function nextVersionNumber(db: Project['db']): number {
  const { n } = db.prepare('SELECT coalesce(max(id), 0) + 1 AS n FROM models').get() as { n: number };
  return n;
}

/**
 * What a killed run may have left in the versions folder: a version half-written, or written but
 * never recorded (killed between the rename and the row). Neither was ever a version.
 */
async function removeUnfinishedVersions(project: Project): Promise<void> {
  const folder = versionsFolder(project.path);
  const recorded = new Set(listModels(project.db).map((model) => versionFolderName(model.headFile)));
  for (const name of await readdir(folder).catch(() => [] as string[]))
    if (!recorded.has(name)) await rm(join(folder, name), { recursive: true, force: true });
}

function sampleSet(
  photos: LabelledPhoto[],
  entries: Map<number, FeatureEntry>,
  classes: { classId: number }[],
  states: Map<number, Map<number, 'positive' | 'negative'>>,
  inputs: HeadInputs,
): { photos: LabelledPhoto[]; set: SampleSet; truth: (0 | 1 | null)[][] } {
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

/** Logits [N·C] as rows of probabilities, what the metrics take. */
const rows = (flat: Float32Array, C: number) =>
  Array.from({ length: flat.length / C }, (_, i) => Array.from(flat.subarray(i * C, (i + 1) * C), sigmoid));

function meanOver(values: (number | null)[], indices: number[]): number | null {
  const picked = indices.map((i) => values[i]).filter((v): v is number => v !== null && v !== undefined);
  return picked.length ? picked.reduce((a, b) => a + b, 0) / picked.length : null;
}

/**
 * A trained version's probabilities on the photos for the run's classes, and which of them it
 * predicts (the others have no "before"): its stored predictions, computed where missing.
 */
async function trainedScores(
  project: Project,
  models: ModelHost,
  baseline: ModelRecord,
  photos: LabelledPhoto[],
  classIds: number[],
  signal: AbortSignal,
): Promise<{ scores: number[][]; predicts: boolean[] }> {
  const index = classIds.map((classId) => baseline.classIds?.indexOf(classId) ?? -1);
  const stored = predictionScores(
    project.db,
    baseline.id,
    photos.map((p) => p.id),
  );
  const missing = photos.filter((photo) => !stored.has(photo.id));
  if (missing.length > 0) {
    const model = await models.load(modelSource(project, baseline), 'auto');
    for await (const batch of predictPhotos(model, missing, { batchSize: prelabelBatchSize, signal }))
      for (const outcome of batch) if (outcome.ok) stored.set(outcome.id, outcome.probabilities.slice());
  }
  return {
    scores: photos.map((photo) => {
      const scores = stored.get(photo.id);
      return index.map((i) => (i < 0 || !scores ? 0 : scores[i]!));
    }),
    predicts: index.map((i) => i >= 0),
  };
}

export async function trainReport(project: Project, jobId: number): Promise<TrainReport> {
  const { db } = project;
  const job = getJob(db, jobId);
  if (!job || job.kind !== 'train') throw new ApiError('not_found', `no train job ${jobId}`);
  const result = jobResult<TrainResult>(db, jobId);
  const version: ModelVersion | null = result?.modelId ? await versionInfo(project, result.modelId) : null;
  return {
    jobId,
    status: job.status,
    backend: result?.backend ?? null,
    epochs: result?.epochs ?? [],
    featureSeconds: result?.featureSeconds ?? null,
    trainSeconds: result?.trainSeconds ?? null,
    labelsChangedSince: result ? (result.labelsChanged ?? labelChangesSince(db, result.lastEvent)) : 0,
    version,
    comparison: result?.comparison ?? null,
    activated: result?.activated ?? false,
  };
}
