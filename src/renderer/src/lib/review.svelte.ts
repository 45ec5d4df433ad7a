// Review mode: the labeling workspace walking a review queue one item at a time. A 'disputed' or
// 'uncertain' item is a (photo, class) pair: the workspace shows the photo with that class's
// attention map, and the person keeps the label the item proposes (the given label; for an unknown
// class, the model's side of the threshold), flips it, or skips the item. Each decision is a label
// a person sets (source human, one undoable action, as the workspace's own keys set them). A
// 'next' item is a whole photo: the workspace then moves through those photos in its usual way.
//
// The counters and the queue follow every label change, from any client: a decided item may leave
// its queue, and the item on show is found again by its photo and class.
import type { LabelState, OpOutput, ReviewItem, ReviewQueue } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { messageOf } from './errors';
import type { WorkspaceStore } from './workspace.svelte';

export type ReviewCounts = OpOutput<'reviewCounts'>;

export const reviewQueues: { queue: ReviewQueue; label: string; hint: string }[] = [
  { queue: 'disputed', label: 'Disputed', hint: 'labels the model contradicts, the likeliest wrong first' },
  { queue: 'uncertain', label: 'Uncertain', hint: 'unknown classes the model puts nearest their threshold' },
  { queue: 'next', label: 'Next', hint: 'unlabelled photos the model is least sure of, to label next' },
];

/** Items read at once (the contract's most): decided ones leave, so the page is read again as it goes. */
const pageSize = 500;

const keyOf = (item: { imageId: number; classId: number | null }) => `${item.imageId}:${item.classId}`;
const opposite = (state: LabelState): LabelState => (state === 'positive' ? 'negative' : 'positive');

export class ReviewStore {
  counts = $state.raw<ReviewCounts | null>(null);
  /** The queue under review; null when not reviewing. */
  queue = $state<ReviewQueue | null>(null);
  /** The queue's first items, in its order. */
  items = $state.raw<ReviewItem[]>([]);
  /** Items in the queue, read or not. */
  total = $state(0);
  index = $state(0);
  error = $state<string | null>(null);

  current = $derived<ReviewItem | null>(this.items[this.index] ?? null);
  /** Reviewing (photo, class) items: the review's keys decide them. */
  byClass = $derived(this.queue !== null && this.queue !== 'next');

  readonly #api: Api;
  readonly #workspace: WorkspaceStore;
  readonly #stopEvents: () => void;
  /** Bumped by every read of the queue, start and stop: only the latest answer counts. */
  #reads = 0;
  /**
   * Bumped as a project opens or closes: a count read for the project before (or a job of it ending
   * after it closed) never shows its answer or its error for the next one.
   */
  #projects = 0;
  #projectOpen = true;

