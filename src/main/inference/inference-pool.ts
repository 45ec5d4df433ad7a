// The inference workers of one model on one execution provider (inference-worker.ts holds a
// session each). A batch goes to the worker with the fewest batches in hand, so every worker has
// the next batch to decode while it runs the current one. A worker that dies is replaced and its
// batches are sent again, once; a batch that fails the same way twice is reported. Idle workers do
// not keep the process alive.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { ProviderChoice } from '$shared/contract';
import { ApiError, type ErrorCode } from '$shared/rpc';
import type { PackManifest } from '../models/manifest';
import { startWorker } from '../worker-thread';
import type {
  BatchWants,
  DecodedPhoto,
  FromWorker,
  InferenceWorkerData,
  PhotoRef,
  StageTimings,
  ToWorker,
  WorkerOutputs,
} from './inference-worker';
import type { Provider } from './providers';

export interface PoolShape {
  workers: number;
  /** onnxruntime's intra-op threads per worker; null leaves its default (one per core). */
  intraOpThreads: number | null;
  /**
   * Photos per onnxruntime run, at most; a worker runs a larger batch in parts. null: the whole
   * batch at once. onnxruntime's arena keeps what its largest run needed, so this bounds a
   * session's memory whatever batch size its callers choose.
   */
  photosPerRun: number | null;
}

/**
 * Workers × threads per session, fitted to the cores. A GPU provider takes one session per device
 * and runs each batch whole. On the CPU, two workers sharing the cores, one photo a run. Measured
 * on 2 shared cores, 765 VOC photos (bench/prelabel.ts, shapes taken in turn, machine load 2-5):
 * 2 workers × 1 thread pre-labeled 4.2-12.3 photos/s at 156-185 ms of CPU a photo, up to 98% of
 * the cores; 1 worker × 2 threads 5.6-8.1 at 170-188 ms and never above 70% of the cores, as a
 * lone session waits for its slowest thread at every operator and a photo's run leaves work
 * that one thread does alone. Each session keeps its own arena, so there are two however many
 * cores there are: peak RSS of the built app 485-515 MiB with two, 335 MiB with one. 4-photo
 * runs were slower (3.0-4.2 photos/s against 4.4-6.5 for one photo) and peaked 220 MiB higher:
 * the arena keeps what its largest run needed. CSRA_INFERENCE_WORKERS and CSRA_INFERENCE_RUN
 * override them.
 */
export function poolShape(
  provider: Provider,
  cores = availableParallelism(),
  env: Record<string, string | undefined> = process.env,
): PoolShape {
  if (provider !== 'cpu') return { workers: 1, intraOpThreads: null, photosPerRun: null };
  const count = (name: string) => {
    const asked = Number(env[name]);
    return Number.isInteger(asked) && asked >= 1 ? asked : null;
  };
  const workers = Math.min(count('CSRA_INFERENCE_WORKERS') ?? 2, cores);
  return {
    workers,
    intraOpThreads: Math.max(1, Math.floor(cores / workers)),
    photosPerRun: count('CSRA_INFERENCE_RUN') ?? 1,
  };
}

/** A batch as a worker sends it back. */
export interface WorkerBatch {
  photos: DecodedPhoto[];
  outputs: WorkerOutputs | null;
  timings: StageTimings;
}

interface Pending {
  request: ToWorker;
  resolve: (batch: WorkerBatch) => void;
  reject: (error: Error) => void;
  retried: boolean;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Settles once the worker's session is open, or cannot be, or the worker is gone. */
  settled: Promise<void>;
  /** Called once the worker has no batch in hand (close waits for it). */
  onIdle?: () => void;
}

function failure(message: string, code: ErrorCode | null): Error {
  return code ? new ApiError(code, message) : new Error(message);
}

export class InferencePool {
  readonly #slots: Slot[] = [];
  readonly #data: InferenceWorkerData;
  #nextId = 0;
  #closed = false;

  private constructor(
    data: InferenceWorkerData,
    readonly provider: Provider,
    /** The one line about the provider: which runs, and why no GPU one does. */
    readonly providerLine: string,
  ) {
    this.#data = data;
  }

  /** Opens the pool: the first worker settles the provider, then the others open on it. */
  static async open(
    modelPath: string,
    manifest: PackManifest,
    choice: ProviderChoice,
  ): Promise<InferencePool> {
    // An explicit choice gives the shape at once; `auto` learns it from the provider that opens.
    const guess = choice === 'auto' ? null : poolShape(choice);
    const first: InferenceWorkerData = {
      modelPath,
      manifest,
      choice,
      intraOpThreads: guess?.intraOpThreads ?? null,
      photosPerRun: guess?.photosPerRun ?? null,
    };
    const opened = await openWorker(first);
    const shape = poolShape(opened.ready.provider);
    const data: InferenceWorkerData = {
      ...first,
      choice: opened.ready.provider,
      intraOpThreads: shape.intraOpThreads,
      photosPerRun: shape.photosPerRun,
    };
    const pool = new InferencePool(data, opened.ready.provider, opened.ready.line);
    // A first worker opened on another shape (`auto` that ends on the CPU) makes way for the right one.
    if (shape.intraOpThreads === first.intraOpThreads && shape.photosPerRun === first.photosPerRun)
      pool.#adopt(opened.worker, true);
    else await opened.worker.terminate();
    while (pool.#slots.length < shape.workers) pool.#adopt(pool.#start());
    return pool;
  }

  get size(): number {
    return this.#slots.length;
  }

  /** The workers now in the pool, to watch (event-loop use, thread ids) or, in specs, to stop. */
  get workers(): readonly Worker[] {
    return this.#slots.map((slot) => slot.worker);
  }

  /** Reads, decodes and runs one batch of photos in a worker. */
  run(photos: PhotoRef[], wants: BatchWants = { features: false, maps: false }): Promise<WorkerBatch> {
    if (this.#closed) return Promise.reject(new Error('the inference pool is closed'));
    return new Promise((resolve, reject) =>
      this.#send({
        request: { type: 'batch', id: this.#nextId++, photos, ...wants },
        resolve,
        reject,
        retried: false,
      }),
    );
  }

  /**
   * Stops the workers once their sessions are open and the batches in their hands are done: a
   * worker stopped while onnxruntime opens its session or runs a batch of it brings the whole
   * process down as onnxruntime's work ends.
   */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = this.#slots.splice(0);
    await Promise.all(
      slots.map(async (slot) => {
        await slot.settled;
        if (slot.pending.size > 0) await new Promise<void>((resolve) => (slot.onIdle = resolve));
        await slot.worker.terminate();
      }),
    );
  }

