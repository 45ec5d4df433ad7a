// The labeling workspace: one photo at a time, its labels and the model's pre-labels and class maps,
// moving through the photos in the order the workspace was opened with (the grid's filter and sort).
//
// Every label command goes straight to the API, one request per key press, in the order pressed;
// the photo's labels then follow the answer, and `labels` events from any client. `commits`
// counts the label requests answered (their changes are in the database by then), for the
// workspace's `data-label-committed` timing hook.
//
// Others open the workspace through `open(imageId, order)`; the grid finds the store with
// `getWorkspaceContext()`.
import { getContext, setContext } from 'svelte';
import type {
  ClassInfo,
  ImageFilter,
  ImageSort,
  ImageSummary,
  Label,
  LabelAction,
  LabelState,
} from '$shared/contract';
import { preLabelProbability, shownState } from '$shared/labels';
import { ApiError, type Api } from '$shared/rpc';
import { ClassMapCache, type ClassMap } from './attention-overlay';
import { messageOf } from './errors';
import { plural } from './format';
import type { KeyTarget } from './keymap';

/** Which photos the workspace moves through, and in what order (as listImageIds takes them). */
export interface WorkspaceOrder {
  filter?: ImageFilter;
  sort?: ImageSort;
}

/** What the side panel shows for one class on the current photo. */
export interface ClassRow {
  item: ClassInfo;
  /** The label on the photo; null while the class is unknown. */
  label: Label | null;
  /** The model's probability; null before pre-labeling (or for a class the model cannot see). */
  probability: number | null;
  /** Unknown, and the model's probability reaches the class's threshold: what 'accept' labels. */
  preLabel: boolean;
  hasMap: boolean;
}

/** Where the model sees a class most, in fractions of the photo from its top-left corner. */
export interface Peak {
  classId: number;
  name: string;
  color: string;
  probability: number;
  x: number;
  y: number;
}

/** A switch the stage is to show: when it started (performance.now()), and what changed. */
export interface SwitchMark {
  kind: 'photo' | 'class';
  at: number;
}

export interface WorkspaceOptions {
  /** Where the photos' class maps are kept (the pre-label store's); the store keeps its own unless given one. */
  classMaps?: ClassMapCache;
  /** Where the auto-advance choice is remembered; localStorage unless given (null: nowhere). */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
}

export const autoAdvanceKey = 'csra-studio.workspace.autoAdvance';
/** Photo summaries and class maps kept, the ones seen last. */
const cacheSize = 48;

// Zoom and fit are the stage's; the review's keys are the review store's (review.svelte.ts).
export class WorkspaceStore implements Omit<KeyTarget, 'zoom' | 'fit' | 'keepLabel' | 'flipLabel'> {
  isOpen = $state(false);
  /** The photo on show. */
  imageId = $state<number | null>(null);
  /** Its summary (labels, predictions); null until read. */
  image = $state.raw<ImageSummary | null>(null);
  /** The project's classes, in their order. */
  classes = $state.raw<ClassInfo[]>([]);
  /** The photos to move through, in order. */
  ids = $state.raw<number[]>([]);
  /** The current photo's class maps, strongest class first, once read (`mapsFor` says for which). */
  maps = $state.raw<ClassMap[]>([]);
  mapsFor = $state<number | null>(null);
  /** The class whose map the person chose last; kept from photo to photo. */
  chosenClassId = $state<number | null>(null);
  overlay = $state(true);
  opacity = $state(0.55);
  allClasses = $state(false);
  helpOpen = $state(false);
  autoAdvance = $state(false);
  /** Label requests answered, all told. */
  commits = $state(0);
  /** Label requests sent and not answered yet. */
  pending = $state(0);
  /** What the last command did, in words. */
  message = $state<string | null>(null);
  error = $state<string | null>(null);

