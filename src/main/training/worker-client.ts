// Starts the training worker, once to choose the engine and once to train, and turns its messages
// into promises.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-thread';
import type { EngineChoice, EngineKind, EngineTiming } from './head/choose';
import type { HeadShape } from './head/engine';
import type { EpochRecord, TrainInput, TrainOutput } from './train-loop';
import type { WorkerMessage, WorkerRequest } from './train-worker';

export interface TrainerEvents {
  onEpoch(record: EpochRecord): void;
  onWinner(trial: string): void;
}

/**
 * Times the engines at the head's shape in a worker of its own (that is its whole life, so the
 * memory tfjs-wasm grew goes with it) and says which trains. Null when the signal was aborted.
 */
export function chooseEngineInWorker(
  choice: EngineChoice,
  shape: HeadShape,
  batchSize: number,
  signal: AbortSignal,
): Promise<{ kind: EngineKind; backend: string; timings: EngineTiming[] } | null> {
  if (choice !== 'auto') return Promise.resolve({ kind: choice, backend: choice, timings: [] });
  return inWorker({ task: 'choose', engine: choice, shape, batchSize }, [], signal, (message, settle) => {
    if (message.type === 'engine') settle(message);
  });
}

/**
 * Trains in a worker. Aborting the signal terminates the worker at once: it holds the only copy of
 * what it computes, so nothing is left half-written.
 */
export function trainInWorker(
  request: TrainInput & { engine: EngineKind },
  events: TrainerEvents,
  signal: AbortSignal,
): Promise<TrainOutput | null> {
  // The features move to the worker rather than being copied: hundreds of MB for a few thousand photos.
  const transferList = [request.train, request.val].flatMap((set) => [
    set.features.buffer as ArrayBuffer,
    ...(set.maps ? [set.maps.data.buffer as ArrayBuffer] : []),
  ]);
  return inWorker<TrainOutput>({ ...request, task: 'train' }, transferList, signal, (message, settle) => {
    if (message.type === 'epoch') events.onEpoch(message.record);
    else if (message.type === 'winner') events.onWinner(message.trial);
    else if (message.type === 'done') settle(message.output);
  });
}

/**
 * Runs the request in a worker until `handle` settles it, then terminates the worker. Null when the
 * signal was aborted first (before the start: no worker at all); rejected when the worker failed or
 * stopped.
 */
function inWorker<T>(
  request: WorkerRequest,
  transferList: ArrayBuffer[],
  signal: AbortSignal,
  handle: (message: WorkerMessage, settle: (value: T) => void) => void,
): Promise<T | null> {
  if (signal.aborted) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const worker: Worker = startWorker('train-worker', 'training/train-worker.ts', import.meta.url, {
      workerData: request,
      transferList,
    });
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
      if (message.type === 'failed') finish(() => reject(new Error(`training failed: ${message.message}`)));
      else handle(message, (value) => finish(() => resolve(value)));
    });
    worker.on('error', (error) => finish(() => reject(new Error(`training failed: ${error.message}`))));
    worker.on('exit', (code) =>
      finish(() => reject(new Error(`the training worker stopped (exit code ${code}) before it finished`))),
    );
  });
}
