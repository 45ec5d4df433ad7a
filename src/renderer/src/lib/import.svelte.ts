// Folder imports: start one; following it, cancelling it, resuming it and its report are what every
// job has (job.svelte.ts).
import type { ImportReport } from '../../../shared/contract';
import type { Api } from '../../../shared/rpc';
import { JobStore } from './job.svelte';

export interface ImportRequest {
  folder: string;
  /** Optional labels.csv to apply to the imported photos. */
  labelsFile?: string;
}

export class ImportStore extends JobStore<ImportReport> {
  constructor(api: Api) {
    super(api, {
      kind: 'import',
      report: (jobId) => api.getImportReport({ jobId }),
      // Scanning counts files found, not photos imported.
      unmeasuredPhases: ['scanning'],
    });
  }

  start(request: ImportRequest): Promise<boolean> {
    const folder = request.folder.trim();
    const labelsFile = request.labelsFile?.trim() || undefined;
    if (!folder) {
      this.error = 'Enter the folder to import.';
      return Promise.resolve(false);
    }
    return this.launch(() => this.api.startImport(labelsFile ? { folder, labelsFile } : { folder }));
  }
}
