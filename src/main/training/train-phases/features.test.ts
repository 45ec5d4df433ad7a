// How a train run holds its photos' features: once, in one float16 array per split.
import { describe, expect, it } from 'vitest';
import type { LabelledPhoto } from '../../db/splits';
import { featureEntry } from '../feature-cache';
import { SplitFeatures } from './features';

const dim = 3;
const locations = 4;
const classes = 2;

const photo = (id: number): LabelledPhoto => ({
  id,
  path: `/${id}.jpg`,
  sha256: `${id}`,
  split: 'train',
  classes: [],
});

/** Photo `id`'s entry: every value of it says whose it is. */
const entryOf = (id: number) =>
  featureEntry(
    {
      views: [new Float32Array(dim * locations).fill(id), new Float32Array(dim * locations).fill(-id)],
      pooledClassMap: new Float32Array(classes * locations).fill(id / 10),
      zeroShot: new Float32Array(classes),
    },
    { dim, locations },
  );

describe("a split's features", () => {
  it('are held at each photo’s place whatever order they come in, with the places of photos never read closed up', () => {
    const photos = [1, 2, 3, 4, 5].map(photo);
    const held = new SplitFeatures(photos, 'features+maps');
    // From the cache first, then those computed, and photo 3 never.
    for (const id of [2, 5, 1, 4]) held.put(id, entryOf(id));
    const read = photos.filter((p) => p.id !== 3);
    const set = held.take(read);
    expect(set).toMatchObject({ views: 2, featureDim: dim });
    const expected = (part: 'features' | 'pooledClassMap') =>
      read.flatMap((p) => Array.from(entryOf(p.id)[part]));
    expect(Array.from(set.features)).toEqual(expected('features'));
    expect(set.maps).toMatchObject({ channels: classes, width: 2 });
    expect(Array.from(set.maps!.data)).toEqual(expected('pooledClassMap'));
  });

  it('are one array the size of the split, and no maps where the head reads none', () => {
    const photos = [1, 2].map(photo);
    const held = new SplitFeatures(photos, 'features');
    held.put(1, entryOf(1));
    held.put(2, entryOf(2));
    expect(() => held.put(7, entryOf(7))).toThrow(/not of this split/);
    const set = held.take(photos);
    expect(set.features.buffer.byteLength).toBe(2 * 2 * dim * locations * 2);
    expect(set.maps).toBeUndefined();
  });
});
