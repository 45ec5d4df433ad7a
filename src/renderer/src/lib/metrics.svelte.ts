// The metrics view: a version of the model (the active one until another is chosen) measured on a
// split against the project's labels, and optionally a second version beside it, both measured on
// the same photos (those both can be measured on). Each side is an evaluate answer of its own, with
// its own error (a version that never pre-labelled the photos cannot be measured). While the view is shown, what changes the figures
// (labels, classes and their thresholds, splits, versions, a pre-label run ending) measures again
// once the changes pause; while it is hidden nothing is asked.
import type { EvalReport, EvalSplit, ModelVersion } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { messageOf } from './errors';

/** Labels change a key at a time: the figures are read again once they pause. */
const refreshDelayMs = 400;

/** One column of the view: the version measured, its report, or why there is none. */
export interface MetricsSide {
  modelId: number | null;
  report: EvalReport | null;
  error: string | null;
}

export class MetricsStore {
  /** The project's versions, as listModels gives them. */
  models = $state<ModelVersion[]>([]);
  split = $state<EvalSplit>('all');
  /** The version measured; null: the active one. */
  versionId = $state<number | null>(null);
  /** The version beside it; null: none. */
  compareId = $state<number | null>(null);
  primary = $state<MetricsSide>({ modelId: null, report: null, error: null });
  compared = $state<MetricsSide | null>(null);
  /** The class whose precision–recall curve is drawn; null: the first one with positives. */
  classId = $state<number | null>(null);
  /** Whether a measure is in flight. */
  busy = $state(false);
  /** Why the versions could not be read. */
  error = $state<string | null>(null);
  shown = $state(false);

  /** The version measured as chosen, or the active one. */
  version = $derived(
    this.models.find((model) => model.id === this.versionId) ??
      this.models.find((model) => model.active) ??
      null,
  );
  /** The class of the curve: the chosen one if the report has it, else its first class with positives. */
  curveClass = $derived.by(() => {
    const perClass = this.primary.report?.perClass ?? [];
    return (
      perClass.find((entry) => entry.classId === this.classId) ??
      perClass.find((entry) => entry.ap !== null) ??
      perClass[0] ??
      null
    );
  });

  readonly #stopEvents: () => void;
  /** Bumped by every measure, so an older answer never replaces a newer one. */
  #reads = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Something changed while the view was hidden: measure when it is shown. */
  #stale = true;

  constructor(private readonly api: Api) {
    this.#stopEvents = api.onEvent((event) => {
      switch (event.type) {
        case 'project':
          this.#forget(event.project !== null);
          break;
        case 'models':
        case 'labels':
        case 'classes':
        case 'splits':
          this.#changed();
          break;
        case 'job':
          // A pre-label run writes predictions; training makes versions (its 'models' event says so).
          if (event.job.kind === 'prelabel' && event.job.status !== 'running') this.#changed();
          break;
        case 'photos':
          // A photo's file changed on disk: its labels and stored predictions stand until re-labelled.
          break;
      }
    });
  }

  /** Shows the view: measures now if anything changed since it was last shown. */
  async show(): Promise<void> {
    this.shown = true;
    if (this.#stale) await this.refresh();
  }

  hide(): void {
    this.shown = false;
    this.#clearTimer();
  }

  async setSplit(split: EvalSplit): Promise<void> {
    this.split = split;
    await this.refresh();
  }

  /** Measures another version (null: the active one). */
  async setVersion(modelId: number | null): Promise<void> {
    this.versionId = modelId;
    await this.refresh();
  }

  /** Puts a version beside the measured one (null: none). */
  async setCompare(modelId: number | null): Promise<void> {
    this.compareId = modelId;
    await this.refresh();
  }

  setClass(classId: number): void {
    this.classId = classId;
  }

  /** Reads the versions, then measures the chosen ones on the split; an older answer never replaces a newer one. */
  async refresh(): Promise<void> {
    this.#clearTimer();
    this.#stale = false;
    const read = ++this.#reads;
    this.busy = true;
    try {
      const models = await this.api.listModels({});
      if (read !== this.#reads) return;
      this.models = models;
      this.error = null;
      // A chosen version that is gone is forgotten.
      if (!models.some((model) => model.id === this.versionId)) this.versionId = null;
      if (!models.some((model) => model.id === this.compareId)) this.compareId = null;
      const primaryId = this.version?.id ?? null;
      const compareId = this.compareId;
      const [primary, compared] = await Promise.all([
        this.#measure(primaryId, compareId),
        compareId === null ? null : this.#measure(compareId, primaryId),
      ]);
      if (read !== this.#reads) return;
      this.primary = primary;
      this.compared = compared;
    } catch (error) {
      if (read === this.#reads) this.error = messageOf(error);
    } finally {
      if (read === this.#reads) this.busy = false;
    }
  }

  dispose(): void {
    this.#stopEvents();
    this.#clearTimer();
  }

  /** One side, on the photos `comparedWith` (null: no other side) can be measured on too. */
  async #measure(modelId: number | null, comparedWith: number | null): Promise<MetricsSide> {
    if (modelId === null) return { modelId, report: null, error: 'The project has no model yet.' };
    try {
      const report = await this.api.evaluate({
        split: this.split,
        modelId,
        ...(comparedWith === null ? {} : { comparedWith }),
      });
      return { modelId, report, error: null };
    } catch (error) {
      return { modelId, report: null, error: messageOf(error) };
    }
  }

  #changed(): void {
    this.#stale = true;
    if (!this.shown || this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.refresh();
    }, refreshDelayMs);
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #forget(projectOpen: boolean): void {
    this.#reads += 1;
    this.#clearTimer();
    this.#stale = true;
    this.models = [];
    this.versionId = null;
    this.compareId = null;
    this.classId = null;
    this.primary = { modelId: null, report: null, error: null };
    this.compared = null;
    this.busy = false;
    this.error = null;
    if (this.shown && projectOpen) void this.refresh();
  }
}