  index = $derived(this.imageId === null ? -1 : this.ids.indexOf(this.imageId));
  hasPrevious = $derived(this.index > 0);
  hasNext = $derived(this.index >= 0 && this.index < this.ids.length - 1);
  /** The photos next to the current one, to have ready before they are asked for. */
  neighbours = $derived(
    [this.ids[this.index + 1], this.ids[this.index - 1]].filter((id): id is number => id !== undefined),
  );
  /** The map on show: the chosen class's, or the strongest class's when the photo has none for it. */
  selectedMap = $derived(this.maps.find((map) => map.classId === this.chosenClassId) ?? this.maps[0] ?? null);
  rows = $derived.by((): ClassRow[] => {
    const image = this.image;
    const labels = new Map((image?.labels ?? []).map((label) => [label.classId, label]));
    const probabilities = new Map((image?.predictions ?? []).map((p) => [p.classId, p.probability]));
    const mapped = new Set(this.maps.map((map) => map.classId));
    return this.classes.map((item) => ({
      item,
      label: labels.get(item.id) ?? null,
      probability: probabilities.get(item.id) ?? null,
      preLabel: image !== null && preLabelProbability(image, item) !== null,
      hasMap: mapped.has(item.id),
    }));
  });
  /** The peaks "all classes" marks: classes at or above their threshold only, as a weak one reads as a find. */
  peaks = $derived.by((): Peak[] => {
    const byId = new Map(this.classes.map((item) => [item.id, item]));
    return this.maps.flatMap((map) => {
      const item = byId.get(map.classId);
      return item && map.probability >= item.threshold
        ? [
            {
              classId: item.id,
              name: item.name,
              color: item.color,
              probability: map.probability,
              ...peakOf(map),
            },
          ]
        : [];
    });
  });

  /** The last switch of photo or class the stage has not shown yet (read and cleared by the stage). */
  switchMark: SwitchMark | null = null;

  readonly #api: Api;
  readonly #storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  readonly #classMaps: ClassMapCache;
  readonly #stopEvents: () => void;
  #order: WorkspaceOrder = {};
  /** Photo summaries read, by id, most recently used last. */
  readonly #images = new Map<number, ImageSummary>();
  /** Bumped by every read and change of a photo's summary, so an older answer never wins. */
  readonly #versions = new Map<number, number>();
  /** Label requests run one after the other, in the order of the keys. */
  #queue: Promise<void> = Promise.resolve();
  /** Bumped by every open and close: answers to an older one are dropped. */
  #session = 0;

  constructor(api: Api, options: WorkspaceOptions = {}) {
    this.#api = api;
    this.#storage = options.storage === undefined ? defaultStorage() : options.storage;
    this.#classMaps = options.classMaps ?? new ClassMapCache(api, cacheSize);
    this.autoAdvance = this.#storage?.getItem(autoAdvanceKey) === 'true';
    this.#stopEvents = api.onEvent((event) => {
      if (event.type === 'project') {
        this.close();
        this.#forget();
        this.classes = [];
      } else if (event.type === 'classes') {
        if (this.isOpen) void this.#reloadClasses();
      } else if (event.type === 'labels' || event.type === 'photos') {
        // The photo on show and those next to it are read again at once; others when they are shown.
        const near = new Set(this.neighbours);
        for (const id of event.imageIds) {
          if (id === this.imageId || (near.has(id) && this.#images.has(id))) void this.#refresh(id);
          else this.#images.delete(id);
        }
      } else if (event.type === 'models') {
        // Another version is active: its predictions and maps are the ones to show.
        this.#classMaps.clear();
        this.#images.clear();
        if (this.isOpen && this.imageId !== null) this.#show(this.imageId, false);
      } else if (event.type !== 'job') {
        return;
      } else if (event.job.kind === 'prelabel') {
        if (event.job.status !== 'running') {
          // A run that stopped may have predicted photos again: read them again as they come.
          this.#classMaps.clear();
          this.#images.clear();
          if (this.isOpen && this.imageId !== null) this.#show(this.imageId, false);
        } else if (this.isOpen && this.imageId !== null && this.image?.predictions.length === 0) {
          // Pre-labeling goes on while the person labels: the photo's predictions may have come.
          this.#show(this.imageId, false);
        }
      } else if (event.job.status !== 'running' && this.isOpen) {
        // An import stopped: photos it added join the order.
        void this.#reloadIds();
      }
    });
  }

