// The workspace's label commands, one per key press: toggle a class, set one, accept the
// pre-labels, confirm the photo, mark the rest negative, undo and redo. Every command goes straight
// to the API, one request per key press, and they run one after the other in the order pressed, on
// the photo on show when the key was pressed; the photo's labels then follow the answer. `pending`
// counts the requests not answered yet; `commits` those answered (their changes are in the database
// by then), for the workspace's `data-label-committed` timing hook.
import type { ClassInfo, LabelAction, LabelState } from '$shared/contract';
import { shownState } from '$shared/labels';
import type { Api } from '$shared/rpc';
import { messageOf } from '../errors';
import { plural } from '../format';
import type { PhotoPrefetch } from './photo-prefetch';

/** What the commands read of the workspace, where they say what they did, and how they move on. */
export interface LabelHost {
  /** The photo on show. */
  readonly imageId: number | null;
  readonly classes: readonly ClassInfo[];
  /** The photos the workspace moves through, in order. */
  readonly ids: readonly number[];
  readonly hasNext: boolean;
  /** Whether accepting the pre-labels moves on to the next photo. */
  readonly autoAdvance: boolean;
  message: string | null;
  error: string | null;
  goTo(imageId: number): void;
  next(): void;
}

type LabelApi = Pick<
  Api,
  'setLabels' | 'acceptPredictions' | 'confirmPhotos' | 'rejectUnlabelled' | 'undo' | 'redo'
>;

export class LabelCommands {
  /** Label requests answered, all told. */
  commits = $state(0);
  /** Label requests sent and not answered yet. */
  pending = $state(0);

  readonly #api: LabelApi;
  readonly #photos: PhotoPrefetch;
  readonly #host: LabelHost;
  /** Label requests run one after the other, in the order of the keys. */
  #queue: Promise<void> = Promise.resolve();

  constructor(api: LabelApi, photos: PhotoPrefetch, host: LabelHost) {
    this.#api = api;
    this.#photos = photos;
    this.#host = host;
  }

  /**
   * The class hotkey flips what the photo shows: a positive label or a pre-label becomes negative,
   * anything else positive. So a wrong pre-label takes one key, and confirming keeps the rest.
   */
  toggleClass(classId: number): Promise<void> {
    return this.#labelPhoto(async (imageId) => {
      const image = await this.#photos.summary(imageId);
      await this.#set(
        imageId,
        classId,
        shownState(image, this.#host.classes, classId) === 'positive' ? 'negative' : 'positive',
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
      this.#host.message =
        answer.changed === 0 ? 'No pre-labels to accept' : `Accepted ${plural(answer.changed, 'pre-label')}`;
      await this.#photos.read(imageId);
      if (this.#host.autoAdvance && this.#host.imageId === imageId) this.#host.next();
    });
  }

  /**
   * The photo is done as shown: its pre-labels become positive and every other unknown class
   * negative (one undoable action); then the next photo.
   */
  confirm(): Promise<void> {
    return this.#labelPhoto(async (imageId) => {
      const image = await this.#photos.summary(imageId);
      const classes = this.#host.classes;
      const positives = classes.filter((item) => shownState(image, classes, item.id) === 'positive');
      await this.#api.confirmPhotos({ imageIds: [imageId] });
      this.#committed();
      // Read again when shown again; the next photo does not wait for it.
      this.#photos.changed(imageId);
      this.#photos.forget(imageId);
      const names = positives.map((item) => item.name).join(', ') || 'no class';
      this.#host.message = `Confirmed ${image.name}: ${names}`;
      if (this.#host.imageId !== imageId) return;
      if (this.#host.hasNext) this.#host.next();
      else {
        this.#host.message += ' — the last photo';
        void this.#photos.read(imageId);
      }
    });
  }

  /** Marks every class still unknown on the photo negative. */
  rejectRest(): Promise<void> {
    return this.#labelPhoto(async (imageId) => {
      const answer = await this.#api.rejectUnlabelled({ imageIds: [imageId] });
      this.#committed();
      this.#host.message =
        answer.changed === 0
          ? 'No class left unknown'
          : `Marked ${plural(answer.changed, 'class', 'classes')} negative`;
      await this.#photos.read(imageId);
    });
  }

  undo(): Promise<void> {
    return this.#labelCommand(() => this.#replay('undo'));
  }

  redo(): Promise<void> {
    return this.#labelCommand(() => this.#replay('redo'));
  }

  async #set(imageId: number, classId: number, state: LabelState | null, reviewed = false): Promise<void> {
    const name = this.#host.classes.find((item) => item.id === classId)?.name ?? `class ${classId}`;
    await this.#api.setLabels({
      changes: [{ imageId, classId, state }],
      description: `${name}: ${state ?? 'unknown'}`,
      ...(reviewed ? { reviewed } : {}),
    });
    this.#committed();
    // The answer says it is done: the photo shows it now, without another read.
    const image = this.#photos.cached(imageId);
    if (image) {
      this.#photos.changed(imageId);
      const labels = image.labels.filter((label) => label.classId !== classId);
      if (state) labels.push({ classId, state, source: 'human' });
      this.#photos.keep({ ...image, labels });
    } else {
      await this.#photos.read(imageId);
    }
    this.#host.message = `${name}: ${state ?? 'unknown'}`;
  }

  async #replay(direction: 'undo' | 'redo'): Promise<void> {
    const answer: LabelAction | null = await this.#api[direction]({});
    this.#committed();
    if (!answer) {
      this.#host.message = direction === 'undo' ? 'Nothing to undo' : 'Nothing to redo';
      return;
    }
    this.#host.message = `${direction === 'undo' ? 'Undid' : 'Redid'}: ${answer.description}`;
    for (const id of answer.imageIds) if (id !== this.#host.imageId) this.#photos.forget(id);
    const current = this.#host.imageId;
    if (current !== null && answer.imageIds.includes(current)) {
      await this.#photos.read(current);
    } else if (answer.imageIds.length === 1 && this.#host.ids.includes(answer.imageIds[0]!)) {
      // A change to another photo: show it, so the person sees what came back.
      this.#host.goTo(answer.imageIds[0]!);
    }
  }

  /** Queues a label command on the photo on show when the key was pressed (none: nothing to do). */
  #labelPhoto(command: (imageId: number) => Promise<void>): Promise<void> {
    const imageId = this.#host.imageId;
    return imageId === null ? Promise.resolve() : this.#labelCommand(() => command(imageId));
  }

  #labelCommand(command: () => Promise<void>): Promise<void> {
    this.pending += 1;
    const run = this.#queue
      .then(command)
      .then(() => {
        this.#host.error = null;
      })
      .catch((error: unknown) => {
        this.#host.error = messageOf(error);
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
}
