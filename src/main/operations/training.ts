// Training operations: the splits, the preflight, starting a train run and its report, and
// evaluating a version on the project's labels.
import { ApiError } from '$shared/rpc';
import { setSplit } from '../db/splits';
import { requireImages, type StudioSession } from '../session';
import { evaluateProject } from '../training/evaluate';
import { trainPreflight } from '../training/preflight';
import { assignSplitsReport } from '../training/splits';
import { trainReport } from '../training/train-job';
import { trainSettings, type TrainConfig } from '../training/train-settings';
import type { Implementation } from './implementation';

export const trainingOperations = (session: StudioSession) =>
  ({
    evaluate: async ({ split, modelId, comparedWith }) =>
      evaluateProject(session.requireOpen().project, split, modelId, comparedWith),
    setSplit: async ({ imageIds, split }) => {
      const { db } = session.requireOpen().project;
      requireImages(db, imageIds);
      const changed = setSplit(db, imageIds, split);
      if (changed > 0) session.publish({ type: 'splits' });
      return { changed };
    },
    assignSplits: async (input) => {
      const { counts, changed } = assignSplitsReport(session.requireOpen().project.db, input);
      if (changed > 0) session.publish({ type: 'splits' });
      return counts;
    },
    getTrainPreflight: async () => trainPreflight(session.requireOpen().project, trainSettings.defaults.seed),
    startTrain: async ({ activate }) => {
      const open = session.requireOpen();
      // Too few labels: no run starts, and the request says why.
      const { blockers } = trainPreflight(open.project, trainSettings.defaults.seed);
      if (blockers.length > 0) throw new ApiError('conflict', `cannot train: ${blockers.join('; ')}`);
      return open.jobs.start('train', { ...trainSettings.defaults, activate } satisfies TrainConfig);
    },
    getTrainReport: async ({ jobId }) => trainReport(session.requireOpen().project, jobId),
  }) satisfies Partial<Implementation>;
