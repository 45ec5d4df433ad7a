// The train job: one action from labels to a better pre-labeling model. It assigns splits to new
// labelled photos, reads the labels as they are at that instant, times the step engines, computes
// the features the cache lacks with the default pack, trains the CSRA head in a worker on the
// fastest engine, blends it with the zero-shot readout at the weight val prefers, compares the
// result with the active version on the same val photos, writes the version (immutable files
// beside the project) and activates it when asked.
// The active version is touched only by that last step, in one transaction with the new row.
// Each step is a phase of its own under train-phases/; the constants they use are trainSettings.
import type { ModelVersion, TrainReport } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import { getJob, jobResult } from '../db/jobs';
import { labelChangesSince } from '../db/training';
import type { ModelHost } from '../inference/model-host';
import type { JobContext } from '../jobs';
import { versionInfo } from '../models/versions';
import type { Project } from '../project';
import { chooseBlend } from './train-phases/blend';
import { compareWithActive } from './train-phases/compare';
import { readTrainingData } from './train-phases/features';
import { beginRun, type TrainResult } from './train-phases/run';
import { chooseTrainingEngine, searchAndTrain } from './train-phases/search';
import { recordVersion, removeUnfinishedVersions, writeVersionFiles } from './train-phases/version';
import type { TrainConfig } from './train-settings';

/** Each phase stores what it learned in the job result; a cancelled run stops between them. */
export async function runTrain(
  project: Project,
  models: ModelHost,
  config: TrainConfig,
  context: JobContext,
): Promise<void> {
  // A run cut off earlier starts clean: the features it cached are all it keeps.
  await removeUnfinishedVersions(project);
  const run = await beginRun(project, models, config, context);
  const engine = await chooseTrainingEngine(run);
  if (!engine) return;
  const data = await readTrainingData(run);
  if (!data) return;
  const output = await searchAndTrain(run, data, engine);
  if (!output) return;
  const blend = chooseBlend(run, data, output);
  const comparison = await compareWithActive(run, data, blend);
  if (context.signal.aborted) return;
  const version = await writeVersionFiles(run, data, output, blend);
  if (!version) return;
  await recordVersion(run, data, version, comparison);
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
