// What every long job (import, pre-label, train) looks like to the UI, in one place: follow one kind
// of job through its events (progress, its rate per phase, time left), cancel it, resume one that
// stopped early, and load its report once it has stopped. Each kind's store adds how it starts.
import type { JobInfo } from '$shared/contract';
import type { Api, ApiError } from '$shared/rpc';
import { attempt, messageOf } from './errors';

/** Statuses a job can be resumed from: main picks up where it stopped. */
const resumableStatuses = new Set<JobInfo['status']>(['interrupted', 'cancelled']);
/** Rate is measured over this much of the most recent progress. */
const rateWindowMs = 10_000;

export interface JobKindOptions<Report> {
  kind: JobInfo['kind'];
  /** The report of a job of this kind that has stopped. */
  report: (jobId: number) => Promise<Report>;
  /** Phases whose progress is not photos being processed: no rate is measured from them. */
  unmeasuredPhases?: readonly string[];
  /** Whether a job of this kind that stopped early can be resumed (listed in `resumable`); true unless told. */
  resumable?: boolean;
}

export class JobStore<Report> {
  /** The job being shown: running, or the last one that stopped. */
  job = $state<JobInfo | null>(null);
  /** The report of `job`, once it has stopped. */
  report = $state<Report | null>(null);
  /** Jobs of this kind that stopped part-way and can be resumed, newest first. */
  resumable = $state<JobInfo[]>([]);
  /** Photos (or whatever the phase counts) per second over the last few seconds of the phase, once measurable. */
  rate = $state<number | null>(null);
  /** Estimated seconds left, once the rate is known. */
  eta = $state<number | null>(null);
  /** A start, cancel or resume request is in flight. */
  busy = $state(false);
  /** Cancel was asked for; the job stops at its next safe point. */
  cancelling = $state(false);
  /** Why the last request failed, as a sentence. */
  error = $state<string | null>(null);

  running = $derived(this.job?.status === 'running');

  protected readonly api: Api;
  readonly #kind: JobInfo['kind'];
  readonly #loadReport: (jobId: number) => Promise<Report>;
  readonly #unmeasured: ReadonlySet<string>;
  readonly #resumes: boolean;
  readonly #unsubscribe: () => void;
  /** The latest state seen of every job, events and answers merged. */
  readonly #seen = new Map<number, JobInfo>();
  #samples: { at: number; done: number }[] = [];
  /** The phase the samples were taken in: each phase counts its own things, at its own rate. */
  #phase: string | null = null;
  #reportKey: string | null = null;
  #starting = false;

  constructor(api: Api, options: JobKindOptions<Report>) {
    this.api = api;
    this.#kind = options.kind;
    this.#loadReport = options.report;
    this.#unmeasured = new Set(options.unmeasuredPhases ?? []);
    this.#resumes = options.resumable ?? true;
    this.#unsubscribe = api.onEvent((event) => {
      if (event.type === 'project') {
        this.#reset();
        if (event.project) void this.loadJobs();
        return;
      }
      if (event.type !== 'job') return;
      const job = this.#remember(event.job);
      if (job.kind !== this.#kind) return;
      if (this.job?.id === job.id) this.#follow(job);
      // A job started elsewhere (another window, the CLI): show it unless this one is busy.
      else if (job.status === 'running' && !this.#starting && !this.running) this.#follow(job);
    });
  }

