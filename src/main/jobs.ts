import type { JobInfo } from '../shared/contract';
import { ApiError } from '../shared/rpc';
import type { Db } from './db/connection';
import { createJob, findUnfinishedJob, getJob, jobConfig, setJobProgress, setJobStatus } from './db/jobs';

export interface JobContext {
  jobId: number;
  signal: AbortSignal;
  /** Records progress on the job row; call inside the transaction that did the work it counts. */
  progress(phase: string, done: number, total: number): void;
}

export type JobWork<Config> = (config: Config, context: JobContext) => Promise<void>;

/** What each kind of job does, given the configuration stored with it (each kind has its own). */
export type JobWorks = Record<JobInfo['kind'], JobWork<never>>;

/**
 * Runs jobs in this process: their state lives in the `jobs` table, so a job cut off by a crash is
 * found again on open (as interrupted) and resumed with the configuration it started with.
 */
export class JobRunner {
  private readonly active = new Map<number, { controller: AbortController; done: Promise<void> }>();
  private lastEvent = new Map<number, number>();

  constructor(
    private readonly db: Db,
    private readonly works: JobWorks,
    private readonly publish: (job: JobInfo) => void,
  ) {}

  /** Starts a job, or resumes the last one of its kind that stopped early with the same config. */
  start(kind: JobInfo['kind'], config: unknown): JobInfo {
    const running = [...this.active.keys()].map((id) => this.get(id)).find((job) => job.kind === kind);
    if (running) throw new ApiError('conflict', `a ${kind} job is already running (job ${running.id})`);
    const unfinished = findUnfinishedJob(this.db, kind, config);
    if (unfinished !== undefined) return this.resume(unfinished);
    const job = createJob(this.db, kind, config);
    this.run(job.id, kind, config);
    return job;
  }

  resume(jobId: number): JobInfo {
    const job = this.get(jobId);
    if (this.active.has(jobId)) throw new ApiError('conflict', `job ${jobId} is already running`);
    if (job.status === 'done') throw new ApiError('conflict', `job ${jobId} has already finished`);
    setJobStatus(this.db, jobId, 'running');
    this.run(jobId, job.kind, jobConfig(this.db, jobId));
    return this.get(jobId);
  }

  cancel(jobId: number): JobInfo {
    const job = this.get(jobId);
    const running = this.active.get(jobId);
    if (!running) throw new ApiError('conflict', `job ${jobId} is not running (it is ${job.status})`);
    running.controller.abort();
    return job;
  }

  /** Cancels a job if it runs, and waits until it has stopped at its next safe point. */
  async stop(jobId: number): Promise<void> {
    const running = this.active.get(jobId);
    if (!running) return;
    running.controller.abort();
    await running.done;
  }

  get(jobId: number): JobInfo {
    const job = getJob(this.db, jobId);
    if (!job) throw new ApiError('not_found', `no job ${jobId}`);
    return job;
  }

  /** Cancels every running job and waits for each to stop at its next safe point. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.active.keys()].map((jobId) => this.stop(jobId)));
  }

  private run(jobId: number, kind: JobInfo['kind'], config: unknown): void {
    const controller = new AbortController();
    const context: JobContext = {
      jobId,
      signal: controller.signal,
      progress: (phase, done, total) => {
        setJobProgress(this.db, jobId, { phase, done, total });
        this.emit(jobId, false);
      },
    };
    const done = this.works[kind](config as never, context).then(
      () => setJobStatus(this.db, jobId, controller.signal.aborted ? 'cancelled' : 'done'),
      (error: unknown) => setJobStatus(this.db, jobId, 'failed', (error as Error).message),
    );
    const finished = done.finally(() => {
      this.active.delete(jobId);
      this.emit(jobId, true);
    });
    this.active.set(jobId, { controller, done: finished });
  }

  // Progress events are capped at ~10 a second per job; the final state is always sent.
  private emit(jobId: number, force: boolean): void {
    const at = Date.now();
    if (!force && at - (this.lastEvent.get(jobId) ?? 0) < 100) return;
    this.lastEvent.set(jobId, at);
    this.publish(this.get(jobId));
  }
}
