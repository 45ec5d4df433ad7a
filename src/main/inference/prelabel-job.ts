// The pre-label job: predicts the project's unpredicted photos in batches, resumably, and reports.
import type { PrelabelReport, ProviderChoice } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import { listClasses } from '../db/classes';
import { countImages } from '../db/images';
import { getJob, jobItems, jobResult, recordJobItem, setJobResult } from '../db/jobs';
import { getModel, type ModelRecord } from '../db/models';
import { imagesToPredict, insertPredictions } from '../db/predictions';
import type { JobContext } from '../jobs';
import type { Project } from '../project';
import { projectClassMapping } from './output-mapping';
import type { LoadedModel, ModelHost } from './model-host';
import { predictPhotos } from './predictor';
import { labelledHashes } from '../db/training';
import { writeTransaction } from '../db/transaction';
import { cacheKeeper, FeatureCache, featureEntry } from '../training/feature-cache';
import { backboneOf } from '../models/manifest';
import { modelSource } from '../models/versions';

export interface PrelabelConfig {
  modelId: number;
  provider: ProviderChoice;
  /** Predicts every photo again, those the version predicted before the job began included. */
  again?: boolean;
}

/** Besides its tally: the version and the provider that ran it. */
interface PrelabelResult extends PredictionTally {
  model: string;
  provider: string;
}

// Four photos per run keeps onnxruntime's kernels busy on a laptop CPU without holding much memory.
export const prelabelBatchSize = 4;

/**
 * Predicts every photo of the project the model has not predicted yet. Each batch is stored in
 * one transaction with the job's progress, so a crash loses at most the batch in flight and a
 * resumed job carries on from there.
 */
export async function runPrelabel(
  project: Project,
  models: ModelHost,
  config: PrelabelConfig,
  context: JobContext,
): Promise<void> {
  const { db } = project;
  const record = getModel(db, config.modelId);
  if (!record) throw new ApiError('not_found', `no model version ${config.modelId} in this project`);
  context.progress('loading model', 0, 0);
  const model = await models.load(modelSource(project, record), config.provider);
  const previous = jobResult<PrelabelResult>(db, context.jobId);
  const result: PrelabelResult = {
    model: record.pack,
    provider: model.provider,
    predicted: previous?.predicted ?? 0,
    seconds: previous?.seconds ?? 0,
  };
  // A run again redoes what was predicted before it began, so a resumed one carries on where it stopped.
  const todo = imagesToPredict(db, record.id, config.again ? getJob(db, context.jobId)!.createdAt : '');
  const total = countImages(db);
  let done = total - todo.length;
  writeTransaction(db, () => {
    setJobResult(db, context.jobId, result);
    context.progress('predicting', done, total);
  });
  await storePredictions(
    project,
    record,
    model,
    todo,
    context,
    (photos) => {
      setJobResult(db, context.jobId, result);
      done += photos;
      context.progress('predicting', done, total);
    },
    result,
  );
}

/** What a job that predicts photos counts of its runs, for its photos/s. */
export interface PredictionTally {
  predicted: number;
  seconds: number;
}

/**
 * Predicts `photos` with the loaded version `record` and stores each batch in one transaction,
 * with the photos it could not read recorded as the job's skipped items, `tally` counted, and
 * `stored` called with the batch's photo count (to record the job's progress in that transaction).
 * Labelled photos' features go to the feature cache on the way, so training needs no second
 * inference. Returns when every photo is stored or the job is stopped.
 */
export async function storePredictions(
  project: Project,
  record: ModelRecord,
  model: LoadedModel,
  photos: readonly { id: number; path: string; sha256: string }[],
  context: JobContext,
  stored: (photos: number) => void,
  tally: PredictionTally,
): Promise<void> {
  const { db } = project;
  const { jobId, signal } = context;
  const labelled = labelledHashes(db);
  const cache = model.cacheOutputs && FeatureCache.forProject(project.path, backboneOf(model.manifest));
  // Pre-labeling goes on when the cache cannot keep an entry; training computes what is missing.
  const keep =
    cache &&
    cacheKeeper(
      cache,
      (sha) => labelled.has(sha),
      (problem) => writeTransaction(db, () => recordJobItem(db, jobId, cache.folder, 'skipped', problem)),
    );
  // Read for each batch: a class named while the run goes on is measured from the next batch on, as
  // the rows already written are measured again by the class change itself.
  const mapping = () => projectClassMapping(listClasses(db), record);
  const hashes = new Map(photos.map((photo) => [photo.id, photo.sha256]));
  let started = performance.now();
  // Batches as large as the provider wants; the workers encode the class maps.
  for await (const batch of predictPhotos(model, photos, {
    signal,
    features: keep !== undefined,
    maps: true,
  })) {
    if (keep)
      for (const outcome of batch) {
        const sha = hashes.get(outcome.id)!;
        if (outcome.ok && labelled.has(sha))
          await keep(sha, featureEntry(outcome.features!, model.cacheOutputs!));
      }
    const predictions = batch.flatMap((outcome) =>
      outcome.ok
        ? [
            {
              imageId: outcome.id,
              scores: outcome.probabilities.slice(),
              maps: outcome.maps!,
            },
          ]
        : [],
    );
    const at = performance.now();
    tally.predicted += predictions.length;
    tally.seconds += (at - started) / 1000;
    started = at;
    writeTransaction(db, () => {
      insertPredictions(db, record.id, predictions, mapping());
      for (const outcome of batch) {
        if (!outcome.ok) recordJobItem(db, jobId, outcome.path, 'skipped', outcome.reason);
      }
      stored(batch.length);
    });
    if (signal.aborted) return;
  }
}

export function prelabelReport(project: Project, jobId: number): PrelabelReport {
  const { db } = project;
  const job = getJob(db, jobId);
  if (!job || job.kind !== 'prelabel') throw new ApiError('not_found', `no pre-label job ${jobId}`);
  const result = jobResult<PrelabelResult>(db, jobId);
  return {
    jobId,
    status: job.status,
    model: result?.model ?? '',
    provider: result?.provider ?? null,
    predicted: result?.predicted ?? 0,
    photosPerSecond: result && result.seconds > 0 ? result.predicted / result.seconds : null,
    skipped: jobItems(db, jobId, 'skipped').map(({ item, detail }) => ({ path: item, reason: detail })),
  };
}
