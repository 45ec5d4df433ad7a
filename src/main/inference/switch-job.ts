// The version switch job: makes a version the active one without taking the active one out of
// service first. The next version predicts every photo, its probability index and review tallies
// are built beside the active version's a chunk at a time, and only then does one transaction make
// it active; the rows of the version it replaced are dropped after. Until that transaction the
// grid, the counters and the queues show the active version's values; a kill anywhere leaves one
// active version with counters true to its rows, and the resumed job carries on from its cursor.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ApiError } from '$shared/rpc';
import type { ScoredClass } from '../db/class-scores';
import { listClasses } from '../db/classes';
import { countImages } from '../db/images';
import { jobItems, jobResult, setJobResult } from '../db/jobs';
import { getModel, type ModelRecord } from '../db/models';
import { countPredictions, imagesToPredict } from '../db/predictions';
import { writeTransaction } from '../db/transaction';
import {
  abandonedScores,
  dropUnusedScores,
  indexNextPhotos,
  switchActiveVersion,
  type RetiredScores,
} from '../db/version-switch';
import type { JobContext } from '../jobs';
import type { Project } from '../project';
import { modelSource } from '../models/versions';
import type { LoadedModel, ModelHost } from './model-host';
import { projectClassMapping } from './output-mapping';
import { storePredictions, type PredictionTally } from './prelabel-job';

export interface SwitchConfig {
  modelId: number;
}

interface SwitchResult extends PredictionTally {
  model: string;
  provider: string;
  /**
   * The classes indexed, fixed at the start so that every chunk indexes the same (a class named
   * meanwhile is indexed after the switch).
   */
  mapping: ScoredClass[];
  /** The last photo id indexed. */
  indexed: number;
  /** Index rows no version uses, dropped last: the replaced version's, any a cancelled switch left. */
  unused: RetiredScores[];
  switched: boolean;
}

/**
 * A chunk's transaction aims at this long: the main thread runs the other requests between two, so
 * it bounds what a request waits behind the switch.
 */
const chunkMs = 25;

export async function runSwitch(
  project: Project,
  models: ModelHost,
  config: SwitchConfig,
  context: JobContext,
  switched: () => void,
): Promise<void> {
  const { db } = project;
  const { jobId, signal } = context;
  const record = getModel(db, config.modelId);
  if (!record) throw new ApiError('not_found', `no model version ${config.modelId} in this project`);
  const result =
    jobResult<SwitchResult>(db, jobId) ??
    writeTransaction(db, () => {
      const fresh: SwitchResult = {
        model: record.pack,
        provider: '',
        predicted: 0,
        seconds: 0,
        mapping: projectClassMapping(listClasses(db), record),
        indexed: 0,
        unused: abandonedScores(db, record.id),
        switched: record.active,
      };
      setJobResult(db, jobId, fresh);
      return fresh;
    });
  const save = () => setJobResult(db, jobId, result);
  if (!result.switched || record.active) {
    context.progress('loading model', 0, 0);
    const model = await models.load(modelSource(project, record), 'auto');
    result.provider = model.provider;
    // Asked for the active version: its photos not yet predicted are, and that is all.
    if (record.active) await predictMissing(project, record, model, result, context);
    while (!signal.aborted && !result.switched) {
      await predictMissing(project, record, model, result, context);
      if (signal.aborted) return;
      await indexPredictions(project, record, result, context);
      if (signal.aborted) return;
      // The last check and the switch are one transaction: a photo predicted in between would miss it.
      writeTransaction(db, () => {
        if (unpredicted(project, record, jobId).length > 0) return;
        const late = indexNextPhotos(db, record.id, result.mapping, result.indexed, 1);
        if (late !== null) {
          result.indexed = late.last;
          return save();
        }
        const current = new Set(
          projectClassMapping(listClasses(db), record).map((entry) => `${entry.classId}:${entry.modelIndex}`),
        );
        const live = result.mapping.filter((entry) => current.has(`${entry.classId}:${entry.modelIndex}`));
        result.unused.push(...switchActiveVersion(db, record.id, live));
        result.switched = true;
        save();
      });
      if (result.switched) switched();
    }
  }
  if (signal.aborted) return;
  await inChunks(signal, 1_000, (rows) =>
    writeTransaction(db, () => {
      result.unused = dropUnusedScores(db, result.unused, rows);
      save();
      context.progress('tidying up', 0, 0);
      return result.unused.length > 0;
    }),
  );
}

/** Photos the version has not predicted, less those this job could not read. */
function unpredicted(project: Project, record: ModelRecord, jobId: number) {
  // Counted first: the list is a walk over every photo, too long for a turn of the main thread.
  if (countPredictions(project.db, record.id) === countImages(project.db)) return [];
  const skipped = new Set(jobItems(project.db, jobId, 'skipped').map(({ item }) => item));
  return imagesToPredict(project.db, record.id).filter((photo) => !skipped.has(photo.path));
}

async function predictMissing(
  project: Project,
  record: ModelRecord,
  model: LoadedModel,
  result: SwitchResult,
  context: JobContext,
): Promise<void> {
  const { db } = project;
  const todo = unpredicted(project, record, context.jobId);
  if (todo.length === 0) return;
  const total = countImages(db);
  let done = total - todo.length;
  const stored = (photos: number) => {
    done += photos;
    setJobResult(db, context.jobId, result);
    context.progress('predicting', done, total);
  };
  await storePredictions(project, record, model, todo, context, stored, result);
}

/** Indexes the version's predictions after the cursor, a chunk of photos a transaction. */
async function indexPredictions(
  project: Project,
  record: ModelRecord,
  result: SwitchResult,
  context: JobContext,
): Promise<void> {
  const { db } = project;
  const total = countImages(db);
  let done = db
    .prepare('SELECT count(*) FROM predictions WHERE model_id = ? AND image_id <= ?')
    .pluck()
    .get(record.id, result.indexed) as number;
  await inChunks(context.signal, 16, (photos) =>
    writeTransaction(db, () => {
      const chunk = indexNextPhotos(db, record.id, result.mapping, result.indexed, photos);
      if (chunk === null) return false;
      done += chunk.photos;
      result.indexed = chunk.last;
      setJobResult(db, context.jobId, result);
      context.progress('indexing', done, total);
      return true;
    }),
  );
}

/**
 * Runs `step` (one transaction, given a chunk's size; says whether anything is left) until nothing
 * is left or the job stops, each chunk sized from the last to take about chunkMs, with the event
 * loop's turn between two: a request waits behind one chunk at most.
 */
async function inChunks(signal: AbortSignal, first: number, step: (size: number) => boolean): Promise<void> {
  let size = first;
  while (!signal.aborted) {
    const started = performance.now();
    if (!step(size)) return;
    const ms = performance.now() - started;
    size = Math.max(1, Math.round(size * Math.min(4, chunkMs / Math.max(ms, 0.5))));
    await nextTurn();
  }
}
