// The training worker (worker_threads). A run starts it to choose the engine, when that is left to
// timing: it times each engine at the head's shape, posts the choice and ends, and the
// WebAssembly memory tfjs-wasm grew for its steps (~250 MB at the VOC shape, never given back
// while the memory lives) goes with it. Then the run starts it again to train: it receives the
// run's data, trains on the chosen engine, and posts each epoch and the result. It writes nothing
// anywhere, so stopping it at any instant (cancel, a crash) leaves nothing half-done.
import { parentPort, workerData } from 'node:worker_threads';
import {
  chooseEngine,
  createEngine,
  type EngineChoice,
  type EngineKind,
  type EngineTiming,
} from './head/choose';
import type { HeadShape } from './head/engine';
import { optimiser, trainHead, type EpochRecord, type TrainInput, type TrainOutput } from './train-loop';

export type WorkerRequest =
  | { task: 'choose'; engine: EngineChoice; shape: HeadShape; batchSize: number }
  | (TrainInput & { task: 'train'; engine: EngineKind });

export type WorkerMessage =
  | {
      type: 'engine';
      kind: EngineKind;
      backend: string;
      timings: EngineTiming[];
    }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'winner'; trial: string }
  | { type: 'done'; output: TrainOutput }
  | { type: 'failed'; message: string };

const post = (message: WorkerMessage) => parentPort!.postMessage(message);

async function main(request: WorkerRequest): Promise<void> {
  if (request.task === 'choose') {
    const { kind, timings } = await chooseEngine(request.engine, request.shape, request.batchSize, optimiser);
    const best = timings.find((t) => t.kind === kind);
    post({ type: 'engine', kind, backend: best?.backend ?? kind, timings });
    return;
  }
  const kind = request.engine;
  const output = await trainHead(request, (shape, init) => createEngine(kind, { shape, init, optimiser }), {
    onEpoch: (record) => post({ type: 'epoch', record }),
    onWinner: (trial) => post({ type: 'winner', trial }),
  });
  post({ type: 'done', output });
}

main(workerData as WorkerRequest).catch((error: unknown) =>
  post({ type: 'failed', message: (error as Error).message ?? String(error) }),
);
