// How calls travel, on every transport: the operation names, the envelope main answers with, the
// typed errors, and the client built on any transport. Free of zod, so the renderer and the preload
// carry only this; the schemas in contract.ts stay in main, where requests are validated.
import type { JobInfo, OpInput, OpName, OpOutput, ProjectInfo } from './contract';

export const opNames = [
  'createProject',
  'openProject',
  'saveProjectAs',
  'closeProject',
  'getProject',
  'listClasses',
  'createClass',
  'addClasses',
  'updateClass',
  'reorderClasses',
  'mergeClasses',
  'listImages',
  'listImageIds',
  'getImage',
  'setLabels',
  'acceptPredictions',
  'rejectUnlabelled',
  'confirmPhotos',
  'previewConfirm',
  'undo',
  'redo',
  'startImport',
  'listJobs',
  'cancelJob',
  'resumeJob',
  'getImportReport',
  'getModel',
  'startPrelabel',
  'getPrelabelReport',
  'getClassMaps',
  'evaluate',
  'setSplit',
  'assignSplits',
  'getTrainPreflight',
  'startTrain',
  'getTrainReport',
  'listModels',
  'activateModel',
  'tuneThresholds',
  'useThresholds',
  'listReviewQueue',
  'reviewCounts',
  'listFormats',
  'previewExport',
  'exportLabels',
  'exportText',
  'listFolder',
  'listRecentProjects',
  'forgetRecentProject',
] as const satisfies readonly OpName[];

// Fails to compile when an operation of the contract is missing from the list above.
const everyOperationListed: Exclude<OpName, (typeof opNames)[number]> extends never ? true : never = true;
void everyOperationListed;

/** Pushed from main to every connected client while jobs run. */
export type ApiEvent =
  | { type: 'job'; job: JobInfo }
  | { type: 'project'; project: ProjectInfo | null }
  /** Labels of these photos changed (by any client): views showing them reload them. */
  | { type: 'labels'; imageIds: number[] }
  /** These photos' files changed on disk since import, or were put back: views showing them reload them. */
  | { type: 'photos'; imageIds: number[] }
  /** The class list changed. */
  | { type: 'classes' }
  /** A model version was made or activated. */
  | { type: 'models' }
  /** Photos moved between splits. */
  | { type: 'splits' };

export type ErrorCode =
  | 'invalid_request'
  | 'unknown_operation'
  | 'no_project'
  | 'not_found'
  | 'conflict'
  | 'bad_input'
  | 'io_error'
  | 'corrupt_database'
  | 'internal';

export interface ApiFailure {
  code: ErrorCode;
  message: string;
}

/** What every transport carries back for one call: never a thrown error. */
export type Envelope<T = unknown> = { ok: true; result: T } | { ok: false; error: ApiFailure };

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The typed client every caller programs against, whatever carries the calls. */
export type Api = { [K in OpName]: (input: OpInput<K>) => Promise<OpOutput<K>> } & {
  onEvent(listener: (event: ApiEvent) => void): () => void;
};

/** A transport's two primitives: one call returning an envelope, and an event subscription. */
export interface Transport {
  call(op: OpName, input: unknown): Promise<Envelope>;
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

export function createClient(transport: Transport): Api {
  const client = {
    onEvent: (listener: (event: ApiEvent) => void) => transport.subscribe(listener),
  } as Record<string, unknown>;
  for (const name of opNames) {
    client[name] = async (input: unknown) => {
      const envelope = await transport.call(name, input);
      if (!envelope.ok) throw new ApiError(envelope.error.code, envelope.error.message);
      return envelope.result;
    };
  }
  return client as Api;
}
