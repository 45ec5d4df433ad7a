// Splits by iterative stratification: on a synthetic multi-label set shaped like real ones (a few
// common classes, a long tail of rare ones, classes that come together, photos with no positive
// class), on the real VOC2007 labels, and on a real project file (stability, reassign, counts).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndWait, newStudio } from '../../../test/fixtures/direct-api';
import { imageRecord } from '../../../test/fixtures/image-record';
import { makePhotoFolder, tempDir, vocTruth } from '../../../test/fixtures/workspace';
import type { ApiEvent } from '$shared/rpc';
import { ensureClasses, updateClass } from '../db/classes';
import { openDatabase, type Db } from '../db/connection';
import { insertImage } from '../db/images';
import { createJob } from '../db/jobs';
import { writeImportedLabels } from '../db/labels';
import { labelledPhotos, setSplit, splitCounts } from '../db/splits';
import {
  assignSplits,
  assignSplitsReport,
  folds,
  seededRandom,
  stratify,
  targetSizes,
  type Fold,
  type SplitOptions,
  type SplitPhoto,
} from './splits';

const options = (patch: Partial<SplitOptions> = {}): SplitOptions => ({
  val: 0.2,
  test: 0,
  seed: 1,
  reassign: false,
  ...patch,
});

/**
 * `count` photos over `classes` classes: class c on a photo with probability 0.35 / (c + 1)^0.9,
 * class 1 bringing class 3 along most of the time, and about one photo in eight with no class.
 */
function syntheticPhotos(count: number, classes: number, seed = 7): SplitPhoto[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const positive: number[] = [];
    for (let c = 0; c < classes; c += 1) if (random() < 0.35 / (c + 1) ** 0.9) positive.push(c);
    if (positive.includes(1) && !positive.includes(3) && random() < 0.6) positive.push(3);
    return { id: 1000 + i, classes: positive, split: 'none' };
  });
}

/** How many photos of each split there are, among `photos` after `splits`. */
function sizes(photos: readonly SplitPhoto[], splits: ReadonlyMap<number, Fold>): Record<Fold, number> {
  const counts = { train: 0, val: 0, test: 0 };
  for (const photo of photos) {
    const split = splits.get(photo.id) ?? photo.split;
    if (split !== 'none') counts[split] += 1;
  }
  return counts;
}

/** For each class, its photos and how many of them each split holds. */
function perClass(photos: readonly SplitPhoto[], splits: ReadonlyMap<number, Fold>) {
  const byClass = new Map<number, { photos: number } & Record<Fold, number>>();
  for (const photo of photos) {
    const split = splits.get(photo.id) ?? photo.split;
    for (const c of photo.classes) {
      let entry = byClass.get(c);
      if (!entry) byClass.set(c, (entry = { photos: 0, train: 0, val: 0, test: 0 }));
      entry.photos += 1;
      if (split !== 'none') entry[split] += 1;
    }
  }
  return byClass;
}

/** The largest gap, in photos, between a class's photos in a split and its share of them. */
function worstClassGap(
  photos: readonly SplitPhoto[],
  splits: ReadonlyMap<number, Fold>,
  fractions: Record<Fold, number>,
) {
  let worst = 0;
  for (const entry of perClass(photos, splits).values())
    for (const fold of folds) worst = Math.max(worst, Math.abs(entry[fold] - fractions[fold] * entry.photos));
  return worst;
}

const differing = (a: ReadonlyMap<number, Fold>, b: ReadonlyMap<number, Fold>) =>
  [...a].filter(([id, split]) => b.get(id) !== split).length;

