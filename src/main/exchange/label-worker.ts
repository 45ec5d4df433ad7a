// The label worker (worker_threads): reads one label file and sends it back packed. Parsing a large
// file takes seconds of one thread; here that thread is not the one serving the app.
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '$shared/rpc';
import { readLabelFile } from './formats';
import { packFile, type PackedFile } from './packed-file';
import type { ReadOptions } from './records';

export interface LabelWorkerRequest {
  path: string;
  formatId: string;
  options: ReadOptions;
}

export type LabelWorkerMessage =
  { type: 'done'; file: PackedFile } | { type: 'failed'; code: string | null; message: string };

const { path, formatId, options } = workerData as LabelWorkerRequest;
readLabelFile(path, formatId, options).then(
  (file) => {
    const { packed, transfer } = packFile(file);
    parentPort!.postMessage({ type: 'done', file: packed } satisfies LabelWorkerMessage, transfer);
  },
  (error: unknown) =>
    parentPort!.postMessage({
      type: 'failed',
      code: error instanceof ApiError ? error.code : null,
      message: error instanceof Error ? error.message : String(error),
    } satisfies LabelWorkerMessage),
);
