// Job operations: starting an import, and listing, cancelling and resuming the project's jobs.
import { listJobs } from '../db/jobs';
import { importReport, prepareImport } from '../library/import-job';
import type { StudioSession } from '../session';
import type { Implementation } from './implementation';

export const jobOperations = (session: StudioSession) =>
  ({
    startImport: async (input) => {
      const { project, jobs } = session.requireOpen();
      const { folder, labelsFile, labelsFormat, vocDifficult } = input;
      const request = {
        folder: session.typed(folder),
        ...(labelsFile ? { labelsFile: session.typed(labelsFile), labelsFormat, vocDifficult } : {}),
      };
      return jobs.start('import', await prepareImport(project.db, request));
    },
    listJobs: async () => listJobs(session.requireOpen().project.db),
    cancelJob: async ({ jobId }) => session.requireOpen().jobs.cancel(jobId),
    resumeJob: async ({ jobId }) => session.requireOpen().jobs.resume(jobId),
    getImportReport: async ({ jobId }) => importReport(session.requireOpen().project, jobId),
  }) satisfies Partial<Implementation>;
