// Pre-labeling: the project's model (its name, pack, the project classes it predicts and the
// execution provider that runs it), starting a run on a chosen provider, and each photo's class
// maps for the viewer. Following a run, cancelling, resuming and its report are what every job
// has (job.svelte.ts).
//
// The app's policy lives here too: photos get pre-labels without asking. When an import stops
// having added photos, a run starts by itself; if one is already running (it would miss them),
// another follows it.
import type { ImportReport, JobInfo, ModelInfo, PrelabelReport, ProviderChoice } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { ClassMapCache } from './attention-overlay';
import { messageOf } from './errors';
import { JobStore } from './job.svelte';

/** The app's default: pre-label the photos each import adds, without asking. */
export const prelabelAfterImport = true;

/** Whether an import that stopped with this report brought photos to pre-label. */
export function importNeedsPrelabel(report: ImportReport): boolean {
  return report.added > 0;
}

/** Class maps of this many photos are kept, the ones viewed last. */
const mapCacheSize = 32;

export class PrelabelStore extends JobStore<PrelabelReport> {
  /** The project's active model; null before it is read, or without a project. */
  model = $state<ModelInfo | null>(null);
  /** The execution provider the next run asks for. */
  provider = $state<ProviderChoice>('auto');
  /**
   * The project's photo count when the last Pre-label found the active version had predicted every
   * one (no run started: it would predict none); null otherwise.
   */
  allPredicted = $state<number | null>(null);
  /** The class maps of the photos viewed last, for the viewer. */
  readonly classMaps = new ClassMapCache(this.api, mapCacheSize);

  /** Whether imports start pre-labeling by themselves (`prelabelAfterImport` unless told). */
  readonly auto: boolean;
  readonly #stopEvents: () => void;
  /** Imports already acted on, by id, status and time: each stop counts once. */
  readonly #importsSeen = new Set<string>();
  /** Photos came while a run was going: run again once it is done. */
  #again = false;
  /** Bumped by every model read, so an older answer never replaces a newer one. */
  #modelReads = 0;

  constructor(api: Api, options: { auto?: boolean } = {}) {
    super(api, {
      kind: 'prelabel',
      report: (jobId) => api.getPrelabelReport({ jobId }),
      // Loading the model counts nothing.
      unmeasuredPhases: ['loading model'],
    });
    this.auto = options.auto ?? prelabelAfterImport;
    this.#stopEvents = api.onEvent((event) => {
      if (event.type === 'project') {
        this.#modelReads += 1;
        this.model = null;
        this.allPredicted = null;
        this.#again = false;
        this.classMaps.clear();
        this.#importsSeen.clear();
        if (event.project) void this.loadModel();
      } else if (event.type === 'classes') {
        // Which project classes the model predicts follows their names.
        void this.loadModel();
      } else if (event.type === 'models') {
        // Another version is active: its name, the classes it predicts and its maps.
        this.allPredicted = null;
        this.classMaps.clear();
        void this.loadModel();
      } else if (event.type === 'job' && event.job.kind === 'import' && event.job.status !== 'running') {
        if (this.auto) void this.#afterImport(event.job);
      }
    });
  }

  /**
   * Reads the active model (a project without one gets the default pack); resolves with it, or
   * null when there is none or it could not be read.
   */
  async loadModel(): Promise<ModelInfo | null> {
    const read = ++this.#modelReads;
    try {
      const model = await this.api.getModel({});
      if (read === this.#modelReads) this.model = model;
      return model;
    } catch (error) {
      if (read === this.#modelReads) this.error = messageOf(error);
      return null;
    }
  }

  /**
   * Pre-labels every photo the model has not predicted yet, on `provider` (or the one chosen); when
   * it has predicted them all, starts nothing and says so (`allPredicted`). `again`: predicts every
   * photo once more.
   */
  async start(provider: ProviderChoice = this.provider, { again = false } = {}): Promise<boolean> {
    this.provider = provider;
    this.allPredicted = null;
    if (!again) {
      const model = await this.loadModel();
      const photos = await this.#photoCount();
      if (model && photos !== null && photos > 0 && model.predicted >= photos) {
        this.allPredicted = photos;
        return false;
      }
    }
    return this.launch(() => this.api.startPrelabel({ provider, again }));
  }

  override dispose(): void {
    this.#stopEvents();
    super.dispose();
  }

  protected override started(): void {
    // Starting loads the model: its provider is known now.
    void this.loadModel();
  }

  protected override async stopped(job: JobInfo): Promise<void> {
    // Maps of photos predicted again, by a newer model, may differ.
    this.classMaps.clear();
    const model = await this.loadModel();
    const again = this.#again;
    this.#again = false;
    if (again && job.status === 'done' && this.auto && model && (await this.#unpredicted(model))) {
      await this.start();
    }
  }

  async #afterImport(job: JobInfo): Promise<void> {
    const key = `${job.id}:${job.status}:${job.updatedAt}`;
    if (this.#importsSeen.has(key)) return;
    this.#importsSeen.add(key);
    let report: ImportReport;
    try {
      report = await this.api.getImportReport({ jobId: job.id });
    } catch (error) {
      this.error = messageOf(error);
      return;
    }
    if (!importNeedsPrelabel(report)) return;
    this.allPredicted = null;
    if (this.running || this.busy) {
      this.#again = true;
      return;
    }
    // Another window's run may have started meanwhile: this one then follows it, and runs again after.
    const started = await this.launch(
      () => this.api.startPrelabel({ provider: this.provider }),
      (error) => error.code === 'conflict',
    );
    if (!started && this.error === null) this.#again = true;
  }

  /** Whether some photo of the project has no prediction from `model`, the active one. */
  async #unpredicted(model: ModelInfo): Promise<boolean> {
    const photos = await this.#photoCount();
    return photos !== null && model.predicted < photos;
  }

  /** The project's photos; null (and the error said) when they could not be counted. */
  async #photoCount(): Promise<number | null> {
    try {
      return (await this.api.listImages({ limit: 1 })).total;
    } catch (error) {
      this.error = messageOf(error);
      return null;
    }
  }
}
