// The photo library as the grid shows it: the photos the filter selects, in the chosen order, read
// in pages of 200 as the grid scrolls to them and kept in a cache, with their labels and the model's
// probabilities; the total; and the classes (names, colors, thresholds) they refer to.
//
// A reload reads the classes and the pages in view again and only then replaces them, so the grid
// neither blanks nor jumps. It happens when an import stops, as pre-labeling goes on, when labels
// or classes change, and when the project changes; a new filter or order starts from the top.
// While the grid is hidden (the workspace covers it) those changes only mark it stale: the next
// label key then never waits behind a page the person cannot see.
import type { ClassInfo, ImageFilter, ImageSort, ImageSummary, LabelState } from '$shared/contract';
import { preLabelProbability } from '$shared/labels';
import type { Api } from '$shared/rpc';
import { messageOf } from './errors';
import { isFiltering, noFilter, toImageFilter, withClasses, type GridFilter } from './filter';

/** The most photos one listImages call may ask for (the contract's limit). */
const maxPage = 500;
/** While pre-labeling runs, the loaded photos are read again at most this often. */
const prelabelReloadMs = 3_000;
/** Pages kept beyond those in view: the ones read last. */
const pagesKept = 24;

/** A class and the model's probability of it on a photo. */
export interface ClassProbability {
  item: ClassInfo;
  probability: number;
}

/** A label the model contradicts at its class's threshold in use. */
export interface DisputedLabel extends ClassProbability {
  state: LabelState;
}

interface Page {
  images: ImageSummary[];
  /** The reload it was read under: older pages are dropped when a reload answers. */
  generation: number;
}

export class LibraryStore {
  /** Photos the filter selects, loaded or not. */
  total = $state(0);
  /** The project's classes, archived ones left out: what chips and menus show. */
  classes = $state<ClassInfo[]>([]);
  /** What the grid shows and in what order; change them with setFilter and setSort. */
  filter = $state.raw<GridFilter>(noFilter);
  sort = $state<ImageSort>('name');
  /** True once the first answer for this project (and filter) came. */
  loaded = $state(false);
  error = $state<string | null>(null);
  /** Where the grid was scrolled to, kept here so that it comes back there when it is shown again. */
  scrollTop = 0;

  /** Loaded pages by page number; replaced (never changed in place) so that readers update. */
  pages = $state.raw<ReadonlyMap<number, Page>>(new Map());
  #inFlight = $state(0);
  /** Requests are in flight. */
  loading = $derived(this.#inFlight > 0);
  /** Every loaded photo, in the library's order (those of pages not loaded are left out). */
  images = $derived([...this.pages.keys()].sort((a, b) => a - b).flatMap((p) => this.pages.get(p)!.images));

  readonly pageSize: number;
  readonly #api: Api;
  readonly #unsubscribe: () => void;
  /** Bumped by every reload, new filter and clear, so answers to older requests are dropped. */
  #generation = 0;
  /** Pages asked for and not answered yet, by page number, for the current generation. */
  #requested = new Map<number, Promise<void>>();
  /** The photos the grid last asked for: what a reload reads again. */
  #wanted = { start: 0, end: 0 };
  /** The reload in flight, if any: the first calls before anything is loaded share it. */
  #reloading: Promise<void> | null = null;
  #lastPrelabelReload = 0;
  #hidden = false;
  /** Something changed while hidden: read again when shown. */
  #stale = false;
  #queryListeners = new Set<() => void>();

  constructor(api: Api, options: { pageSize?: number } = {}) {
    this.#api = api;
    this.pageSize = Math.min(maxPage, options.pageSize ?? 200);
    this.#unsubscribe = api.onEvent((event) => {
      if (event.type === 'project') {
        this.clear();
        if (event.project) void this.reload();
      } else if (event.type === 'classes') {
        this.#changed();
      } else if (event.type === 'labels' || event.type === 'photos') {
        // Under a filter a label can move photos in or out of it: read the view again.
        const changed = new Set(event.imageIds);
        if (isFiltering(this.filter) || this.images.some((image) => changed.has(image.id))) this.#changed();
      } else if (event.type === 'splits') {
        // Photos moved between splits: in or out of a split filter, and the tiles show the split.
        this.#changed();
      } else if (event.type === 'models') {
        // Another version is active: the tiles show its pre-labels.
        this.#changed();
      } else if (event.type !== 'job') {
        return;
      } else if (event.job.status !== 'running') {
        this.#changed();
      } else if (event.job.kind === 'prelabel' && event.job.done > 0) {
        // Pre-labels appear as they come, without a reload for every batch.
        const now = Date.now();
        if (now - this.#lastPrelabelReload < prelabelReloadMs) return;
        this.#lastPrelabelReload = now;
        this.#changed();
      }
    });
  }