describe('iterative stratification', () => {
  it('sizes every split within one photo of its share, and every class within one photo of its', () => {
    const photos = syntheticPhotos(2000, 30);
    expect(photos.filter((photo) => photo.classes.length === 0).length).toBeGreaterThan(100);
    expect(photos.filter((photo) => photo.classes.length > 2).length).toBeGreaterThan(100);
    const rare = [...perClass(photos, new Map()).values()].filter((entry) => entry.photos < 40);
    expect(rare.length).toBeGreaterThanOrEqual(5);

    const splits = stratify(photos, options({ val: 0.15, test: 0.1 }));
    expect(splits.size).toBe(2000);
    expect(sizes(photos, splits)).toEqual({ train: 1500, val: 300, test: 200 });
    expect(worstClassGap(photos, splits, { train: 0.75, val: 0.15, test: 0.1 })).toBeLessThanOrEqual(1);

    // Sizes that do not divide evenly: each within one photo.
    const odd = photos.slice(0, 997);
    const size = sizes(odd, stratify(odd, options({ val: 0.33 })));
    expect(Math.abs(size.val - 0.33 * 997)).toBeLessThan(1);
    expect(size.train + size.val).toBe(997);
    expect(size.test).toBe(0);
  });

  it('splits the real VOC2007 labels 80/20 with every class within one photo (and 4 %) of 20 % val', async () => {
    const truth = await vocTruth();
    const names = [...new Set([...truth.values()].flat())];
    const photos: SplitPhoto[] = [...truth.values()].map((classes, i) => ({
      id: i + 1,
      classes: classes.map((name) => names.indexOf(name)),
      split: 'none',
    }));
    expect(photos).toHaveLength(765);
    for (const seed of [1, 2, 3]) {
      const splits = stratify(photos, options({ seed }));
      expect(sizes(photos, splits)).toEqual({ train: 612, val: 153, test: 0 });
      for (const [c, entry] of perClass(photos, splits)) {
        expect(Math.abs(entry.val - 0.2 * entry.photos), names[c]).toBeLessThanOrEqual(1);
        expect(Math.abs(entry.val / entry.photos - 0.2), names[c]).toBeLessThan(0.04);
      }
    }
  });

  it('gives the same splits for the same seed (whatever order the photos come in), others for another', () => {
    const photos = syntheticPhotos(800, 20);
    const first = stratify(photos, options({ seed: 5 }));
    expect(stratify([...photos].reverse(), options({ seed: 5 }))).toEqual(first);
    const other = stratify(photos, options({ seed: 6 }));
    expect(differing(first, other)).toBeGreaterThan(100);
    expect(sizes(photos, other)).toEqual(sizes(photos, first));
  });

  it('keeps the splits photos have, and places new photos so that the whole comes close to the shares', () => {
    const photos = syntheticPhotos(1500, 25);
    const earlier = photos.slice(0, 1000);
    const first = stratify(earlier, options({ val: 0.2, test: 0.1 }));
    // 500 photos more, the earlier ones with their splits.
    const now = photos.map((photo) => ({ ...photo, split: first.get(photo.id) ?? ('none' as const) }));
    const added = stratify(now, options({ val: 0.2, test: 0.1, seed: 9 }));
    expect([...added.keys()].sort()).toEqual(photos.slice(1000).map((photo) => photo.id));
    expect(sizes(now, added)).toEqual({ train: 1050, val: 300, test: 150 });
    expect(worstClassGap(now, added, { train: 0.7, val: 0.2, test: 0.1 })).toBeLessThanOrEqual(2);

    // reassign splits them all again: as if none had a split.
    const again = stratify(now, options({ val: 0.2, test: 0.1, reassign: true }));
    expect(again.size).toBe(1500);
    expect(again).toEqual(stratify(photos, options({ val: 0.2, test: 0.1 })));
  });

  it('fills the splits that lack photos when photos that keep theirs overfill one', () => {
    const photos = syntheticPhotos(100, 5).map((photo, i) => ({
      ...photo,
      split: i < 30 ? ('val' as const) : ('none' as const),
    }));
    const splits = stratify(photos, options({ val: 0.2 }));
    expect(splits.size).toBe(70);
    expect(new Set(splits.values())).toEqual(new Set(['train']));
    // A test share of 0 never takes a photo, even one without a class.
    const none = syntheticPhotos(50, 3).map((photo) => ({ ...photo, classes: [] }));
    expect(sizes(none, stratify(none, options({ val: 0.3 })))).toEqual({ train: 35, val: 15, test: 0 });
  });

  it('refuses shares that leave nothing for train', () => {
    expect(() => stratify([], options({ val: 0.6, test: 0.4 }))).toThrow(/leave photos for train/);
    expect(() => stratify([], options({ val: -0.1 }))).toThrow(RangeError);
    expect(stratify([], options())).toEqual(new Map());
  });

  it('rounds the shares to whole photos that add up', () => {
    expect(targetSizes([0.75, 0.25, 0], 10)).toEqual([8, 2, 0]);
    expect(targetSizes([0.8, 0.2, 0], 765)).toEqual([612, 153, 0]);
    expect(targetSizes([0.5, 0.3, 0.2], 7)).toEqual([4, 2, 1]);
    expect(targetSizes([1, 0, 0], 3)).toEqual([3, 0, 0]);
  });
});

