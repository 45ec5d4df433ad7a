// The first phase of a train run, and what every later phase shares: the run's context and the
// job result it keeps up to date (the train report reads it, during the run and after).
import type { TrainPreflight, TrainReport } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import { setJobResult } from '../../db/jobs';
import type { ModelRecord } from '../../db/models';
import { labelledPhotos, type LabelledPhoto } from '../../db/splits';
import { labelSnapshot, type LabelSnapshot } from '../../db/training';
import type { ModelHost } from '../../inference/model-host';
import { ensureDefaultModel } from '../../inference/model-info';
import type { JobContext } from '../../jobs';
import type { Project } from '../../project';
import type { EngineTiming } from '../head/choose';
import { isTrainable, trainPreflight } from '../preflight';
import { assignSplits } from '../splits';
import type { EpochRecord } from '../train-loop';
import { trainSettings, type TrainConfig } from '../train-settings';

/** The train job's stored result. */
export interface TrainResult {
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
  /** The rule chose the version: a switch to it was queued with it. */
  activated: boolean;
}

/** A run under way: what it was asked, what it read when it started, and its result so far. */
export interface TrainRun {
  project: Project;
  models: ModelHost;
  config: TrainConfig;
  context: JobContext;
  preflight: TrainPreflight;
  /** The labels as they were when the run read them. */
  snapshot: LabelSnapshot;
  /** What the new version must beat: the active version (the default pack when none was made yet). */
  baseline: ModelRecord;
  /** The labelled train and val photos. */
  photos: LabelledPhoto[];
  /** The classes the run learns or reads zero-shot, and their names. */
  classes: TrainPreflight['classes'];
  names: string[];
  result: TrainResult;
  /** Stores the result as it stands. */
  save: () => void;
}

/**
 * Gives new labelled photos their split, refuses a run the preflight blocks, reads the labels and
 * stores the empty result.
 */
export async function beginRun(
  project: Project,
  models: ModelHost,
  config: TrainConfig,
  context: JobContext,
): Promise<TrainRun> {
  const { db } = project;
  context.progress('assigning splits', 0, 0);
  assignSplits(db, { ...trainSettings.splits, seed: config.seed, reassign: false });
  const preflight = trainPreflight(project, config.seed);
  if (preflight.blockers.length > 0)
    throw new ApiError('conflict', `cannot train: ${preflight.blockers.join('; ')}`);

  const snapshot = labelSnapshot(db);
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
  const save = () => setJobResult(db, context.jobId, result);
  save();
  const names = classes.map((entry) => entry.name);
  return {
    project,
    models,
    config,
    context,
    preflight,
    snapshot,
    baseline,
    photos,
    classes,
    names,
    result,
    save,
  };
}
