// Model operations: the active version and its pre-labels and class maps, the versions, and
// switching to one.
import { ApiError } from '$shared/rpc';
import { getModel } from '../db/models';
import { classMapsOf, ensureDefaultModel, modelInfo } from '../inference/model-info';
import { prelabelReport, type PrelabelConfig } from '../inference/prelabel-job';
import { listVersions, modelSource, versionProblem } from '../models/versions';
import type { StudioSession } from '../session';
import type { Implementation } from './implementation';

export const modelOperations = (session: StudioSession) =>
  ({
    getModel: async () => modelInfo(session.requireOpen().project, session.models.lastProvider),
    startPrelabel: async ({ provider, again }) => {
      const open = session.requireOpen();
      const model = await ensureDefaultModel(open.project);
      // Loaded before the job starts, so a missing or broken model, or a provider that cannot run,
      // fails the request itself with the reason.
      await session.models.load(modelSource(open.project, model), provider);
      return open.jobs.start('prelabel', { modelId: model.id, provider, again } satisfies PrelabelConfig);
    },
    getPrelabelReport: async ({ jobId }) => prelabelReport(session.requireOpen().project, jobId),
    getClassMaps: async ({ imageId }) => classMapsOf(session.requireOpen().project, imageId),
    listModels: async () => {
      const { project } = session.requireOpen();
      await ensureDefaultModel(project);
      return listVersions(project);
    },
    activateModel: async ({ modelId }) => {
      const { project } = session.requireOpen();
      const record = getModel(project.db, modelId);
      if (!record) throw new ApiError('not_found', `no model version ${modelId} in this project`);
      const problem = await versionProblem(project, record);
      if (problem) throw new ApiError('conflict', `version ${record.name} cannot be activated: ${problem}`);
      // Loaded first: a version that cannot run here never becomes the active one.
      await session.models.load(modelSource(project, record), 'auto');
      return session.switchTo(project, modelId);
    },
  }) satisfies Partial<Implementation>;