  constructor(api: Api, workspace: WorkspaceStore) {
    this.#api = api;
    this.#workspace = workspace;
    this.#stopEvents = api.onEvent((event) => {
      if (event.type === 'project') {
        this.#projects += 1;
        this.#projectOpen = event.project !== null;
        this.stop();
        this.counts = null;
        this.error = null;
        void this.loadCounts();
      } else if (
        event.type === 'labels' ||
        event.type === 'classes' ||
        event.type === 'models' ||
        (event.type === 'job' && event.job.status !== 'running')
      ) {
        void this.loadCounts();
        if (this.byClass) void this.#reload();
      }
    });
  }

  /**
   * The label the current item proposes: the given one, or for an unknown class the side of the
   * threshold the model's probability is on.
   */
  get proposed(): LabelState | null {
    const item = this.current;
    if (!item || item.classId === null) return null;
    return item.given ?? (item.probability >= item.threshold ? 'positive' : 'negative');
  }

  async loadCounts(): Promise<void> {
    if (!this.#projectOpen) return;
    const project = this.#projects;
    try {
      const counts = await this.#api.reviewCounts({});
      if (project === this.#projects) this.counts = counts;
    } catch (error) {
      if (project === this.#projects) this.error = messageOf(error);
    }
  }

  /** Opens the workspace on the queue's first item; false when the queue is empty. */
  async start(queue: ReviewQueue): Promise<boolean> {
    const read = ++this.#reads;
    this.error = null;
    try {
      const { total, items } = await this.#api.listReviewQueue({ queue, limit: pageSize });
      if (read !== this.#reads) return false;
      this.total = total;
      if (items.length === 0) {
        this.error = `The ${queue} queue is empty`;
        return false;
      }
      this.queue = queue;
      this.items = items;
      this.index = 0;
      const photos = [...new Set(items.map((item) => item.imageId))];
      await this.#workspace.open(items[0]!.imageId, {}, photos);
      this.#showCurrent();
      return true;
    } catch (error) {
      this.error = messageOf(error);
      return false;
    }
  }

  stop(): void {
    this.#reads += 1;
    this.queue = null;
    this.items = [];
    this.total = 0;
    this.index = 0;
  }

  /**
   * Sets the label the item proposes, as a person's: the same state, now source human, settled
   * against the active version (a kept dispute leaves the disputed queue).
   */
  keep(): Promise<void> {
    return this.#decide((proposed) => proposed);
  }

  /** Sets the opposite of what the item proposes. */
  flip(): Promise<void> {
    return this.#decide(opposite);
  }

  /** The next item, leaving this one as it is. */
  skip(): void {
    this.#move(this.index + 1);
  }

  previous(): void {
    this.#move(this.index - 1);
  }

  /**
   * The workspace moved (Enter confirmed the photo and went on, an undo showed another photo, a
   * click): the review follows to that photo's first item, if the queue has one.
   */
  follow(): void {
    const imageId = this.#workspace.imageId;
    if (!this.byClass || imageId === null || this.current?.imageId === imageId) return;
    const at = this.items.findIndex((item) => item.imageId === imageId);
    if (at >= 0) this.#move(at);
  }

  dispose(): void {
    this.#stopEvents();
  }

  async #decide(state: (proposed: LabelState) => LabelState): Promise<void> {
    const item = this.current;
    const proposed = this.proposed;
    if (!this.byClass || !item || item.classId === null || !proposed) return;
    if (this.#workspace.imageId !== item.imageId) {
      // The workspace shows another photo: back to the item first, so the key never labels it.
      this.#showCurrent();
      this.#workspace.message = 'Back to the review item: decide it with C or F';
      return;
    }
    // The workspace takes the photo on show now, before the next item replaces it.
    const saved = this.#workspace.setLabel(item.classId, state(proposed), { reviewed: true });
    this.skip();
    await saved;
  }

  #move(index: number): void {
    if (index < 0 || index >= this.items.length) {
      this.#workspace.message =
        index < 0 ? 'The first item of the queue' : 'The last item read: the queue is read again';
      if (index >= this.items.length) void this.#reload(true);
      return;
    }
    this.index = index;
    this.#showCurrent();
  }

  #showCurrent(): void {
    const item = this.current;
    if (!item) return;
    this.#workspace.goTo(item.imageId);
    if (item.classId !== null) this.#workspace.selectClass(item.classId);
  }

  /**
   * Reads the queue again and finds the item on show in it (or, when it left, the one now at its
   * place); `fromTop`: start again at the first item (the end of the page was reached).
   */
  async #reload(fromTop = false): Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    const read = ++this.#reads;
    try {
      const { total, items } = await this.#api.listReviewQueue({ queue, limit: pageSize });
      if (read !== this.#reads) return;
      // The item on show now: the person may have moved on while the queue was read.
      const shown = this.current;
      this.total = total;
      this.items = items;
      const found = shown && !fromTop ? items.findIndex((item) => keyOf(item) === keyOf(shown)) : -1;
      // The workspace went to another photo meanwhile (an undo shows the photo it changed): its item.
      const photo = this.#workspace.imageId;
      const followed = photo === shown?.imageId ? -1 : items.findIndex((item) => item.imageId === photo);
      const index = fromTop
        ? 0
        : followed >= 0
          ? followed
          : found >= 0
            ? found
            : Math.min(this.index, items.length - 1);
      if (index < 0) {
        this.#workspace.message = `The ${queue} queue is empty`;
        return;
      }
      const moved = keyOf(items[index]!) !== (shown && keyOf(shown));
      this.index = index;
      if (moved) this.#showCurrent();
    } catch (error) {
      if (read === this.#reads) this.error = messageOf(error);
    }
  }
}