  #start(): Worker {
    return startWorker('inference-worker', 'inference/inference-worker.ts', import.meta.url, {
      workerData: this.#data,
    });
  }

  /** Takes a worker into the pool; `open`: its session is open already. */
  #adopt(worker: Worker, open = false): void {
    let settle = () => {};
    const settled = open ? Promise.resolve() : new Promise<void>((resolve) => (settle = resolve));
    const slot: Slot = { worker, pending: new Map(), settled };
    worker.unref();
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready' || message.type === 'failed') settle();
      this.#receive(slot, message);
    });
    worker.on('error', (error) => {
      settle();
      this.#lost(slot, error.message);
    });
    worker.on('exit', (code) => {
      settle();
      this.#lost(slot, `exit code ${code}`);
    });
    this.#slots.push(slot);
  }

  #send(pending: Pending): void {
    if (this.#slots.length === 0) {
      pending.reject(new Error('no inference worker could open the model'));
      return;
    }
    const slot = this.#slots.reduce((least, candidate) =>
      candidate.pending.size < least.pending.size ? candidate : least,
    );
    slot.pending.set(pending.request.id, pending);
    // A worker with work keeps the process alive until it is done.
    slot.worker.ref();
    slot.worker.postMessage(pending.request);
  }

  #settled(slot: Slot, id: number): Pending | undefined {
    const pending = slot.pending.get(id);
    slot.pending.delete(id);
    if (slot.pending.size === 0) {
      slot.worker.unref();
      slot.onIdle?.();
    }
    return pending;
  }

  #receive(slot: Slot, message: FromWorker): void {
    switch (message.type) {
      case 'batch':
        this.#settled(slot, message.id)?.resolve(message);
        break;
      case 'batch-failed':
        this.#settled(slot, message.id)?.reject(failure(message.message, message.code));
        break;
      case 'failed':
        // A replacement that cannot open the model any more (its file changed meanwhile): it
        // leaves the pool without a successor, and its batches fail with its reason.
        if (this.#remove(slot)) void slot.worker.terminate();
        for (const pending of slot.pending.values()) pending.reject(failure(message.message, message.code));
        break;
      case 'ready':
        break;
    }
  }

  /** A worker died: its batches go to a new one, each once; the second loss is reported. */
  #lost(slot: Slot, reason: string): void {
    if (this.#closed) {
      // Closing: what it had in hand is not sent again, and close need not wait for it.
      for (const pending of slot.pending.values()) pending.reject(new Error('the inference pool closed'));
      slot.pending.clear();
      slot.onIdle?.();
      return;
    }
    if (!this.#remove(slot)) return;
    this.#adopt(this.#start());
    for (const pending of slot.pending.values()) {
      if (pending.retried)
        pending.reject(new Error(`an inference worker stopped twice on the same batch (${reason})`));
      else this.#send({ ...pending, retried: true });
    }
  }

  /** Takes a worker out of the pool; false if it was out already (or the pool is closed). */
  #remove(slot: Slot): boolean {
    const index = this.#slots.indexOf(slot);
    if (index === -1 || this.#closed) return false;
    this.#slots.splice(index, 1);
    return true;
  }
}

/** Starts a worker and waits until its session is open, or says why it cannot be. */
function openWorker(
  data: InferenceWorkerData,
): Promise<{ worker: Worker; ready: { provider: Provider; line: string } }> {
  const worker = startWorker('inference-worker', 'inference/inference-worker.ts', import.meta.url, {
    workerData: data,
  });
  return new Promise((resolve, reject) => {
    // Its own listeners only: removing all a worker's 'message' listeners stops its port for good.
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const fail = (error: Error) => {
      done();
      void worker.terminate();
      reject(error);
    };
    const onMessage = (message: FromWorker) => {
      if (message.type === 'ready') {
        done();
        resolve({ worker, ready: message });
      } else if (message.type === 'failed') fail(failure(message.message, message.code));
      else fail(new Error(`an inference worker answered ${message.type} before it was ready`));
    };
    const onError = (error: Error) =>
      fail(new Error(`the inference worker failed to start: ${error.message}`));
    const onExit = (code: number) =>
      fail(new Error(`the inference worker stopped (exit code ${code}) as it started`));
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