async function projectWithPhotos(count: number): Promise<{ db: Db; ids: number[]; jobId: number }> {
  const db = openDatabase(join(await tempDir(), 'p.sqlite'), { create: true });
  const job = createJob(db, 'import', {});
  const ids = Array.from({ length: count }, (_, i) =>
    insertImage(db, imageRecord(String(i).padStart(4, '0'), `sha-${i}`), job.id),
  );
  return { db, ids, jobId: job.id };
}

/** Labels photos ids[from, to) as the synthetic set does, every other class negative. */
function labelSynthetic(db: Db, ids: number[], jobId: number, from: number, to: number): void {
  const { ids: classIds } = ensureClasses(
    db,
    Array.from({ length: 8 }, (_, c) => `class${c}`),
  );
  const photos = syntheticPhotos(ids.length, 8);
  const labels = ids.slice(from, to).flatMap((imageId, i) =>
    [...classIds.values()].map((classId, c) => ({
      imageId,
      classId,
      state: photos[from + i]!.classes.includes(c) ? ('positive' as const) : ('negative' as const),
    })),
  );
  writeImportedLabels(db, labels, jobId);
}

describe('splits in a project', () => {
  it('assigns the labelled photos, leaves the unlabelled ones without a split, and keeps them stable', async () => {
    const { db, ids, jobId } = await projectWithPhotos(260);
    labelSynthetic(db, ids, jobId, 0, 200);
    expect(labelledPhotos(db).filter((photo) => photo.split === 'none')).toHaveLength(200);

    const counts = assignSplits(db, options());
    expect(counts).toEqual({ train: 160, val: 40, test: 0, none: 60 });
    expect(splitCounts(db)).toEqual(counts);
    expect(labelledPhotos(db).filter((photo) => photo.split === 'none')).toEqual([]);
    const before = new Map(labelledPhotos(db).map((photo) => [photo.id, photo.split]));

    // Nothing new: nothing changes. Forty photos more labelled: they join, the others stay.
    expect(assignSplitsReport(db, options({ seed: 2 }))).toEqual({ counts, changed: 0 });
    labelSynthetic(db, ids, jobId, 200, 240);
    const grown = assignSplitsReport(db, options({ seed: 2 }));
    expect(grown).toEqual({ counts: { train: 192, val: 48, test: 0, none: 20 }, changed: 40 });
    for (const photo of labelledPhotos(db))
      if (before.has(photo.id)) expect(photo.split).toBe(before.get(photo.id));

    // reassign redoes every labelled photo's split; unlabelled photos keep 'none'.
    const redone = assignSplitsReport(db, options({ seed: 3, val: 0.25, reassign: true }));
    expect(redone.counts).toEqual({ train: 180, val: 60, test: 0, none: 20 });
    expect(redone.changed).toBeGreaterThan(20);
    db.close();
  });

  it('moves photos to a split by hand, in one transaction, counting only those that moved', async () => {
    const { db, ids } = await projectWithPhotos(10);
    expect(setSplit(db, ids.slice(0, 4), 'val')).toBe(4);
    expect(setSplit(db, ids.slice(2, 6), 'val')).toBe(2);
    expect(setSplit(db, ids.slice(0, 1), 'test')).toBe(1);
    expect(splitCounts(db)).toEqual({ train: 0, val: 5, test: 1, none: 4 });
    expect(setSplit(db, [], 'train')).toBe(0);
    db.close();
  });

  it('counts as labelled only photos with a label of a live class that is not archived', async () => {
    const { db, ids, jobId } = await projectWithPhotos(3);
    const { ids: classIds } = ensureClasses(db, ['dog', 'old']);
    const [dog, old] = [classIds.get('dog')!, classIds.get('old')!];
    writeImportedLabels(
      db,
      [
        { imageId: ids[0]!, classId: dog, state: 'positive' },
        { imageId: ids[0]!, classId: old, state: 'positive' },
        { imageId: ids[1]!, classId: dog, state: 'negative' },
        { imageId: ids[2]!, classId: old, state: 'positive' },
      ],
      jobId,
    );
    updateClass(db, old, { archived: true });
    expect(labelledPhotos(db)).toEqual([
      { id: ids[0], classes: [dog], split: 'none', path: expect.any(String), sha256: expect.any(String) },
      { id: ids[1], classes: [], split: 'none', path: expect.any(String), sha256: expect.any(String) },
    ]);
    db.close();
  });
});

