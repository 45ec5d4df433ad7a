// Training: what a run would learn from (the preflight), starting a run, following it live (its
// report read again on each of its progress events: the epochs so far draw the chart), the new
// version against the one that was active, and the project's model versions, to any of which the
// project can switch (a 'switch' job, followed here too). Following a run, cancelling it and loading its final report are what every job has
// (job.svelte.ts); a run that stopped early is not resumed: the next one starts clean.
import type { ActivateRule, JobInfo, ModelVersion, TrainPreflight, TrainReport } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { messageOf } from './errors';
import { JobStore } from './job.svelte';
import { SwitchStore } from './switch.svelte';

/** Label, class and split changes come in bursts (a key per photo): the preflight is read once they pause. */
const preflightDelayMs = 250;

export class TrainStore extends JobStore<TrainReport> {
  /** What a run would learn from, and why one cannot start; null before it is read, or without a project. */
  preflight = $state<TrainPreflight | null>(null);
  /** The project's model versions, as listModels gives them. */
  models = $state<ModelVersion[]>([]);
  /** The report of the run on show as last read while it runs: the epochs so far. */
  live = $state<TrainReport | null>(null);
  /** Whether the next run activates its version: when it beats the active one, always, or never. */
  activate = $state<ActivateRule>('better');
  /** The version an activateModel request is in flight for. */
  activating = $state<number | null>(null);
  /** The version switch under way, or the last one. */
  readonly switch: SwitchStore;
  /** The run whose comparison was closed by keeping the current version. */
  #kept = $state<number | null>(null);

