// Where the workspace is among the photos it moves through: the order it was opened with (the
// grid's filter and sort, as listImageIds takes them), the photo on show, and the moves: previous,
// next, any photo, the next photo without labels. Every open and close starts a new session, and
// answers to an older one are dropped. Showing a photo is the workspace's: `show` reads its
// summary and maps, and has the photos next to it read ahead (`prefetch`).
import type { ImageFilter, ImageSort } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { messageOf } from '../errors';

/** Which photos the workspace moves through, and in what order (as listImageIds takes them). */
export interface WorkspaceOrder {
  filter?: ImageFilter;
  sort?: ImageSort;
}

/** Where the moves say what happened: the workspace's status line. */
export interface NavigationHost {
  message: string | null;
  error: string | null;
}

/** What the workspace does to show a photo, and to read the photos next to it. */
export interface NavigationHooks {
  /** Shows the photo: reads its summary and maps, and the photos next to it. */
  show(imageId: number): void;
  /** Has the photos next to the one on show read ahead. */
  prefetch(): void;
}

export class WorkspaceNavigation {
  isOpen = $state(false);
  /** The photo on show. */
  imageId = $state<number | null>(null);
  /** The photos to move through, in order. */
  ids = $state.raw<number[]>([]);

  index = $derived(this.imageId === null ? -1 : this.ids.indexOf(this.imageId));
  hasPrevious = $derived(this.index > 0);
  hasNext = $derived(this.index >= 0 && this.index < this.ids.length - 1);
  /** The photos next to the current one, to have ready before they are asked for. */
  neighbours = $derived(
    [this.ids[this.index + 1], this.ids[this.index - 1]].filter((id): id is number => id !== undefined),
  );

  readonly #api: Pick<Api, 'listImageIds'>;
  readonly #host: NavigationHost;
  readonly #hooks: NavigationHooks;
  #order: WorkspaceOrder = {};
  /** Bumped by every open and close: answers to an older one are dropped. */
  #session = 0;

  constructor(api: Pick<Api, 'listImageIds'>, host: NavigationHost, hooks: NavigationHooks) {
    this.#api = api;
    this.#host = host;
    this.#hooks = hooks;
  }

  /** The session open now (or the one closed last). */
  get session(): number {
    return this.#session;
  }

  /** Whether `session` is still the one open: false once the workspace was closed or opened again. */
  current(session: number): boolean {
    return session === this.#session;
  }

  /**
   * Starts a session on `imageId`, moving through the photos `order` selects; the order holds that
   * photo alone until it is read (`reloadIds`). The new session.
   */
  start(imageId: number, order: WorkspaceOrder): number {
    const session = ++this.#session;
    this.#order = order;
    this.isOpen = true;
    this.ids = [imageId];
    return session;
  }

  /** Ends the session: answers to it are dropped. */
  close(): void {
    this.#session += 1;
    this.isOpen = false;
  }

  /**
   * The photo to open `order` on: the first without a label (the first photo when every one has
   * some), with the order's photos; null when `order` selects no photo.
   */
  async first(order: WorkspaceOrder): Promise<{ imageId: number; ids: number[] } | null> {
    const [unlabelled, all] = await Promise.all([
      this.#api.listImageIds({ filter: { ...order.filter, unlabelled: true }, sort: order.sort }),
      this.#api.listImageIds({ filter: order.filter, sort: order.sort }),
    ]);
    const first = unlabelled.ids[0] ?? all.ids[0];
    return first === undefined ? null : { imageId: first, ids: all.ids };
  }

  /** Shows another photo of the order (or any photo, by id). */
  goTo(imageId: number): void {
    if (imageId === this.imageId) return;
    this.#hooks.show(imageId);
  }

  previous(): void {
    if (this.hasPrevious) this.goTo(this.ids[this.index - 1]!);
  }

  next(): void {
    if (this.hasNext) this.goTo(this.ids[this.index + 1]!);
  }

  /** The next photo after this one, in order, with no label at all; wraps around to the first. */
  async nextUnlabelled(): Promise<void> {
    const from = this.imageId;
    try {
      const { ids } = await this.#api.listImageIds({
        filter: { ...this.#order.filter, unlabelled: true },
        sort: this.#order.sort,
      });
      if (this.imageId !== from) return;
      const unlabelled = new Set(ids);
      const target = nextAfter(this.ids, this.index, unlabelled);
      if (target === undefined) {
        this.#host.message =
          from !== null && unlabelled.has(from)
            ? 'This is the last photo without labels'
            : 'Every photo has labels';
        return;
      }
      this.#host.message = null;
      this.goTo(target);
    } catch (error) {
      this.#host.error = messageOf(error);
    }
  }

  /** Reads the order's photos again; `known` is the list when the caller has just read it. */
  async reloadIds(session = this.#session, known?: number[]): Promise<void> {
    try {
      const ids =
        known ?? (await this.#api.listImageIds({ filter: this.#order.filter, sort: this.#order.sort })).ids;
      if (session !== this.#session) return;
      // The photo opened stays in the order even when the filter no longer selects it.
      const current = this.imageId;
      this.ids = current === null || ids.includes(current) ? ids : [current, ...ids];
      this.#hooks.prefetch();
    } catch (error) {
      if (session === this.#session) this.#host.error = messageOf(error);
    }
  }

  /** No photo on show, none to move through (the project closed). */
  forget(): void {
    this.imageId = null;
    this.ids = [];
  }
}

/**
 * The first of `ids` after the one at `index` that `wanted` holds, wrapping around to the start;
 * never the one at `index` itself. From before the first when `index` is -1.
 */
export function nextAfter(
  ids: readonly number[],
  index: number,
  wanted: ReadonlySet<number>,
): number | undefined {
  const at = Math.max(index, -1);
  const after = [...ids.slice(at + 1), ...ids.slice(0, Math.max(at, 0))];
  return after.find((id) => wanted.has(id));
}
