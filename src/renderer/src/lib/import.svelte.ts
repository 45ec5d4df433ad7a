// Folder imports: start one; following it, cancelling it, resuming it and its report are what every
// job has (job.svelte.ts).
import type { ImportReport, VocDifficult } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { JobStore } from './job.svelte';

export interface ImportRequest {
  folder: string;
  /** Optional label file (or VOC folder) to apply to the imported photos. */
  labelsFile?: string;
  /** Its format's id; absent or 'auto': told by its content. */
  labelsFormat?: string;
  /** What a VOC class with only difficult objects is; unknown when absent. */
  vocDifficult?: VocDifficult;
}

export class ImportStore extends JobStore<ImportReport> {
  constructor(api: Api) {
    super(api, {
      kind: 'import',
      report: (jobId) => api.getImportReport({ jobId }),
      // Scanning counts files found, not photos imported; the labels are written in one step.
      unmeasuredPhases: ['scanning', 'labels'],
    });
  }

  start(request: ImportRequest): Promise<boolean> {
    const folder = request.folder.trim();
    const labelsFile = request.labelsFile?.trim() || undefined;
    if (!folder) {
      this.error = 'Enter the folder to import.';
      return Promise.resolve(false);
    }
    const labels = labelsFile
      ? { labelsFile, labelsFormat: request.labelsFormat ?? 'auto', vocDifficult: request.vocDifficult }
      : {};
    return this.launch(() => this.api.startImport({ folder, ...labels }));
  }
}
