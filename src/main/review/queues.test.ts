// The review queues on real VOC photos with their labels, pre-labelled by the default pack: 100
// photos labelled (all VOC classes, positive or negative), 20 not labelled at all.
import { describe, expect, it } from 'vitest';
import { reviewProject } from '../../../test/fixtures/review';
import type { ImageSummary, LabelState, ReviewItem } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { diversified } from './queues';

const project = reviewProject({ photos: 120, labelled: 100 });

async function allPhotos(api: Api): Promise<ImageSummary[]> {
  return (await api.listImages({ limit: 500 })).images;
}

async function wholeQueue(api: Api, queue: 'disputed' | 'uncertain' | 'next') {
  const first = await api.listReviewQueue({ queue, limit: 500 });
  const items: ReviewItem[] = [...first.items];
  while (items.length < first.total)
    items.push(...(await api.listReviewQueue({ queue, offset: items.length, limit: 500 })).items);
  return { total: first.total, items };
}

const selfConfidence = (state: LabelState, p: number) => (state === 'positive' ? p : 1 - p);

describe('the disputed queue', () => {
  it('puts labels flipped by hand first, least self-confident first, each with the reason', async () => {
    const { api } = await project.open();
    const photos = await allPhotos(api);
    const classes = new Map((await api.listClasses({})).map((c) => [c.id, c]));
    // The imported labels the model is surest of, one per photo: flipped, they are the likeliest errors.
    const agreed = photos.flatMap((photo) =>
      photo.labels.flatMap((label) => {
        const p = photo.predictions.find((entry) => entry.classId === label.classId)?.probability;
        return p === undefined ? [] : [{ photo: photo.id, label, p, s: selfConfidence(label.state, p) }];
      }),
    );
    agreed.sort((a, b) => b.s - a.s);
    const flipped = agreed
      .filter((entry, i) => agreed.findIndex((e) => e.photo === entry.photo) === i)
      .slice(0, 4);
    await api.setLabels({
      changes: flipped.map(({ photo, label }) => ({
        imageId: photo,
        classId: label.classId,
        state: label.state === 'positive' ? 'negative' : 'positive',
      })),
    });

    const { total, items } = await wholeQueue(api, 'disputed');
    expect(
      items
        .slice(0, 4)
        .map((item) => `${item.imageId}:${item.classId}`)
        .sort(),
    ).toEqual(flipped.map(({ photo, label }) => `${photo}:${label.classId}`).sort());
    for (const item of items.slice(0, 4)) {
      const name = classes.get(item.classId!)!.name;
      expect(item.source).toBe('human');
      const given = item.given === 'positive' ? name : `not ${name}`;
      expect(item.reason).toBe(
        `labelled ${given} (human), the model gives ${name} ${item.probability.toFixed(2)} at threshold 0.50`,
      );
    }
    // Every label of a person or an import the model contradicts at the threshold in use, and only those.
    const contradicted = (await allPhotos(api)).flatMap((photo) =>
      photo.labels.flatMap((label) => {
        const p = photo.predictions.find((entry) => entry.classId === label.classId)?.probability;
        if (p === undefined || label.source === 'accepted') return [];
        return (label.state === 'positive' ? p < 0.5 : p >= 0.5) ? [`${photo.id}:${label.classId}`] : [];
      }),
    );
    expect(total).toBe(contradicted.length);
    expect(items.map((item) => `${item.imageId}:${item.classId}`).sort()).toEqual(contradicted.sort());
    for (const [i, item] of items.entries()) {
      expect(item.score).toBeCloseTo(selfConfidence(item.given!, item.probability), 6);
      if (i > 0) expect(item.score).toBeGreaterThanOrEqual(items[i - 1]!.score);
    }
    expect((await api.reviewCounts({})).disputed).toBe(total);
  });

  it('follows the threshold in use, and leaves out pre-labels a person accepted', async () => {
    const { api } = await project.open();
    const before = (await api.reviewCounts({})).disputed;
    const person = (await api.listClasses({})).find((c) => c.name === 'person')!;
    await api.updateClass({ classId: person.id, threshold: 0.99 });
    const { items } = await wholeQueue(api, 'disputed');
    const ofPerson = items.filter((item) => item.classId === person.id);
    expect(ofPerson.length).toBeGreaterThan(0);
    for (const item of ofPerson) {
      expect(item.threshold).toBe(0.99);
      expect(item.given === 'positive' ? item.probability < 0.99 : item.probability >= 0.99).toBe(true);
    }
    expect(items.length).not.toBe(before);

    const unlabelled = (await api.listImages({ filter: { unlabelled: true }, limit: 500 })).images;
    await api.updateClass({ classId: person.id, threshold: 0.5 });
    const accepted = await api.acceptPredictions({ imageIds: unlabelled.map((photo) => photo.id) });
    expect(accepted.changed).toBeGreaterThan(0);
    expect((await api.reviewCounts({})).disputed).toBe(before);
  });
});

