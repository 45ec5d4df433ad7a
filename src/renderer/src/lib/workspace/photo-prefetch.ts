// The summaries (labels, predictions) and class maps of the photos the workspace has read, and
// reading them ahead: the photos next to the one on show are read before they are asked for, so a
// move to one shows at once. Both keep the photos used last (`size` of each), dropping the least
// recently used first.
//
// Every read and every change the workspace makes bumps the photo's version, so an older answer
// never wins over a newer one. What the workspace does with an answer (show it, when it is the
// photo on show) is up to the hooks it gives.
import type { ImageSummary } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { ClassMapCache } from '../attention-overlay';

export interface PhotoPrefetchOptions {
  /** Photo summaries and class maps kept, the ones used last. */
  size: number;
  /** Where the class maps are kept (the pre-label store's); its own of `size` unless given. */
  classMaps?: ClassMapCache | undefined;
  /** Called with every summary as it is kept: read, or changed by the workspace. */
  kept?: (image: ImageSummary) => void;
  /** Called with every summary `read` has kept, right after `kept`. */
  read?: (image: ImageSummary) => void;
  /** Called when a `read` fails that no later read or change has overtaken. */
  failed?: (imageId: number, error: unknown) => void;
}

export class PhotoPrefetch {
  readonly classMaps: ClassMapCache;
  readonly #api: Pick<Api, 'getImage'>;
  readonly #size: number;
  readonly #hooks: Pick<PhotoPrefetchOptions, 'kept' | 'read' | 'failed'>;
  /** Photo summaries read, by id, most recently kept last. */
  readonly #images = new Map<number, ImageSummary>();
  /** Bumped by every read and change of a photo's summary, so an older answer never wins. */
  readonly #versions = new Map<number, number>();

  constructor(api: Pick<Api, 'getImage' | 'getClassMaps'>, options: PhotoPrefetchOptions) {
    const { size, classMaps, ...hooks } = options;
    this.#api = api;
    this.#size = size;
    this.#hooks = hooks;
    this.classMaps = classMaps ?? new ClassMapCache(api, size);
  }

  /** The photo's summary as last kept; undefined when it is not kept. */
  cached(imageId: number): ImageSummary | undefined {
    return this.#images.get(imageId);
  }

  has(imageId: number): boolean {
    return this.#images.has(imageId);
  }

  /**
   * Reads a photo's summary and keeps it; the answer counts only if nothing changed the photo
   * since (null when something did, or the read failed). Never rejects: `failed` hears of it.
   */
  async read(imageId: number): Promise<ImageSummary | null> {
    const version = this.changed(imageId);
    try {
      const image = await this.#api.getImage({ imageId });
      if (this.#versions.get(imageId) !== version) return null;
      this.keep(image);
      this.#hooks.read?.(image);
      return image;
    } catch (error) {
      if (this.#versions.get(imageId) === version) this.#hooks.failed?.(imageId, error);
      return null;
    }
  }

  /** The photo's summary as last kept, reading it when it is not. */
  async summary(imageId: number): Promise<ImageSummary> {
    const cached = this.#images.get(imageId);
    if (cached) return cached;
    const image = await this.#api.getImage({ imageId });
    this.keep(image);
    return image;
  }

  /** Keeps a summary as the photo's latest, dropping the least recently kept beyond `size`. */
  keep(image: ImageSummary): void {
    this.#images.delete(image.id);
    this.#images.set(image.id, image);
    if (this.#images.size > this.#size) this.#images.delete(this.#images.keys().next().value!);
    this.#hooks.kept?.(image);
  }

  /** Counts a change to the photo: reads asked for before it no longer count. Its new version. */
  changed(imageId: number): number {
    const version = (this.#versions.get(imageId) ?? 0) + 1;
    this.#versions.set(imageId, version);
    return version;
  }

  /** Drops the photo's summary: it is read again when it is next asked for. */
  forget(imageId: number): void {
    this.#images.delete(imageId);
  }

  /** Drops every summary (the class maps stay). */
  forgetSummaries(): void {
    this.#images.clear();
  }

  /** Drops every summary and class map: another model's predictions and maps are to be read. */
  clear(): void {
    this.classMaps.clear();
    this.#images.clear();
  }

  /** Reads `imageIds` ahead, in that order: the summaries not kept, and the class maps. */
  prefetch(imageIds: readonly number[]): void {
    for (const id of imageIds) {
      if (!this.#images.has(id)) void this.read(id);
      this.classMaps.get(id).catch(() => {});
    }
  }
}