  /**
   * Opens the workspace on a photo, moving through the photos `order` selects: `ids` when the
   * caller has just read them, else read here.
   */
  async open(imageId: number, order: WorkspaceOrder = {}, ids?: number[]): Promise<void> {
    const session = ++this.#session;
    this.#order = order;
    this.isOpen = true;
    this.error = null;
    this.message = null;
    this.ids = [imageId];
    this.#show(imageId);
    await Promise.all([this.#reloadClasses(session), this.#reloadIds(session, ids)]);
  }

  /**
   * Opens the workspace on the first photo without a label (the first photo when every one has
   * some); false when `order` selects no photo.
   */
  async openFirst(order: WorkspaceOrder = {}): Promise<boolean> {
    try {
      const [unlabelled, all] = await Promise.all([
        this.#api.listImageIds({ filter: { ...order.filter, unlabelled: true }, sort: order.sort }),
        this.#api.listImageIds({ filter: order.filter, sort: order.sort }),
      ]);
      const first = unlabelled.ids[0] ?? all.ids[0];
      if (first === undefined) {
        this.error = 'No photos to label: import a folder first.';
        return false;
      }
      await this.open(first, order, all.ids);
      return true;
    } catch (error) {
      this.error = messageOf(error);
      return false;
    }
  }

  close(): void {
    this.#session += 1;
    this.isOpen = false;
    this.helpOpen = false;
  }

  /** Shows another photo of the order (or any photo, by id). */
  goTo(imageId: number): void {
    if (imageId === this.imageId) return;
    this.#show(imageId);
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
      const order = this.ids;
      const at = Math.max(this.index, -1);
      const after = [...order.slice(at + 1), ...order.slice(0, Math.max(at, 0))];
      const target = after.find((id) => unlabelled.has(id));
      if (target === undefined) {
        this.message =
          from !== null && unlabelled.has(from)
            ? 'This is the last photo without labels'
            : 'Every photo has labels';
        return;
      }
      this.message = null;
      this.goTo(target);
    } catch (error) {
      this.error = messageOf(error);
    }
  }

  /**
   * The class hotkey flips what the photo shows: a positive label or a pre-label becomes negative,
   * anything else positive. So a wrong pre-label takes one key, and confirming keeps the rest.
   */
  toggleClass(classId: number): Promise<void> {
    return this.#labelPhoto(async (imageId) => {
      const image = await this.#summary(imageId);
      await this.#set(
        imageId,
        classId,
        shownState(image, this.classes, classId) === 'positive' ? 'negative' : 'positive',
      );
    });
  }

  /**
   * Sets one class on the current photo (null: unknown again); `reviewed` when decided in review
   * with the model's probability in view, which settles it against the active version.
   */
  setLabel(classId: number, state: LabelState | null, { reviewed = false } = {}): Promise<void> {
    return this.#labelPhoto((imageId) => this.#set(imageId, classId, state, reviewed));
  }

  /** Labels every pre-label of the photo positive; then moves on when auto-advance is on. */
  accept(): Promise<void> {
    return this.#labelPhoto(async (imageId) => {
      const answer = await this.#api.acceptPredictions({ imageIds: [imageId] });
      this.#committed();
      this.message =
        answer.changed === 0 ? 'No pre-labels to accept' : `Accepted ${plural(answer.changed, 'pre-label')}`;
      await this.#refresh(imageId);
      if (this.autoAdvance && this.imageId === imageId) this.next();
    });
  }

  /**
   * The photo is done as shown: its pre-labels become positive and every other unknown class
   * negative (one undoable action); then the next photo.
   */
  confirm(): Promise<void> {
    return this.#labelPhoto(async (imageId) => {
      const image = await this.#summary(imageId);
      const positives = this.classes.filter(
        (item) => shownState(image, this.classes, item.id) === 'positive',
      );
      await this.#api.confirmPhotos({ imageIds: [imageId] });
      this.#committed();
      // Read again when shown again; the next photo does not wait for it.
      this.#bump(imageId);
      this.#images.delete(imageId);
      const names = positives.map((item) => item.name).join(', ') || 'no class';
      this.message = `Confirmed ${image.name}: ${names}`;
      if (this.imageId !== imageId) return;
      if (this.hasNext) this.next();
      else {
        this.message += ' — the last photo';
        void this.#refresh(imageId);
      }
    });
  }

  /** Marks every class still unknown on the photo negative. */
  rejectRest(): Promise<void> {
    return this.#labelPhoto(async (imageId) => {
      const answer = await this.#api.rejectUnlabelled({ imageIds: [imageId] });
      this.#committed();
      this.message =
        answer.changed === 0
          ? 'No class left unknown'
          : `Marked ${plural(answer.changed, 'class', 'classes')} negative`;
      await this.#refresh(imageId);
    });
  }

  undo(): Promise<void> {
    return this.#labelCommand(() => this.#replay('undo'));
  }

  redo(): Promise<void> {
    return this.#labelCommand(() => this.#replay('redo'));
  }

  /** Shows `classId`'s map (and the overlay, when it was off). */
  selectClass(classId: number): void {
    if (this.chosenClassId !== classId || !this.overlay || this.allClasses) this.#mark('class');
    this.chosenClassId = classId;
    this.overlay = true;
    this.allClasses = false;
  }

  /** Shows the map of the next (or previous) class that has one, strongest first. */
  cycleMap(step: 1 | -1): void {
    if (this.maps.length === 0) {
      // Without a word ↓/↑ would look broken on a photo that has no maps.
      this.message =
        this.mapsFor === this.imageId
          ? 'No class maps for this photo yet: pre-label it to see where each class is'
          : 'Class maps are still loading';
      return;
    }
    const at = this.maps.findIndex((map) => map.classId === this.selectedMap?.classId);
    this.selectClass(this.maps[(at + step + this.maps.length) % this.maps.length]!.classId);
  }

  toggleOverlay(): void {
    this.#mark('class');
    this.overlay = !this.overlay;
    if (this.overlay) this.allClasses = false;
  }

  toggleAllClasses(): void {
    this.#mark('class');
    this.allClasses = !this.allClasses;
  }

  toggleHelp(): void {
    this.helpOpen = !this.helpOpen;
  }

  escape(): void {
    if (this.helpOpen) this.helpOpen = false;
    else this.close();
  }

  setAutoAdvance(on: boolean): void {
    this.autoAdvance = on;
    try {
      this.#storage?.setItem(autoAdvanceKey, String(on));
    } catch {
      // A full or disabled storage forgets the choice; the workspace still follows it.
    }
  }

  /** The state of a class on the current photo (null: unknown). */
  stateOf(classId: number): LabelState | null {
    return this.image?.labels.find((label) => label.classId === classId)?.state ?? null;
  }

  dispose(): void {
    this.#stopEvents();
    this.close();
  }

  #show(imageId: number, mark = true): void {
    if (mark) this.#mark('photo');
    this.imageId = imageId;
    const cached = this.#images.get(imageId);
    this.image = cached ?? null;
    if (this.mapsFor !== imageId) this.maps = [];
    this.mapsFor = null;
    // Read again even when cached: another window may have changed it. The cached copy shows meanwhile.
    void this.#refresh(imageId);
    void this.#loadMaps(imageId);
    this.#prefetch();
  }

  /** Has the photos next to the current one read before they are asked for. */
  #prefetch(): void {
    for (const id of this.neighbours) {
      if (!this.#images.has(id)) void this.#refresh(id);
      this.#classMaps.get(id).catch(() => {});
    }
  }

  async #loadMaps(imageId: number): Promise<void> {
    let maps: ClassMap[] = [];
    try {
      maps = await this.#classMaps.get(imageId);
    } catch (error) {
      // Not predicted yet: no maps to show. Anything else is worth saying.
      if (!(error instanceof ApiError && error.code === 'not_found') && this.imageId === imageId) {
        this.error = messageOf(error);
      }
    }
    if (this.imageId !== imageId) return;
    this.maps = maps;
    this.mapsFor = imageId;
  }

  /** Reads a photo's summary; the answer counts only if nothing changed the photo since. */
  async #refresh(imageId: number): Promise<ImageSummary | null> {
    const version = this.#bump(imageId);
    try {
      const image = await this.#api.getImage({ imageId });
      if (this.#versions.get(imageId) !== version) return null;
      this.#keep(image);
      // Predictions came since the maps were asked for: ask again.
      if (imageId === this.imageId && this.mapsFor === imageId && this.maps.length === 0) {
        if (image.predictions.length > 0) void this.#loadMaps(imageId);
      }
      return image;
    } catch (error) {
      if (this.#versions.get(imageId) === version && imageId === this.imageId) this.error = messageOf(error);
      return null;
    }
  }

  /** The photo's summary as last read, reading it when it was not. */
  async #summary(imageId: number): Promise<ImageSummary> {
    const cached = this.#images.get(imageId);
    if (cached) return cached;
    const image = await this.#api.getImage({ imageId });
    this.#keep(image);
    return image;
  }

  #keep(image: ImageSummary): void {
    this.#images.delete(image.id);
    this.#images.set(image.id, image);
    if (this.#images.size > cacheSize) this.#images.delete(this.#images.keys().next().value!);
    if (image.id === this.imageId) this.image = image;
  }

  #bump(imageId: number): number {
    const version = (this.#versions.get(imageId) ?? 0) + 1;
    this.#versions.set(imageId, version);
    return version;
  }

  async #set(imageId: number, classId: number, state: LabelState | null, reviewed = false): Promise<void> {
    const name = this.classes.find((item) => item.id === classId)?.name ?? `class ${classId}`;
    await this.#api.setLabels({
      changes: [{ imageId, classId, state }],
      description: `${name}: ${state ?? 'unknown'}`,
      ...(reviewed ? { reviewed } : {}),
    });
    this.#committed();
    // The answer says it is done: the photo shows it now, without another read.
    const image = this.#images.get(imageId);
    if (image) {
      this.#bump(imageId);
      const labels = image.labels.filter((label) => label.classId !== classId);
      if (state) labels.push({ classId, state, source: 'human' });
      this.#keep({ ...image, labels });
    } else {
      await this.#refresh(imageId);
    }
    this.message = `${name}: ${state ?? 'unknown'}`;
  }

  async #replay(direction: 'undo' | 'redo'): Promise<void> {
    const answer: LabelAction | null = await this.#api[direction]({});
    this.#committed();
    if (!answer) {
      this.message = direction === 'undo' ? 'Nothing to undo' : 'Nothing to redo';
      return;
    }
    this.message = `${direction === 'undo' ? 'Undid' : 'Redid'}: ${answer.description}`;
    for (const id of answer.imageIds) if (id !== this.imageId) this.#images.delete(id);
    const current = this.imageId;
    if (current !== null && answer.imageIds.includes(current)) {
      await this.#refresh(current);
    } else if (answer.imageIds.length === 1 && this.ids.includes(answer.imageIds[0]!)) {
      // A change to another photo: show it, so the person sees what came back.
      this.goTo(answer.imageIds[0]!);
    }
  }

  /** Queues a label command on the photo on show when the key was pressed (none: nothing to do). */
  #labelPhoto(command: (imageId: number) => Promise<void>): Promise<void> {
    const imageId = this.imageId;
    return imageId === null ? Promise.resolve() : this.#labelCommand(() => command(imageId));
  }

  #labelCommand(command: () => Promise<void>): Promise<void> {
    this.pending += 1;
    const run = this.#queue
      .then(command)
      .then(() => {
        this.error = null;
      })
      .catch((error: unknown) => {
        this.error = messageOf(error);
      })
      .finally(() => {
        this.pending -= 1;
      });
    this.#queue = run;
    return run;
  }

  #committed(): void {
    this.commits += 1;
  }

  #mark(kind: SwitchMark['kind']): void {
    this.switchMark = { kind, at: performance.now() };
  }

  async #reloadClasses(session = this.#session): Promise<void> {
    try {
      const classes = await this.#api.listClasses({});
      if (session !== this.#session) return;
      this.classes = classes;
      // Thresholds and which classes the model predicts follow the classes.
      if (this.imageId !== null) {
        this.#images.clear();
        await this.#refresh(this.imageId);
      }
    } catch (error) {
      if (session === this.#session) this.error = messageOf(error);
    }
  }

  /** Reads the order's photos again; `known` is the list when the caller has just read it. */
  async #reloadIds(session = this.#session, known?: number[]): Promise<void> {
    try {
      const ids =
        known ?? (await this.#api.listImageIds({ filter: this.#order.filter, sort: this.#order.sort })).ids;
      if (session !== this.#session) return;
      // The photo opened stays in the order even when the filter no longer selects it.
      const current = this.imageId;
      this.ids = current === null || ids.includes(current) ? ids : [current, ...ids];
      this.#prefetch();
    } catch (error) {
      if (session === this.#session) this.error = messageOf(error);
    }
  }

  #forget(): void {
    this.#images.clear();
    this.#classMaps.clear();
    this.imageId = null;
    this.image = null;
    this.maps = [];
    this.mapsFor = null;
    this.ids = [];
  }
}

/** The strongest cell of a class map: its centre, in fractions of the photo. */
export function peakOf(map: ClassMap): { x: number; y: number } {
  let at = 0;
  for (let i = 1; i < map.values.length; i += 1) if (map.values[i]! > map.values[at]!) at = i;
  return { x: ((at % map.size) + 0.5) / map.size, y: (Math.floor(at / map.size) + 0.5) / map.size };
}

function defaultStorage(): Pick<Storage, 'getItem' | 'setItem'> | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

const contextKey = Symbol('workspace');

/** Makes the workspace store reachable from every component below (App calls it). */
export function setWorkspaceContext(store: WorkspaceStore): WorkspaceStore {
  return setContext(contextKey, store);
}

/** The workspace store App set, to open the workspace on a photo: `open(imageId, order)`. */
export function getWorkspaceContext(): WorkspaceStore | undefined {
  return getContext<WorkspaceStore | undefined>(contextKey);
}
