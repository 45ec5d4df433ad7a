// Starts the training worker and turns its messages into a promise.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-thread';
import type { EngineTiming } from './head/choose';
import type { EpochRecord, TrainOutput } from './train-loop';
import type { WorkerMessage, WorkerRequest } from './train-worker';

function startTrainer(request: WorkerRequest): Worker {
  // The features move to the worker rather than being copied: hundreds of MB for a few thousand photos.
  const transferList = [request.train, request.val].flatMap((set) => [
    set.features.buffer as ArrayBuffer,
    ...(set.maps ? [set.maps.data.buffer as ArrayBuffer] : []),
  ]);
  return startWorker('train-worker', 'training/train-worker.ts', import.meta.url, {
    workerData: request,
    transferList,
  });
}

export interface TrainerEvents {
  onEngine(backend: string, timings: EngineTiming[]): void;
  onEpoch(record: EpochRecord): void;
  onWinner(trial: string): void;
}

/**
 * Trains in a worker thread. Aborting the signal terminates the worker at once: it holds the only
 * copy of what it computes, so nothing is left half-written.
 */
export function trainInWorker(
  request: WorkerRequest,
  events: TrainerEvents,
  signal: AbortSignal,
): Promise<TrainOutput | null> {
  // Cancelled before it started: no worker at all.
  if (signal.aborted) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const worker = startTrainer(request);
    let settled = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', abort);
      action();
      void worker.terminate();
    };
    const abort = () => finish(() => resolve(null));
    signal.addEventListener('abort', abort);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'engine') events.onEngine(message.backend, message.timings);
      else if (message.type === 'epoch') events.onEpoch(message.record);
      else if (message.type === 'winner') events.onWinner(message.trial);
      else if (message.type === 'done') finish(() => resolve(message.output));
      else finish(() => reject(new Error(`training failed: ${message.message}`)));
    });
    worker.on('error', (error) => finish(() => reject(new Error(`training failed: ${error.message}`))));
    worker.on('exit', (code) =>
      finish(() => reject(new Error(`the training worker stopped (exit code ${code}) before it finished`))),
    );
  });
}
