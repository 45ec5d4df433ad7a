// The training worker (worker_threads): receives the run's data, chooses the engine, trains, and
// posts each epoch and the result. It writes nothing anywhere, so stopping it at any instant
// (cancel, a crash) leaves nothing half-done.
import { parentPort, workerData } from 'node:worker_threads';
import { chooseEngine, createEngine, type EngineChoice, type EngineTiming } from './head/choose';
import { optimiser, trainHead, type EpochRecord, type TrainInput, type TrainOutput } from './train-loop';

export type WorkerRequest = TrainInput & { engine: EngineChoice };

export type WorkerMessage =
  | {
      type: 'engine';
      backend: string;
      timings: EngineTiming[];
    }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'winner'; trial: string }
  | { type: 'done'; output: TrainOutput }
  | { type: 'failed'; message: string };

const post = (message: WorkerMessage) => parentPort!.postMessage(message);

async function main(request: WorkerRequest): Promise<void> {
  const { dim, locations, classes, batchSize, candidates } = request;
  const { kind, timings } = await chooseEngine(
    request.engine,
    { classes, dim, locations, temperatures: [1, 99], lambda: candidates[0]!.lambda },
    batchSize,
    optimiser,
  );
  const best = timings.find((t) => t.kind === kind);
  post({ type: 'engine', backend: best?.backend ?? kind, timings });
  const output = await trainHead(request, (shape, init) => createEngine(kind, { shape, init, optimiser }), {
    onEpoch: (record) => post({ type: 'epoch', record }),
    onWinner: (trial) => post({ type: 'winner', trial }),
  });
  post({ type: 'done', output });
}

main(workerData as WorkerRequest).catch((error: unknown) =>
  post({ type: 'failed', message: (error as Error).message ?? String(error) }),
);
