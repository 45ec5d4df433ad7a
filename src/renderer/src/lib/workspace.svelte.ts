// The labeling workspace: one photo at a time, its labels and the model's pre-labels and class maps,
// moving through the photos in the order the workspace was opened with (the grid's filter and sort).
//
// WorkspaceStore is the one store the components use. It puts together the parts in workspace/:
//   navigation.svelte.ts      the order, the photo on show, and the moves through the order
//   label-commands.svelte.ts  the keys' label commands: one request each, in the order pressed
//   photo-prefetch.ts         the photos' summaries and class maps read, and those read ahead
//   overlay.svelte.ts         the class-map overlay: the chosen class, ↓/↑, the peaks of all classes
//   class-rows.ts             the label panel's row for each class
//   switch-mark.ts            the switch of photo or class the stage times
// and holds what they share: the classes, the summary of the photo on show, the status line
// (message, error), the help sheet and the auto-advance choice. It shows a photo (its summary, its
// maps, its neighbours read ahead), and follows the API's events: `labels` events from any client,
// new classes, models and pre-label runs, the project closing.
//
// Others open the workspace through `open(imageId, order)`; the grid finds the store with
// `getWorkspaceContext()`.
import { getContext, setContext } from 'svelte';
import type { ClassInfo, ImageSummary, LabelState } from '$shared/contract';
import type { Api, ApiEvent } from '$shared/rpc';
import type { ClassMap, ClassMapCache } from './attention-overlay';
import { messageOf } from './errors';
import type { KeyTarget } from './keymap';
import { classRows, type ClassRow } from './workspace/class-rows';
import { LabelCommands } from './workspace/label-commands.svelte';
import { WorkspaceNavigation, type WorkspaceOrder } from './workspace/navigation.svelte';
import { ClassMapOverlay, type Peak } from './workspace/overlay.svelte';
import { PhotoPrefetch } from './workspace/photo-prefetch';
import { markSwitch, type SwitchMark } from './workspace/switch-mark';

export type { ClassRow } from './workspace/class-rows';
export type { WorkspaceOrder } from './workspace/navigation.svelte';
export { peakOf, type Peak } from './workspace/overlay.svelte';
export type { SwitchMark } from './workspace/switch-mark';

export interface WorkspaceOptions {
  /** Where the photos' class maps are kept (the pre-label store's); the store keeps its own unless given one. */
  classMaps?: ClassMapCache;
  /** Where the auto-advance choice is remembered; localStorage unless given (null: nowhere). */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
}

export const autoAdvanceKey = 'csra-studio.workspace.autoAdvance';
/** Photo summaries and class maps kept, the ones seen last. */
const cacheSize = 48;

/**
 * The keys' commands the store runs: zoom and fit are the stage's; the review's keys are the review
 * store's (review.svelte.ts). A label command gives its request's promise; a key need not wait for it.
 */
type WorkspaceKeys = {
  [K in Exclude<keyof KeyTarget, 'zoom' | 'fit' | 'keepLabel' | 'flipLabel'>]: (
    ...args: Parameters<KeyTarget[K]>
  ) => unknown;
};

export class WorkspaceStore implements WorkspaceKeys {
  /** The summary of the photo on show (labels, predictions); null until read. */
  image = $state.raw<ImageSummary | null>(null);
  /** The project's classes, in their order. */
  classes = $state.raw<ClassInfo[]>([]);
  helpOpen = $state(false);
  autoAdvance = $state(false);
  /** What the last command did, in words. */
  message = $state<string | null>(null);
  error = $state<string | null>(null);
  /** The last switch of photo or class the stage has not shown yet (read and cleared by the stage). */
  switchMark: SwitchMark | null = null;

  rows = $derived.by((): ClassRow[] => classRows(this.image, this.classes, this.maps));

  readonly #api: Api;
  readonly #storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  readonly #photos: PhotoPrefetch;
  readonly #navigation: WorkspaceNavigation;
  readonly #overlay: ClassMapOverlay;
  readonly #commands: LabelCommands;
  readonly #stopEvents: () => void;