  /** What the grid shows, in its order, as listImages and listImageIds take it. */
  get query(): { filter?: ImageFilter; sort: ImageSort } {
    const filter = toImageFilter(this.filter);
    return filter ? { filter, sort: this.sort } : { sort: this.sort };
  }

  /** The photo at `index` in the library's order, if its page is loaded. */
  imageAt(index: number): ImageSummary | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.images[index % this.pageSize];
  }

  /** Where a loaded photo is in the library's order; -1 when it is not loaded (or not there). */
  indexOf(imageId: number): number {
    for (const [number, page] of this.pages) {
      const at = page.images.findIndex((image) => image.id === imageId);
      if (at >= 0) return number * this.pageSize + at;
    }
    return -1;
  }

  /**
   * Makes sure the photos from `start` to `end` (exclusive) are loaded or on their way, and
   * resolves once they are. Pages already loaded or asked for are not asked for again.
   */
  ensure(start: number, end: number): Promise<void> {
    this.#wanted = { start, end };
    if (!this.loaded) return this.#reloading ?? this.reload();
    const first = Math.floor(Math.max(0, start) / this.pageSize);
    const last = Math.floor((Math.min(end, this.total) - 1) / this.pageSize);
    const waits: Promise<void>[] = [];
    for (let number = first; number <= last; number += 1) {
      if (this.pages.get(number)?.generation === this.#generation) continue;
      waits.push(this.#loadPage(number));
    }
    return Promise.all(waits).then(() => undefined);
  }

  /** The photo at `index`, loading its page if need be; undefined past the end. */
  async fetchImageAt(index: number): Promise<ImageSummary | undefined> {
    if (index < 0 || (this.loaded && index >= this.total)) return undefined;
    const loaded = this.imageAt(index);
    if (loaded) return loaded;
    const number = Math.floor(index / this.pageSize);
    await this.#loadPage(number);
    return this.imageAt(index);
  }

  /** Shows the photos `filter` selects, from the top; the selection and scroll go with the old filter. */
  setFilter(filter: GridFilter): Promise<void> {
    this.filter = filter;
    return this.#newQuery();
  }

  setSort(sort: ImageSort): Promise<void> {
    this.sort = sort;
    return this.#newQuery();
  }

  /** Whether the grid is out of sight; shown again, it reads what changed meanwhile. */
  setHidden(hidden: boolean): void {
    this.#hidden = hidden;
    if (!hidden && this.#stale) {
      this.#stale = false;
      void this.reload();
    }
  }

  /** Resolves once the reload in flight, if any, has answered: the pages then hold what main does. */
  async settled(): Promise<void> {
    while (this.#reloading) await this.#reloading;
  }

  /** Called when the filter or order changes (the selection clears itself on it). */
  onQueryChange(listener: () => void): () => void {
    this.#queryListeners.add(listener);
    return () => this.#queryListeners.delete(listener);
  }

  /**
   * Reads the classes, the total and the photos in view again; pages out of view are dropped and
   * read again when they come into view. What is shown stays until the answer replaces it.
   */
  reload(): Promise<void> {
    const generation = ++this.#generation;
    this.#requested.clear();
    const current = () => generation === this.#generation;
    const { start, end } = this.#wanted;
    const first = Math.floor(start / this.pageSize);
    const last = Math.max(first, Math.floor((Math.max(start, end) - 1) / this.pageSize));
    const numbers = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    const query = this.query;
    const request = this.#track(async () => {
      try {
        const [classes, ...pages] = await Promise.all([
          this.#api.listClasses({}),
          ...numbers.map((number) =>
            this.#api.listImages({ ...query, offset: number * this.pageSize, limit: this.pageSize }),
          ),
        ]);
        if (!current()) return;
        // A class archived or merged away takes its conditions with it: read again without them.
        const filter = withClasses(this.filter, classes);
        if (filter !== this.filter) {
          await this.setFilter(filter);
          return;
        }
        const next = new Map<number, Page>();
        for (const [number, page] of this.pages) if (page.generation === generation) next.set(number, page);
        numbers.forEach((number, i) => {
          if (pages[i]!.images.length > 0) next.set(number, { images: pages[i]!.images, generation });
        });
        this.classes = classes;
        this.total = pages[0]!.total;
        this.pages = next;
        this.loaded = true;
        this.error = null;
      } catch (error) {
        if (current()) this.error = messageOf(error);
      } finally {
        if (current()) this.#reloading = null;
      }
    });
    this.#reloading = request;
    return request;
  }

  /** Forgets everything loaded (the project closed or changed). */
  clear(): void {
    this.#generation += 1;
    this.#requested.clear();
    this.#reloading = null;
    this.#wanted = { start: 0, end: 0 };
    this.pages = new Map();
    this.total = 0;
    this.classes = [];
    this.filter = noFilter;
    this.sort = 'name';
    this.scrollTop = 0;
    this.loaded = false;
    this.error = null;
    for (const listener of this.#queryListeners) listener();
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
  preLabels(image: ImageSummary): ClassProbability[] {
    return this.classes.flatMap((item) => {
      const probability = preLabelProbability(image, item);
      return probability === null ? [] : [{ item, probability }];
    });
  }

  /**
   * The labels of an image the model contradicts, in class order: positives it gives less than the
   * class's threshold in use, negatives it gives the threshold or more (what the Disagreement filter
   * selects).
   */
  disputedLabels(image: ImageSummary): DisputedLabel[] {
    const labels = new Map(image.labels.map((label) => [label.classId, label.state]));
    return this.classes.flatMap((item) => {
      const state = labels.get(item.id);
      const probability = image.predictions.find((p) => p.classId === item.id)?.probability;
      if (state === undefined || probability === undefined) return [];
      return (state === 'positive') === probability >= item.threshold ? [] : [{ item, state, probability }];
    });
  }

  /**
   * The class the view is about on this image, with the model's probability of it: the filter's
   * class, or when sorted by uncertainty or confidence the image's least certain class (the one the
   * sort ranks it by); null when there is none or the model has not predicted it.
   */
  scoreInView(image: ImageSummary): ClassProbability | null {
    const probabilityOf = (item: ClassInfo) =>
      image.predictions.find((p) => p.classId === item.id)?.probability;
    if (this.filter.classId !== null) {
      const item = this.classes.find((candidate) => candidate.id === this.filter.classId);
      const probability = item && probabilityOf(item);
      return item && probability !== undefined ? { item, probability } : null;
    }
    if (this.sort !== 'uncertainty' && this.sort !== 'confidence') return null;
    let least: ClassProbability | null = null;
    for (const item of this.classes) {
      const probability = probabilityOf(item);
      if (probability === undefined) continue;
      const certainty = Math.abs(2 * probability - 1);
      if (!least || certainty < Math.abs(2 * least.probability - 1)) least = { item, probability };
    }
    return least;
  }

  dispose(): void {
    this.#unsubscribe();
    this.#queryListeners.clear();
  }

  #changed(): void {
    if (this.#hidden) this.#stale = true;
    else void this.reload();
  }

  #newQuery(): Promise<void> {
    this.#wanted = { start: 0, end: this.pageSize };
    this.scrollTop = 0;
    this.pages = new Map();
    for (const listener of this.#queryListeners) listener();
    return this.reload();
  }

  /** Reads page `number`; while it is being read, asking again shares that request. */
  #loadPage(number: number): Promise<void> {
    const asked = this.#requested.get(number);
    if (asked) return asked;
    const generation = this.#generation;
    const query = this.query;
    const request = this.#track(async () => {
      try {
        const page = await this.#api.listImages({
          ...query,
          offset: number * this.pageSize,
          limit: this.pageSize,
        });
        if (generation !== this.#generation) return;
        const next = new Map(this.pages);
        next.set(number, { images: page.images, generation });
        this.#prune(next);
        this.pages = next;
        this.total = page.total;
        this.error = null;
      } catch (error) {
        if (generation === this.#generation) this.error = messageOf(error);
      } finally {
        if (generation === this.#generation) this.#requested.delete(number);
      }
    });
    this.#requested.set(number, request);
    return request;
  }

  /** Drops the pages farthest from the ones in view, past `pagesKept` of them. */
  #prune(pages: Map<number, Page>): void {
    if (pages.size <= pagesKept) return;
    const centre = (this.#wanted.start + this.#wanted.end) / 2 / this.pageSize;
    const far = [...pages.keys()].sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
    for (const number of far.slice(0, pages.size - pagesKept)) pages.delete(number);
  }

  async #track(work: () => Promise<void>): Promise<void> {
    this.#inFlight += 1;
    try {
      await work();
    } finally {
      this.#inFlight -= 1;
    }
  }
}
