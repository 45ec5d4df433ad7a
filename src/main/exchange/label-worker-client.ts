// Reads a label file in the label worker (label-worker.ts), so that parsing a large or hostile file
// never stalls the thread serving the app, and a file that exhausts the worker's memory ends the
// worker, not the app.
import { ApiError, type ErrorCode } from '$shared/rpc';
import { startWorker } from '../worker-thread';
import type { LabelWorkerMessage, LabelWorkerRequest } from './label-worker';
import { unpackFile } from './packed-file';
import type { ExchangeFile, ReadOptions } from './records';

/** readLabelFile (formats.ts), in a worker thread: the same file back, or the same refusal. */
export function readLabelFileInWorker(
  path: string,
  formatId = 'auto',
  options: ReadOptions = { difficult: 'unknown' },
): Promise<ExchangeFile> {
  const request: LabelWorkerRequest = { path, formatId, options };
  return new Promise((resolve, reject) => {
    const worker = startWorker('label-worker', 'exchange/label-worker.ts', import.meta.url, {
      workerData: request,
    });
    let settled = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      action();
      void worker.terminate();
    };
    worker.on('message', (message: LabelWorkerMessage) => {
      if (message.type === 'done') finish(() => resolve(unpackFile(message.file)));
      else
        finish(() =>
          reject(
            message.code
              ? new ApiError(message.code as ErrorCode, message.message)
              : new Error(message.message),
          ),
        );
    });
    worker.on('error', (error: Error & { code?: string }) =>
      finish(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new ApiError('bad_input', `labels file ${path}: reading it takes more memory than the app has`)
            : error,
        ),
      ),
    );
    worker.on('exit', (code) =>
      finish(() => reject(new Error(`the label worker stopped (exit code ${code}) before it read ${path}`))),
    );
  });
}
