// Runs background jobs in this process, resumably, one of each kind per project at a time.
import type { JobInfo, JobStatus } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import type { Db } from './db/connection';
import {
  createJob,
  findUnfinishedJob,
  getJob,
  jobConfig,
  leaseHeartbeatMs,
  leaseHolder,
  markOrphanedJobs,
  releaseLease,
  renewLease,
  setJobProgress,
  setJobStatus,
  takeLease,
} from './db/jobs';
import { writeTransaction } from './db/transaction';

export interface JobContext {
  jobId: number;
  signal: AbortSignal;
  /**
   * Records progress on the job row; call inside the transaction that did the work it counts. A
   * function property, not a method: the work destructures it from the context.
   */
  progress: (phase: string, done: number, total: number) => void;
}

export type JobWork<Config> = (config: Config, context: JobContext) => Promise<void>;

/** What each kind of job does, given the configuration stored with it (each kind has its own). */
export type JobWorks = Record<JobInfo['kind'], JobWork<never>>;

/** A job of each kind, as messages name it. */
const aJobOf: Record<JobInfo['kind'], string> = {
  import: 'an import job',
  prelabel: 'a pre-label job',
  train: 'a training job',
  switch: 'a version switch',
};

/** Why a job was stopped before its end: a person cancelled it, or its process is closing. */
type StopReason = Extract<JobStatus, 'cancelled' | 'interrupted'>;

/**
 * Runs jobs in this process: their state lives in the `jobs` table, so a job cut off by a crash is
 * found again (as interrupted) and resumed with the configuration it started with. A project runs
 * one job of each kind at a time, whichever process runs it (two imports of one folder would each
 * call the other's photos duplicates): a job runs under its kind's lease in `job_leases`.
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
    return this.claim(
      kind,
      () => findUnfinishedJob(this.db, kind, config) ?? createJob(this.db, kind, config).id,
    );
  }

  resume(jobId: number): JobInfo {
    return this.claim(this.get(jobId).kind, () => {
      if (this.get(jobId).status === 'done')
        throw new ApiError('conflict', `job ${jobId} has already finished`);
      return jobId;
    });
  }

  /** Asks a job to stop at its next safe point, as cancelled: a person asked for it. */
  cancel(jobId: number): JobInfo {
    const job = this.get(jobId);
    const running = this.active.get(jobId);
    if (!running) {
      const holder = job.status === 'running' ? leaseHolder(this.db, job.kind) : undefined;
      throw new ApiError(
        'conflict',
        holder === undefined
          ? `job ${jobId} is not running (it is ${job.status})`
          : `job ${jobId} runs in process ${holder}, not this one: stop it there (Ctrl+C stops a CLI run)`,
      );
    }
    running.controller.abort('cancelled' satisfies StopReason);
    return job;
  }

  /** Interrupts a job if it runs, and waits until it has stopped at its next safe point; resumable. */
  async stop(jobId: number): Promise<void> {
    const running = this.active.get(jobId);
    if (!running) return;
    running.controller.abort('interrupted' satisfies StopReason);
    await running.done;
  }

  get(jobId: number): JobInfo {
    const job = getJob(this.db, jobId);
    if (!job) throw new ApiError('not_found', `no job ${jobId}`);
    return job;
  }

  /** Interrupts every running job and waits for each to stop at its next safe point. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.active.keys()].map((jobId) => this.stop(jobId)));
  }

  /**
   * Marks the job `pick` names running under its kind's lease and runs it here. One immediate
   * transaction takes the lease (over one whose process is gone): of two processes, one runs the
   * job and the other is told which process does.
   */
  private claim(kind: JobInfo['kind'], pick: () => number): JobInfo {
    const jobId = writeTransaction(this.db, () => {
      markOrphanedJobs(this.db);
      const holder = leaseHolder(this.db, kind);
      if (holder !== undefined)
        throw new ApiError('conflict', `${aJobOf[kind]} is already running in process ${holder}`);
      const jobId = pick();
      setJobStatus(this.db, jobId, 'running');
      takeLease(this.db, kind, jobId);
      return jobId;
    });
    this.run(jobId, kind, jobConfig(this.db, jobId));
    return this.get(jobId);
  }

  private run(jobId: number, kind: JobInfo['kind'], config: unknown): void {
    const controller = new AbortController();
    // Renewed while the job runs. Lost, it was taken over by a process that found this one gone or
    // frozen: the job is that process's now, and stops here.
    const heartbeat = setInterval(() => {
      try {
        if (!renewLease(this.db, kind, jobId)) controller.abort('interrupted' satisfies StopReason);
      } catch (error) {
        // Another process wrote past the busy timeout: the next beat renews, well within the limit.
        if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      }
    }, leaseHeartbeatMs);
    const context: JobContext = {
      jobId,
      signal: controller.signal,
      progress: (phase, done, total) => {
        const entered = this.get(jobId).phase !== phase;
        setJobProgress(this.db, jobId, { phase, done, total });
        this.emit(jobId, entered);
      },
    };
    // Only the lease's holder says how the job ended, as it gives the lease up.
    const end = (status: JobStatus, error: string | null = null) =>
      writeTransaction(this.db, () => {
        if (releaseLease(this.db, kind, jobId)) setJobStatus(this.db, jobId, status, error);
      });
    const done = this.works[kind](config as never, context).then(
      () => end(controller.signal.aborted ? (controller.signal.reason as StopReason) : 'done'),
      (error: unknown) => end('failed', (error as Error).message),
    );
    const finished = done.finally(() => {
      clearInterval(heartbeat);
      this.active.delete(jobId);
      this.emit(jobId, true);
    });
    this.active.set(jobId, { controller, done: finished });
  }

  // Progress events are capped at ~10 a second per job; a phase's first and the final state are
  // always sent.
  private emit(jobId: number, force: boolean): void {
    const at = Date.now();
    if (!force && at - (this.lastEvent.get(jobId) ?? 0) < 100) return;
    this.lastEvent.set(jobId, at);
    this.publish(this.get(jobId));
  }
}