  /** The run on show: its final report once it has stopped, until then what was last read. */
  shown = $derived(this.report ?? (this.live && this.live.jobId === this.job?.id ? this.live : null));
  /** The version the app pre-labels with. */
  active = $derived(this.models.find((model) => model.active) ?? null);
  /** Why Train is disabled, in words; empty when a run can start. */
  blockers = $derived.by((): string[] => {
    if (this.running) return ['a training run is going on'];
    if (!this.preflight) return [];
    return this.preflight.blockers;
  });
  /**
   * The run that stopped with a new version, while its comparison with the version that was active
   * is open: until the person keeps the current version.
   */
  comparison = $derived.by(() => {
    const report = this.report;
    if (!report?.version || !report.comparison || this.#kept === report.jobId) return null;
    const version = this.models.find((model) => model.id === report.version!.id) ?? report.version;
    return { report, comparison: report.comparison, version };
  });

  readonly #stopEvents: () => void;
  /** Bumped by every read of each list, so an older answer never replaces a newer one. */
  #preflightReads = 0;
  #modelReads = 0;
  #preflightTimer: ReturnType<typeof setTimeout> | null = null;
  /** A live read is in flight for this job; `#liveAgain` when an event came meanwhile. */
  #liveReading: number | null = null;
  #liveAgain = false;

  constructor(api: Api) {
    super(api, {
      kind: 'train',
      report: (jobId) => api.getTrainReport({ jobId }),
      // Training counts the final run's epochs, which early stopping may cut short: no time left
      // is promised from them (the chart shows how the run goes).
      unmeasuredPhases: ['training'],
      resumable: false,
    });
    this.switch = new SwitchStore(api);
    this.#stopEvents = api.onEvent((event) => {
      switch (event.type) {
        case 'project':
          this.#forget();
          if (event.project) void Promise.all([this.loadPreflight(), this.loadModels()]);
          break;
        case 'models':
          void this.loadModels();
          break;
        case 'labels':
        case 'classes':
        case 'splits':
          this.#preflightSoon();
          break;
        case 'job':
          // (JobStore has followed the event already.)
          if (event.job.status !== 'running') this.#preflightSoon();
          else if (event.job.kind === 'train' && event.job.id === this.job?.id)
            void this.#readLive(event.job.id);
          break;
        case 'photos':
          // A photo's file changed on disk: its labels, and so what training would read, stand.
          break;
      }
    });
  }

  /** Reads all a project's training shows: a run going on, the preflight, the versions. */
  async load(): Promise<void> {
    await Promise.all([this.loadJobs(), this.switch.loadJobs(), this.loadPreflight(), this.loadModels()]);
  }

  /** Reads the preflight; an older answer never replaces a newer one. */
  async loadPreflight(): Promise<void> {
    if (this.#preflightTimer !== null) clearTimeout(this.#preflightTimer);
    this.#preflightTimer = null;
    const read = ++this.#preflightReads;
    try {
      const preflight = await this.api.getTrainPreflight({});
      if (read === this.#preflightReads) this.preflight = preflight;
    } catch (error) {
      if (read === this.#preflightReads) this.error = messageOf(error);
    }
  }

  /** Reads the versions; an older answer never replaces a newer one. */
  async loadModels(): Promise<void> {
    const read = ++this.#modelReads;
    try {
      const models = await this.api.listModels({});
      if (read === this.#modelReads) this.models = models;
    } catch (error) {
      if (read === this.#modelReads) this.error = messageOf(error);
    }
  }

  /**
   * Trains a new version on the project's labels; `activate` says when it becomes the active one.
   * The preflight is read first: while it names blockers no run starts, and `error` gives them.
   */
  async start(activate: ActivateRule = this.activate): Promise<boolean> {
    this.activate = activate;
    this.busy = true;
    try {
      await this.loadPreflight();
    } finally {
      this.busy = false;
    }
    const blockers = this.preflight?.blockers ?? [];
    if (blockers.length > 0) {
      this.error = `Training cannot start: ${blockers.join('; ')}.`;
      return false;
    }
    return this.launch(() => this.api.startTrain({ activate }));
  }

  /**
   * Starts the switch to a version; `switch` follows it. Resolves with whether it started (the
   * 'models' event reads the versions again once the version took over).
   */
  async activateVersion(modelId: number): Promise<boolean> {
    this.activating = modelId;
    this.error = null;
    try {
      const started = await this.switch.start(modelId);
      if (!started) this.error = this.switch.error;
      return started;
    } finally {
      this.activating = null;
    }
  }

  /** Closes the comparison of the run on show, leaving the active version as it is. */
  keepCurrent(): void {
    if (this.report) this.#kept = this.report.jobId;
  }

  override dispose(): void {
    this.#stopEvents();
    this.switch.dispose();
    if (this.#preflightTimer !== null) clearTimeout(this.#preflightTimer);
    super.dispose();
  }

  protected override started(job: JobInfo): void {
    this.live = null;
    void this.#readLive(job.id);
  }

  protected override async stopped(): Promise<void> {
    // A run assigns splits to labelled photos without one, and may have made a version.
    await Promise.all([this.loadPreflight(), this.loadModels()]);
  }

  /** Reads the running job's report: one read at a time, and one more if events came meanwhile. */
  async #readLive(jobId: number): Promise<void> {
    if (this.#liveReading === jobId) {
      this.#liveAgain = true;
      return;
    }
    this.#liveReading = jobId;
    try {
      do {
        this.#liveAgain = false;
        const report = await this.api.getTrainReport({ jobId });
        // The final report, once loaded, is the one shown; another run may be on show by now.
        if (this.job?.id === jobId && this.report === null) this.live = report;
      } while (this.#liveAgain && this.job?.id === jobId && this.running);
    } catch (error) {
      if (this.job?.id === jobId && this.running) this.error = messageOf(error);
    } finally {
      if (this.#liveReading === jobId) this.#liveReading = null;
    }
  }

  #preflightSoon(): void {
    if (this.#preflightTimer !== null) return;
    this.#preflightTimer = setTimeout(() => void this.loadPreflight(), preflightDelayMs);
  }

  #forget(): void {
    this.#preflightReads += 1;
    this.#modelReads += 1;
    if (this.#preflightTimer !== null) clearTimeout(this.#preflightTimer);
    this.#preflightTimer = null;
    this.preflight = null;
    this.models = [];
    this.live = null;
    this.activating = null;
    this.#kept = null;
  }
}
