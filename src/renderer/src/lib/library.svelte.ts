// The photo library as the grid pages through it: photos in path order with their labels and the
// model's probabilities, the total, and the classes (names, colours, thresholds) they refer to.
// Reloads when an import stops, as pre-labeling goes on, when labels or classes change, and when the
// project changes.
import type { ClassInfo, ImageSummary } from '../../../shared/contract';
import type { Api } from '../../../shared/rpc';
import { messageOf } from './errors';

/** The most photos one listImages call may ask for (the contract's limit). */
const maxPage = 500;
/** While pre-labeling runs, the loaded photos are read again at most this often. */
const prelabelReloadMs = 3_000;

/** A class the model predicts for a photo that nobody has labelled for it. */
export interface PreLabel {
  item: ClassInfo;
  probability: number;
}

export class LibraryStore {
  /** Photos loaded so far, in the library's order. */
  images = $state<ImageSummary[]>([]);
  /** Photos in the project, loaded or not. */
  total = $state(0);
  classes = $state<ClassInfo[]>([]);
  /** A page or a reload is in flight. */
  loading = $state(false);
  /** True once the first page has answered. */
  loaded = $state(false);
  error = $state<string | null>(null);

  hasMore = $derived(this.images.length < this.total);

  readonly pageSize: number;
  readonly #api: Api;
  readonly #unsubscribe: () => void;
  /** Bumped by every reload and clear, so answers to older requests are dropped. */
  #generation = 0;
  #pending: Promise<void> | null = null;
  #lastPrelabelReload = 0;

  constructor(api: Api, options: { pageSize?: number } = {}) {
    this.#api = api;
    this.pageSize = Math.min(maxPage, options.pageSize ?? 120);
    this.#unsubscribe = api.onEvent((event) => {
      if (event.type === 'project') {
        this.clear();
        if (event.project) void this.reload();
      } else if (event.type === 'classes') {
        void this.reload();
      } else if (event.type === 'labels') {
        const shown = new Set(this.images.map((image) => image.id));
        if (event.imageIds.some((id) => shown.has(id))) void this.reload();
      } else if (event.job.status !== 'running') {
        void this.reload();
      } else if (event.job.kind === 'prelabel' && event.job.done > 0) {
        // Pre-labels appear as they come, without a reload for every batch.
        const now = Date.now();
        if (now - this.#lastPrelabelReload < prelabelReloadMs) return;
        this.#lastPrelabelReload = now;
        void this.reload();
      }
    });
  }

  /** Reads the classes and the first page again, keeping as many photos loaded as there were. */
  reload(): Promise<void> {
    const generation = ++this.#generation;
    const limit = Math.min(maxPage, Math.max(this.pageSize, this.images.length));
    return this.#request(
      generation,
      () => Promise.all([this.#api.listClasses({}), this.#api.listImages({ offset: 0, limit })]),
      ([classes, page]) => {
        this.classes = classes;
        this.images = page.images;
        this.total = page.total;
        this.loaded = true;
      },
    );
  }

  /** Loads the next page, if there is one; calls while a page is loading share it. */
  loadMore(): Promise<void> {
    if (this.#pending) return this.#pending;
    if (!this.loaded) return this.reload();
    if (!this.hasMore) return Promise.resolve();
    return this.#request(
      this.#generation,
      () => this.#api.listImages({ offset: this.images.length, limit: this.pageSize }),
      (page) => {
        // Photos imported meanwhile shift the pages: never show one twice.
        const known = new Set(this.images.map((image) => image.id));
        this.images = [...this.images, ...page.images.filter((image) => !known.has(image.id))];
        this.total = page.total;
      },
    );
  }

  /** Forgets everything loaded (the project closed or changed). */
  clear(): void {
    this.#generation += 1;
    this.#pending = null;
    this.images = [];
    this.total = 0;
    this.classes = [];
    this.loading = false;
    this.loaded = false;
    this.error = null;
  }

  /** The classes an image is labelled positive for, in class order. */
  positiveClasses(image: ImageSummary): ClassInfo[] {
    const positive = new Set(
      image.labels.filter((label) => label.state === 'positive').map((l) => l.classId),
    );
    return this.classes.filter((item) => positive.has(item.id));
  }

  /**
   * The pre-labels of an image, in class order: classes it has no label for (positive or negative,
   * from anyone) that the model gives at least the class's threshold (0.5 unless a person set it).
   */
  preLabels(image: ImageSummary): PreLabel[] {
    if (image.predictions.length === 0) return [];
    const labelled = new Set(image.labels.map((label) => label.classId));
    const probability = new Map(image.predictions.map((p) => [p.classId, p.probability]));
    return this.classes.flatMap((item) => {
      const p = probability.get(item.id);
      return p !== undefined && p >= item.threshold && !labelled.has(item.id)
        ? [{ item, probability: p }]
        : [];
    });
  }

  dispose(): void {
    this.#unsubscribe();
  }

  /**
   * Runs `load` as the pending request, `loading` while it is in flight. Its answer (`apply`) or
   * failure is shown only if no reload or clear came since `generation`.
   */
  #request<T>(generation: number, load: () => Promise<T>, apply: (answer: T) => void): Promise<void> {
    const current = () => generation === this.#generation;
    this.loading = true;
    const request = (async () => {
      try {
        const answer = await load();
        if (!current()) return;
        apply(answer);
        this.error = null;
      } catch (error) {
        if (current()) this.error = messageOf(error);
      } finally {
        if (current()) {
          this.loading = false;
          this.#pending = null;
        }
      }
    })();
    this.#pending = request;
    return request;
  }
}
