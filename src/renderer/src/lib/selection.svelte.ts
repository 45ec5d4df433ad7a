// The photos picked in the grid, and what can be done to all of them at once. A click picks one, a
// Ctrl/Cmd+click adds or removes one, a Shift+click picks the run from the last photo clicked;
// "select all" takes every photo the filter selects. Adding or removing a class over the selection
// is one label action: one Ctrl+Z undoes all of it. Moving the selection to a split is not a label
// action (no undo: moving the photos back is the same action).
//
// "Select the first N" takes the first photos of the grid's order (the most confident, sorted by
// confidence): the bar then says what confirming them would set, before it is done.
import type { ClassInfo, ConfirmPreview, LabelAction, Split } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { attempt } from './errors';
import { formatCount, plural } from './format';
import type { LibraryStore } from './library.svelte';

/** The most photo ids one call takes (the contract's limit). */
const maxIdsPerCall = 100_000;

export interface ClickModifiers {
  /** Ctrl (or Cmd on a Mac): add or remove this photo. */
  toggle?: boolean;
  /** Shift: the run from the anchor to this photo. */
  range?: boolean;
}

export class SelectionStore {
  /** The photos picked, by id; replaced (never changed in place) so that readers update. */
  ids = $state.raw<ReadonlySet<number>>(new Set());
  /** Where the next Shift+click's run starts: the last photo clicked without Shift. */
  anchor = $state<number | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  /** What the last bulk action did, in words. */
  done = $state<string | null>(null);
  /** Whether that action can be undone from here: label actions can, a move between splits not. */
  undoable = $state(false);
  /** What confirming the selection would set, as main counts it; null while unknown or empty. */
  preview = $state.raw<ConfirmPreview | null>(null);

  count = $derived(this.ids.size);

  readonly #api: Api;
  readonly #library: LibraryStore;
  readonly #stop: (() => void)[];
  /** Bumped whenever the selection is replaced, so a slow "select all" never lands on a newer one. */
  #version = 0;
  #previewsAsked = 0;

