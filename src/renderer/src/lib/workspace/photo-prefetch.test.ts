// The workspace's photo summaries and class maps on their own, against an API that answers when
// the spec says so: which are kept and which dropped, an older answer never winning over a newer
// read or change, and the order photos are read ahead in. The workspace specs drive it on a real
// studio.
import { describe, expect, it } from 'vitest';
import type { ClassMaps, ImageSummary } from '$shared/contract';
import { PhotoPrefetch, type PhotoPrefetchOptions } from './photo-prefetch';

function summary(id: number, name = `${id}.jpg`): ImageSummary {
  return {
    id,
    path: `/photos/${name}`,
    name,
    width: 4,
    height: 3,
    split: 'none',
    labels: [],
    predictions: [],
    changedOnDisk: false,
  };
}

/** An API whose reads wait until `answer` or `fail`; `calls` lists them in the order asked. */
function slowApi() {
  const calls: string[] = [];
  const waiting: {
    imageId: number;
    resolve: (image: ImageSummary) => void;
    reject: (error: Error) => void;
  }[] = [];
  const api = {
    getImage: ({ imageId }: { imageId: number }) => {
      calls.push(`getImage ${imageId}`);
      return new Promise<ImageSummary>((resolve, reject) => waiting.push({ imageId, resolve, reject }));
    },
    getClassMaps: ({ imageId }: { imageId: number }) => {
      calls.push(`getClassMaps ${imageId}`);
      return Promise.resolve<ClassMaps>({ imageId, size: 1, maps: [] });
    },
  };
  /** Answers the oldest read of `imageId` still waiting. */
  const take = (imageId: number) => {
    const at = waiting.findIndex((read) => read.imageId === imageId);
    expect(at).toBeGreaterThanOrEqual(0);
    return waiting.splice(at, 1)[0]!;
  };
  return {
    api,
    calls,
    answer: (image: ImageSummary) => take(image.id).resolve(image),
    fail: (imageId: number, message: string) => take(imageId).reject(new Error(message)),
  };
}

/** A PhotoPrefetch on `api` whose hooks are logged in `heard`. */
function prefetchOn(api: ReturnType<typeof slowApi>['api'], options: Partial<PhotoPrefetchOptions> = {}) {
  const heard: string[] = [];
  const photos = new PhotoPrefetch(api, {
    size: 3,
    kept: (image) => heard.push(`kept ${image.name}`),
    read: (image) => heard.push(`read ${image.name}`),
    failed: (imageId, error) => heard.push(`failed ${imageId}: ${(error as Error).message}`),
    ...options,
  });
  return { photos, heard };
}

describe('the photo summaries kept', () => {
  it('keeps the photos kept last, dropping the one kept longest ago; looking one up does not keep it again', () => {
    const { photos, heard } = prefetchOn(slowApi().api);
    for (const id of [1, 2, 3]) photos.keep(summary(id));
    photos.keep(summary(1, 'again.jpg'));
    expect(photos.cached(1)?.name).toBe('again.jpg');
    photos.keep(summary(4));
    expect([1, 2, 3, 4].filter((id) => photos.has(id))).toEqual([1, 3, 4]);

    // 3 was kept longest ago: looking it up does not save it.
    expect(photos.cached(3)?.name).toBe('3.jpg');
    photos.keep(summary(5));
    expect([1, 3, 4, 5].filter((id) => photos.has(id))).toEqual([1, 4, 5]);
    expect(heard).toEqual([
      'kept 1.jpg',
      'kept 2.jpg',
      'kept 3.jpg',
      'kept again.jpg',
      'kept 4.jpg',
      'kept 5.jpg',
    ]);

    photos.forget(4);
    expect(photos.has(4)).toBe(false);
    photos.forgetSummaries();
    expect([1, 5].filter((id) => photos.has(id))).toEqual([]);
  });

  it('reads a summary and keeps it; an answer older than a later read or change is dropped', async () => {
    const { api, answer, fail } = slowApi();
    const { photos, heard } = prefetchOn(api);

    const first = photos.read(1);
    answer(summary(1));
    expect(await first).toEqual(summary(1));
    expect(heard).toEqual(['kept 1.jpg', 'read 1.jpg']);

    // Two reads of a photo: the first answered last counts for nothing.
    heard.length = 0;
    const older = photos.read(1);
    const newer = photos.read(1);
    answer(summary(1, 'older.jpg'));
    answer(summary(1, 'newer.jpg'));
    expect([await older, (await newer)?.name]).toEqual([null, 'newer.jpg']);
    expect(photos.cached(1)?.name).toBe('newer.jpg');
    expect(heard).toEqual(['kept newer.jpg', 'read newer.jpg']);

    // A change made while a read was out: the read's answer is older than the change.
    heard.length = 0;
    const overtaken = photos.read(2);
    photos.changed(2);
    answer(summary(2));
    expect(await overtaken).toBeNull();
    expect(photos.has(2)).toBe(false);

    // A failed read is heard of only when it is the photo's latest.
    const stale = photos.read(3);
    const latest = photos.read(3);
    fail(3, 'stale');
    fail(3, 'latest');
    expect([await stale, await latest]).toEqual([null, null]);
    expect(heard).toEqual(['failed 3: latest']);
  });

  it('gives the summary kept, or reads it; a failed read rejects', async () => {
    const { api, calls, answer, fail } = slowApi();
    const { photos } = prefetchOn(api);
    photos.keep(summary(1));
    expect(await photos.summary(1)).toEqual(summary(1));
    expect(calls).toEqual([]);

    const read = photos.summary(2);
    answer(summary(2));
    expect(await read).toEqual(summary(2));
    expect(photos.has(2)).toBe(true);

    const failing = photos.summary(3);
    fail(3, 'no such photo');
    await expect(failing).rejects.toThrow('no such photo');
  });
});

describe('reading ahead', () => {
  it('reads the photos in the order given: the summaries not kept, and every class map not kept', () => {
    const { api, calls } = slowApi();
    const { photos } = prefetchOn(api);
    photos.keep(summary(2));

    // The workspace gives the next photo first, then the previous one.
    photos.prefetch([3, 2]);
    expect(calls).toEqual(['getImage 3', 'getClassMaps 3', 'getClassMaps 2']);

    // A photo kept, its class maps asked for already: nothing to read.
    calls.length = 0;
    photos.prefetch([2]);
    expect(calls).toEqual([]);

    // Another model: every summary and class map is read again.
    photos.clear();
    photos.prefetch([2]);
    expect(calls).toEqual(['getImage 2', 'getClassMaps 2']);
  });

  it('keeps the class maps in the cache it is given', async () => {
    const { api, calls } = slowApi();
    const other = new PhotoPrefetch(api, { size: 2 });
    const { photos } = prefetchOn(api, { classMaps: other.classMaps });
    expect(photos.classMaps).toBe(other.classMaps);
    expect(await photos.classMaps.get(5)).toEqual([]);
    expect(await other.classMaps.get(5)).toEqual([]);
    expect(calls).toEqual(['getClassMaps 5']);
  });
});