  constructor(api: Api, options: WorkspaceOptions = {}) {
    this.#api = api;
    this.#storage = options.storage === undefined ? defaultStorage() : options.storage;
    this.#photos = new PhotoPrefetch(api, {
      size: cacheSize,
      classMaps: options.classMaps,
      kept: (image) => {
        if (image.id === this.imageId) this.image = image;
      },
      // Predictions came since the maps were asked for: ask again.
      read: (image) => this.#overlay.summaryRead(image),
      failed: (imageId, error) => {
        if (imageId === this.imageId) this.error = messageOf(error);
      },
    });
    this.#navigation = new WorkspaceNavigation(api, this, {
      show: (imageId) => this.#show(imageId),
      prefetch: () => this.#photos.prefetch(this.neighbours),
    });
    this.#overlay = new ClassMapOverlay(this.#photos.classMaps, this);
    this.#commands = new LabelCommands(api, this.#photos, this);
    this.autoAdvance = this.#storage?.getItem(autoAdvanceKey) === 'true';
    this.#stopEvents = api.onEvent((event) => this.#follow(event));
  }

  // Where the workspace is: navigation.svelte.ts.
  get isOpen(): boolean {
    return this.#navigation.isOpen;
  }
  /** The photo on show. */
  get imageId(): number | null {
    return this.#navigation.imageId;
  }
  /** The photos to move through, in order. */
  get ids(): number[] {
    return this.#navigation.ids;
  }
  get index(): number {
    return this.#navigation.index;
  }
  get hasPrevious(): boolean {
    return this.#navigation.hasPrevious;
  }
  get hasNext(): boolean {
    return this.#navigation.hasNext;
  }
  /** The photos next to the current one, to have ready before they are asked for. */
  get neighbours(): number[] {
    return this.#navigation.neighbours;
  }

  // The class-map overlay: overlay.svelte.ts.
  /** The current photo's class maps, strongest class first, once read (`mapsFor` says for which). */
  get maps(): ClassMap[] {
    return this.#overlay.maps;
  }
  get mapsFor(): number | null {
    return this.#overlay.mapsFor;
  }
  /** The class whose map the person chose last; kept from photo to photo. */
  get chosenClassId(): number | null {
    return this.#overlay.chosenClassId;
  }
  get overlay(): boolean {
    return this.#overlay.overlay;
  }
  get opacity(): number {
    return this.#overlay.opacity;
  }
  set opacity(opacity: number) {
    this.#overlay.opacity = opacity;
  }
  get allClasses(): boolean {
    return this.#overlay.allClasses;
  }
  /** The map on show: the chosen class's, or the strongest class's when the photo has none for it. */
  get selectedMap(): ClassMap | null {
    return this.#overlay.selectedMap;
  }
  /** The peaks "all classes" marks: classes at or above their threshold only. */
  get peaks(): Peak[] {
    return this.#overlay.peaks;
  }

  // The label commands: label-commands.svelte.ts.
  /** Label requests answered, all told. */
  get commits(): number {
    return this.#commands.commits;
  }
  /** Label requests sent and not answered yet. */
  get pending(): number {
    return this.#commands.pending;
  }

  /**
   * Opens the workspace on a photo, moving through the photos `order` selects: `ids` when the
   * caller has just read them, else read here.
   */
  async open(imageId: number, order: WorkspaceOrder = {}, ids?: number[]): Promise<void> {
    const session = this.#navigation.start(imageId, order);
    this.error = null;
    this.message = null;
    this.#show(imageId);
    await Promise.all([this.#reloadClasses(session), this.#navigation.reloadIds(session, ids)]);
  }

  /**
   * Opens the workspace on the first photo without a label (the first photo when every one has
   * some); false when `order` selects no photo.
   */
  async openFirst(order: WorkspaceOrder = {}): Promise<boolean> {
    try {
      const first = await this.#navigation.first(order);
      if (first === null) {
        this.error = 'No photos to label: import a folder first.';
        return false;
      }
      await this.open(first.imageId, order, first.ids);
      return true;
    } catch (error) {
      this.error = messageOf(error);
      return false;
    }
  }

  close(): void {
    this.#navigation.close();
    this.helpOpen = false;
  }

  /** Shows another photo of the order (or any photo, by id). */
  goTo(imageId: number): void {
    this.#navigation.goTo(imageId);
  }

  previous(): void {
    this.#navigation.previous();
  }

  next(): void {
    this.#navigation.next();
  }

  /** The next photo after this one, in order, with no label at all; wraps around to the first. */
  nextUnlabelled(): Promise<void> {
    return this.#navigation.nextUnlabelled();
  }

  /** Flips what the photo shows for the class: positive (a label or a pre-label) to negative, else positive. */
  toggleClass(classId: number): Promise<void> {
    return this.#commands.toggleClass(classId);
  }

  /** Sets one class on the current photo (null: unknown again); `reviewed` when decided in review. */
  setLabel(classId: number, state: LabelState | null, { reviewed = false } = {}): Promise<void> {
    return this.#commands.setLabel(classId, state, { reviewed });
  }

  /** Labels every pre-label of the photo positive; then moves on when auto-advance is on. */
  accept(): Promise<void> {
    return this.#commands.accept();
  }

  /** The photo is done as shown: pre-labels positive, every other unknown class negative; then the next. */
  confirm(): Promise<void> {
    return this.#commands.confirm();
  }

  /** Marks every class still unknown on the photo negative. */
  rejectRest(): Promise<void> {
    return this.#commands.rejectRest();
  }

  undo(): Promise<void> {
    return this.#commands.undo();
  }

  redo(): Promise<void> {
    return this.#commands.redo();
  }

  /** Shows `classId`'s map (and the overlay, when it was off). */
  selectClass(classId: number): void {
    this.#overlay.selectClass(classId);
  }

  /** Shows the map of the next (or previous) class that has one, strongest first. */
  cycleMap(step: 1 | -1): void {
    this.#overlay.cycleMap(step);
  }

  toggleOverlay(): void {
    this.#overlay.toggleOverlay();
  }

  toggleAllClasses(): void {
    this.#overlay.toggleAllClasses();
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

  /** Follows what any client and the studio change: labels, classes, models, jobs, the project. */
  #follow(event: ApiEvent): void {
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
        if (id === this.imageId || (near.has(id) && this.#photos.has(id))) void this.#photos.read(id);
        else this.#photos.forget(id);
      }
    } else if (event.type === 'models') {
      // Another version is active: its predictions and maps are the ones to show.
      this.#photos.clear();
      if (this.isOpen && this.imageId !== null) this.#show(this.imageId, false);
    } else if (event.type !== 'job') {
      return;
    } else if (event.job.kind === 'prelabel') {
      if (event.job.status !== 'running') {
        // A run that stopped may have predicted photos again: read them again as they come.
        this.#photos.clear();
        if (this.isOpen && this.imageId !== null) this.#show(this.imageId, false);
      } else if (this.isOpen && this.imageId !== null && this.image?.predictions.length === 0) {
        // Pre-labeling goes on while the person labels: the photo's predictions may have come.
        this.#show(this.imageId, false);
      }
    } else if (event.job.status !== 'running' && this.isOpen) {
      // An import stopped: photos it added join the order.
      void this.#navigation.reloadIds();
    }
  }

  #show(imageId: number, mark = true): void {
    if (mark) this.switchMark = markSwitch('photo');
    this.#navigation.imageId = imageId;
    this.image = this.#photos.cached(imageId) ?? null;
    this.#overlay.showing(imageId);
    // Read again even when cached: another window may have changed it. The cached copy shows meanwhile.
    void this.#photos.read(imageId);
    void this.#overlay.load(imageId);
    this.#photos.prefetch(this.neighbours);
  }

  async #reloadClasses(session = this.#navigation.session): Promise<void> {
    try {
      const classes = await this.#api.listClasses({});
      if (!this.#navigation.current(session)) return;
      this.classes = classes;
      // Thresholds and which classes the model predicts follow the classes.
      if (this.imageId !== null) {
        this.#photos.forgetSummaries();
        await this.#photos.read(this.imageId);
      }
    } catch (error) {
      if (this.#navigation.current(session)) this.error = messageOf(error);
    }
  }

  #forget(): void {
    this.#photos.clear();
    this.#navigation.forget();
    this.image = null;
    this.#overlay.clear();
  }
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