  constructor(api: Api, library: LibraryStore) {
    this.#api = api;
    this.#library = library;
    this.#stop = [
      library.onQueryChange(() => this.clear()),
      api.onEvent((event) => {
        if (event.type === 'project') this.clear();
        // Labels set anywhere change what confirming would still set.
        else if (event.type === 'labels' && event.imageIds.some((id) => this.ids.has(id))) {
          void this.#loadPreview();
        }
      }),
    ];
  }

  has(imageId: number): boolean {
    return this.ids.has(imageId);
  }

  /** A click on the photo at `index` (with its id), as the grid's modifiers say. */
  async click(index: number, imageId: number, modifiers: ClickModifiers = {}): Promise<void> {
    if (modifiers.range && this.anchor !== null) {
      const run = await this.#idsBetween(this.anchor, index);
      const base = modifiers.toggle ? this.ids : new Set<number>();
      this.#replace(new Set([...base, ...run]));
      return;
    }
    this.anchor = index;
    if (modifiers.toggle) {
      const next = new Set(this.ids);
      if (next.has(imageId)) next.delete(imageId);
      else next.add(imageId);
      this.#replace(next);
    } else {
      this.#replace(new Set([imageId]));
    }
  }

  /**
   * After the workspace: the selection follows the photo last viewed there, so that what the bar
   * does acts on it. It becomes the selection unless it is in it already (the selection it was
   * opened from then stays), and the anchor; a photo the grid's filter no longer shows clears the
   * selection. Resolves with the photo's index in the grid, -1 when it is not there.
   */
  async follow(imageId: number): Promise<number> {
    let index = this.#library.indexOf(imageId);
    if (index < 0) {
      try {
        index = (await this.#api.listImageIds(this.#library.query)).ids.indexOf(imageId);
      } catch {
        // The connection may be down (its banner says so): the selection is left as it is.
        return -1;
      }
    }
    if (index < 0) {
      this.clear();
      return -1;
    }
    if (!this.ids.has(imageId)) this.#replace(new Set([imageId]));
    this.anchor = index;
    return index;
  }

  /** Every photo the grid's filter selects. */
  async selectAll(): Promise<void> {
    const version = ++this.#version;
    const query = this.#library.query;
    await attempt(this, async () => {
      const { ids } = await this.#api.listImageIds(query);
      if (version === this.#version) this.#replace(new Set(ids));
    });
  }

  /** The first `count` photos of the grid's order, in its filter. */
  async selectFirst(count: number): Promise<void> {
    const version = ++this.#version;
    const query = this.#library.query;
    await attempt(this, async () => {
      const { ids } = await this.#api.listImageIds(query);
      if (version === this.#version) this.#replace(new Set(ids.slice(0, Math.max(0, count))));
    });
  }

  clear(): void {
    this.#replace(new Set());
    this.anchor = null;
    this.done = null;
    this.error = null;
  }

  /** Labels every selected photo positive for `item`: one undoable action. */
  add(item: ClassInfo): Promise<boolean> {
    return this.#label(item, 'positive', (n) => `Added ${item.name} to ${plural(n, 'photo')}`);
  }

  /** Makes `item` unknown again on every selected photo: one undoable action. */
  remove(item: ClassInfo): Promise<boolean> {
    return this.#label(item, null, (n) => `Removed ${item.name} from ${plural(n, 'photo')}`);
  }

  /**
   * Confirms every selected photo as its tile shows it: pre-labels positive, every other unknown
   * class negative. One undoable action.
   */
  async confirm(): Promise<boolean> {
    const ids = [...this.ids];
    if (ids.length === 0) return false;
    return this.#run(async () => {
      const action = await this.#api.confirmPhotos({ imageIds: ids });
      this.done = `Confirmed ${plural(ids.length, 'photo')} (${plural(action.changed, 'label')} set)`;
      this.undoable = true;
    });
  }

  /** Moves every selected photo to `split` ('none': out of any split). */
  async moveToSplit(split: Split): Promise<boolean> {
    const ids = [...this.ids];
    if (ids.length === 0) return false;
    return this.#run(async () => {
      let changed = 0;
      for (let start = 0; start < ids.length; start += maxIdsPerCall) {
        const imageIds = ids.slice(start, start + maxIdsPerCall);
        changed += (await this.#api.setSplit({ imageIds, split })).changed;
      }
      const where = split === 'none' ? 'out of their splits' : `to ${split}`;
      const already = ids.length - changed;
      this.done =
        `Moved ${plural(changed, 'photo')} ${where}` +
        (already > 0 ? ` (${formatCount(already)} already there)` : '');
      this.undoable = false;
    });
  }

  /** Undoes the last label action (the bulk action just done, unless another came since). */
  async undo(): Promise<LabelAction | null> {
    let action: LabelAction | null = null;
    await attempt(this, async () => {
      action = await this.#api.undo({});
      this.done = null;
    });
    return action;
  }

  dispose(): void {
    for (const stop of this.#stop) stop();
  }

  #replace(ids: Set<number>): void {
    this.#version += 1;
    this.ids = ids;
    void this.#loadPreview();
  }

  /** Asks main what confirming the selection would set; only the latest answer counts. */
  async #loadPreview(): Promise<void> {
    const asked = ++this.#previewsAsked;
    const ids = [...this.ids];
    this.preview = null;
    if (ids.length === 0 || ids.length > maxIdsPerCall) return;
    try {
      const preview = await this.#api.previewConfirm({ imageIds: ids });
      if (asked === this.#previewsAsked) this.preview = preview;
    } catch {
      // Only a hint: the confirmation itself says what went wrong, if it does.
    }
  }

  async #label(
    item: ClassInfo,
    state: 'positive' | null,
    says: (photos: number) => string,
  ): Promise<boolean> {
    const ids = [...this.ids];
    if (ids.length === 0) return false;
    return this.#run(async () => {
      await this.#api.setLabels({
        changes: ids.map((imageId) => ({ imageId, classId: item.id, state })),
        description: `${state ? 'add' : 'remove'} "${item.name}" ${state ? 'to' : 'from'} ${plural(ids.length, 'photo')}`,
      });
      this.done = says(ids.length);
      this.undoable = true;
    });
  }

  /** Runs one bulk action: busy while it runs, its error kept; true when it went through. */
  #run(action: () => Promise<void>): Promise<boolean> {
    this.done = null;
    return attempt(this, action);
  }

  /** The ids of the photos from index `a` to `b`, inclusive, in the grid's order. */
  async #idsBetween(a: number, b: number): Promise<number[]> {
    const [from, to] = a <= b ? [a, b] : [b, a];
    const loaded: number[] = [];
    for (let index = from; index <= to; index += 1) {
      const image = this.#library.imageAt(index);
      if (!image) break;
      loaded.push(image.id);
    }
    if (loaded.length === to - from + 1) return loaded;
    // Part of the run is not loaded (a long Shift+click across the library): ask for every id.
    const { ids } = await this.#api.listImageIds(this.#library.query);
    return ids.slice(from, to + 1);
  }
}