  /** Reads the project's jobs: follows one still running, lists those that can be resumed. */
  async loadJobs(): Promise<void> {
    try {
      const jobs = (await this.api.listJobs({})).filter((job) => job.kind === this.#kind);
      this.resumable = this.#resumes ? jobs.filter((job) => resumableStatuses.has(job.status)) : [];
      const running = jobs.find((job) => job.status === 'running');
      if (running && !this.running) this.#follow(this.#remember(running));
    } catch (error) {
      this.error = messageOf(error);
    }
  }

  async cancel(): Promise<void> {
    const job = this.job;
    if (!job || job.status !== 'running') return;
    this.cancelling = true;
    this.error = null;
    try {
      this.#follow(this.#remember(await this.api.cancelJob({ jobId: job.id })));
    } catch (error) {
      this.cancelling = false;
      // It finished on its own in the meantime: its final event says so.
      if (this.job?.status === 'running') this.error = messageOf(error);
    }
  }

  resume(jobId: number): Promise<boolean> {
    return attempt(this, async () => {
      const job = await this.api.resumeJob({ jobId });
      this.resumable = this.resumable.filter((candidate) => candidate.id !== jobId);
      this.#follow(this.#remember(job));
    });
  }

  /** Whether the running job's phase counts something a rate can be measured from. */
  get measurable(): boolean {
    const job = this.job;
    return job?.status === 'running' && job.total > 0 && !this.#unmeasured.has(job.phase);
  }

  dispose(): void {
    this.#unsubscribe();
  }

  /**
   * Starts a job with `request` and shows it. Resolves with whether it started; a failure is put in
   * `error` as a sentence, unless `expected` says the caller handles it.
   */
  protected async launch(
    request: () => Promise<JobInfo>,
    expected?: (error: ApiError) => boolean,
  ): Promise<boolean> {
    this.#starting = true;
    try {
      return await attempt(this, async () => this.#follow(this.#remember(await request())), expected);
    } finally {
      this.#starting = false;
    }
  }

  /** Called when a job of this kind starts being shown while it runs (started, resumed or found). */
  protected started(_job: JobInfo): void {}

  /** Called once the shown job has stopped and its report is loaded (or failed to load). */
  protected stopped(_job: JobInfo): void | Promise<void> {}

  /** Keeps the newest state of a job; answers and events may arrive in either order. */
  #remember(job: JobInfo): JobInfo {
    const known = this.#seen.get(job.id);
    const newest = known && isNewer(known, job) ? known : job;
    this.#seen.set(job.id, newest);
    return newest;
  }

  #follow(job: JobInfo): void {
    if (this.job?.id !== job.id || (this.job.status !== 'running' && job.status === 'running')) {
      // Another job, or this one resumed: measure afresh.
      this.#samples = [];
      this.#phase = null;
      this.rate = null;
      this.eta = null;
      this.report = null;
      this.cancelling = false;
      if (job.status === 'running') this.started(job);
    }
    this.job = job;
    this.#measure(job);
    if (job.status !== 'running') {
      this.cancelling = false;
      this.eta = null;
      void this.#finish(job);
    }
  }

  /** Photos per second from the job's own timestamps, so delivery delays do not skew it. */
  #measure(job: JobInfo): void {
    if (job.phase !== this.#phase) {
      this.#phase = job.phase;
      this.#samples = [];
      this.rate = null;
      this.eta = null;
    }
    if (job.total === 0 || this.#unmeasured.has(job.phase)) return;
    const at = Date.parse(job.updatedAt);
    const last = this.#samples.at(-1);
    if (last && (at < last.at || (at === last.at && job.done === last.done))) return;
    this.#samples.push({ at, done: job.done });
    while (this.#samples.length > 2 && at - this.#samples[1]!.at > rateWindowMs) this.#samples.shift();
    const first = this.#samples[0]!;
    const seconds = (at - first.at) / 1000;
    const photos = job.done - first.done;
    if (seconds <= 0 || photos <= 0) return;
    this.rate = photos / seconds;
    this.eta = job.status === 'running' ? Math.max(0, job.total - job.done) / this.rate : null;
  }

  async #finish(job: JobInfo): Promise<void> {
    const key = `${job.id}:${job.status}:${job.updatedAt}`;
    if (this.#reportKey === key) return;
    this.#reportKey = key;
    try {
      const report = await this.#loadReport(job.id);
      if (this.job?.id === job.id) this.report = report;
    } catch (error) {
      this.error = messageOf(error);
    }
    const after = (async () => this.stopped(job))().catch((error: unknown) => {
      this.error = messageOf(error);
    });
    await Promise.all([this.loadJobs(), after]);
  }

  #reset(): void {
    this.job = null;
    this.report = null;
    this.resumable = [];
    this.rate = null;
    this.eta = null;
    this.error = null;
    this.cancelling = false;
    this.#samples = [];
    this.#phase = null;
    this.#reportKey = null;
    this.#seen.clear();
  }
}

/** Whether `a` is a later state of the same job than `b`. */
function isNewer(a: JobInfo, b: JobInfo): boolean {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt;
  if (a.done !== b.done) return a.done > b.done;
  return a.status !== 'running' && b.status === 'running';
}
