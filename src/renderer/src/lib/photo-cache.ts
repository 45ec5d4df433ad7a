// Full-size photos for the stage, decoded before they are shown: the photo being moved to is
// usually ready when the key comes, and the stage draws it in the same frame.

export class PhotoCache {
  readonly #url: (imageId: number) => string;
  readonly #size: number;
  readonly #loading = new Map<number, Promise<HTMLImageElement>>();
  readonly #ready = new Map<number, HTMLImageElement>();

  /** `url` gives a photo's address; the `size` photos used last are kept. */
  constructor(url: (imageId: number) => string, size = 8) {
    this.#url = url;
    this.#size = size;
  }

  /** The photo, decoded, if it is ready now. */
  ready(imageId: number): HTMLImageElement | undefined {
    const image = this.#ready.get(imageId);
    if (image) this.#touch(imageId);
    return image;
  }

  /** The photo, decoded (EXIF orientation applied by the browser). */
  load(imageId: number): Promise<HTMLImageElement> {
    const ready = this.ready(imageId);
    if (ready) return Promise.resolve(ready);
    let loading = this.#loading.get(imageId);
    if (!loading) {
      const image = new Image();
      image.decoding = 'async';
      image.src = this.#url(imageId);
      loading = image.decode().then(
        () => {
          this.#loading.delete(imageId);
          this.#ready.set(imageId, image);
          this.#trim();
          return image;
        },
        (error: unknown) => {
          this.#loading.delete(imageId);
          throw error instanceof Error ? error : new Error(`photo ${imageId} could not be shown`);
        },
      );
      this.#loading.set(imageId, loading);
    }
    return loading;
  }

  /** Starts decoding photos about to be shown; failures wait until they are asked for. */
  preload(imageIds: readonly number[]): void {
    for (const id of imageIds) this.load(id).catch(() => {});
  }

  clear(): void {
    this.#loading.clear();
    this.#ready.clear();
  }

  #touch(imageId: number): void {
    const image = this.#ready.get(imageId)!;
    this.#ready.delete(imageId);
    this.#ready.set(imageId, image);
  }

  #trim(): void {
    while (this.#ready.size > this.#size) this.#ready.delete(this.#ready.keys().next().value!);
  }
}