describe('the uncertain queue', () => {
  it('lists every unknown (photo, class) pair the model predicts, nearest the threshold first', async () => {
    const { api } = await project.open();
    const person = (await api.listClasses({})).find((c) => c.name === 'person')!;
    await api.updateClass({ classId: person.id, threshold: 0.3 });
    const photos = await allPhotos(api);
    const unknown = photos.flatMap((photo) =>
      photo.predictions
        .filter((p) => !photo.labels.some((l) => l.classId === p.classId))
        .map((p) => `${photo.id}:${p.classId}`),
    );
    const { total, items } = await wholeQueue(api, 'uncertain');
    expect(total).toBe(unknown.length);
    expect(items.map((item) => `${item.imageId}:${item.classId}`).sort()).toEqual(unknown.sort());
    for (const [i, item] of items.entries()) {
      expect(item).toMatchObject({ given: null, source: null });
      expect(item.threshold).toBe(item.classId === person.id ? 0.3 : 0.5);
      expect(item.score).toBeCloseTo(Math.abs(item.probability - item.threshold), 6);
      if (i > 0) expect(item.score).toBeGreaterThanOrEqual(items[i - 1]!.score);
    }
    expect(items[0]!.reason).toMatch(
      /unknown, the model gives 0\.\d\d, 0\.\d\d (above|below) threshold 0\.\d\d$/,
    );
    expect((await api.reviewCounts({})).uncertain).toBe(total);
  });
});

describe('every queue', () => {
  it("names each item's photo file and class", async () => {
    const { api } = await project.open();
    const paths = new Map((await allPhotos(api)).map((photo) => [photo.id, photo.path]));
    const names = new Map((await api.listClasses({})).map((c) => [c.id, c.name]));
    for (const queue of ['disputed', 'uncertain', 'next'] as const) {
      const { items } = await api.listReviewQueue({ queue, limit: 50 });
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) {
        expect(item.path).toBe(paths.get(item.imageId));
        expect(item.className).toBe(item.classId === null ? null : names.get(item.classId));
      }
    }
  });
});

describe('the next queue', () => {
  it('lists the unlabelled photos, most uncertain first but near-duplicates spread, the same on every call', async () => {
    const { api } = await project.open();
    const unlabelled = (await api.listImages({ filter: { unlabelled: true }, limit: 500 })).images;
    expect(unlabelled).toHaveLength(20);
    const { total, items } = await wholeQueue(api, 'next');
    expect(total).toBe(20);
    expect(items.map((item) => item.imageId).sort()).toEqual(unlabelled.map((photo) => photo.id).sort());
    expect((await wholeQueue(api, 'next')).items).toEqual(items);
    // Pages are slices of one order.
    const pages = [
      ...(await api.listReviewQueue({ queue: 'next', limit: 7 })).items,
      ...(await api.listReviewQueue({ queue: 'next', offset: 7, limit: 7 })).items,
      ...(await api.listReviewQueue({ queue: 'next', offset: 14, limit: 7 })).items,
    ];
    expect(pages).toEqual(items);
    expect(items[0]!.score).toBe(Math.max(...items.map((item) => item.score)));
    for (const item of items) {
      expect(item).toMatchObject({ classId: null, given: null, source: null, threshold: 0.5 });
      expect(item.reason).toMatch(
        /^no label yet, the model is least sure of .+ \(0\.\d\d, uncertainty 0\.\d\d\)$/,
      );
    }
    expect((await api.reviewCounts({})).next).toBe(20);

    // Labelled photos leave it.
    const [photo] = items;
    const [someClass] = await api.listClasses({});
    await api.setLabels({
      changes: [{ imageId: photo!.imageId, classId: someClass!.id, state: 'negative' }],
    });
    const after = await wholeQueue(api, 'next');
    expect(after.total).toBe(19);
    expect(after.items.map((item) => item.imageId)).not.toContain(photo!.imageId);
  });
});

describe('spreading near-duplicates', () => {
  const photo = (imageId: number, ...probabilities: number[]) => ({
    imageId,
    uncertainty: 1 - imageId / 100,
    probabilities,
  });

  it('takes a photo alike to a recent one only after the others, in rank order', () => {
    const ranked = [
      photo(1, 0.5, 0.1),
      photo(2, 0.52, 0.12),
      photo(3, 0.49, 0.1),
      photo(4, 0.6, 0.1),
      photo(5, 0.1, 0.5),
    ];
    expect([...diversified(ranked.values())].map((p) => p.imageId)).toEqual([1, 4, 5, 2, 3]);
  });

  it('takes a waiting photo as soon as 20 others came between', () => {
    const burst = [photo(1, 0.5, 0.5), photo(2, 0.5, 0.5)];
    // 25 photos on a grid 0.2 apart, none alike to another or to the burst.
    const others = Array.from({ length: 25 }, (_, i) => photo(3 + i, (i % 5) * 0.2, Math.floor(i / 5) * 0.2));
    const order = [...diversified([...burst, ...others].values())].map((p) => p.imageId);
    expect(order).toEqual([
      1,
      ...others.slice(0, 20).map((p) => p.imageId),
      2,
      ...others.slice(20).map((p) => p.imageId),
    ]);
  });
});