describe('splits through the API', () => {
  it('assigns, moves by hand, filters the grid by split, and tells every client', async () => {
    const { api, studio, dir } = await newStudio();
    const photos = await makePhotoFolder(dir, { count: 14, withLabels: true, labelled: 10 });
    await importAndWait(api, photos.folder, photos.labelsFile!);
    const events: ApiEvent[] = [];
    studio.subscribe((event) => events.push(event));

    expect(await api.assignSplits({})).toEqual({ train: 8, val: 2, test: 0, none: 4 });
    expect(events.filter((event) => event.type === 'splits')).toHaveLength(1);
    // Nothing left to place: no event.
    expect(await api.assignSplits({ seed: 4 })).toEqual({ train: 8, val: 2, test: 0, none: 4 });
    expect(events.filter((event) => event.type === 'splits')).toHaveLength(1);

    const val = await api.listImages({ filter: { split: 'val' }, limit: 100 });
    expect(val.total).toBe(2);
    expect(val.images.every((image) => image.split === 'val')).toBe(true);
    const none = await api.listImageIds({ filter: { split: 'none' }, sort: 'name' });
    const unlabelled = await api.listImageIds({ filter: { unlabelled: true }, sort: 'name' });
    expect(none.ids).toEqual(unlabelled.ids);

    const moved = [...none.ids.slice(0, 2), val.images[0]!.id];
    expect(await api.setSplit({ imageIds: moved, split: 'test' })).toEqual({ changed: 3 });
    expect(await api.setSplit({ imageIds: moved, split: 'test' })).toEqual({ changed: 0 });
    expect(events.filter((event) => event.type === 'splits')).toHaveLength(2);
    expect((await api.listImages({ filter: { split: 'test' }, limit: 100 })).total).toBe(3);
    expect(await api.assignSplits({})).toEqual({ train: 8, val: 1, test: 3, none: 2 });

    // Photos not in the project, and shares that leave nothing for train, are refused.
    await expect(api.setSplit({ imageIds: [moved[0]!, 99_999], split: 'val' })).rejects.toMatchObject({
      code: 'not_found',
      message: 'no photo 99999 in this project',
    });
    await expect(api.assignSplits({ val: 0.5, test: 0.5 })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    expect((await api.listImages({ filter: { split: 'test' }, limit: 100 })).total).toBe(3);
  });
});
