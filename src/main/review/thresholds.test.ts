// Thresholds tuned on val, on real VOC photos with their labels, pre-labelled by the default pack.
import { describe, expect, it } from 'vitest';
import { reviewProject } from '../../../test/fixtures/review';
import type { ImageSummary } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { cuts, minValPositives, pickCut } from './thresholds';

const project = reviewProject({ photos: 120, labelled: 100 });

async function photosOf(api: Api, split: 'val' | 'none'): Promise<ImageSummary[]> {
  return (await api.listImages({ filter: { split }, limit: 500 })).images;
}

/** Precision, recall and F1 of a class on labelled photos, at a threshold. */
function measured(photos: readonly ImageSummary[], classId: number, threshold: number) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const photo of photos) {
    const label = photo.labels.find((l) => l.classId === classId);
    const p = photo.predictions.find((entry) => entry.classId === classId)?.probability;
    if (!label || p === undefined) continue;
    const predicted = p >= threshold;
    if (predicted && label.state === 'positive') tp += 1;
    if (predicted && label.state === 'negative') fp += 1;
    if (!predicted && label.state === 'positive') fn += 1;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return { precision, recall, f1: tp === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

describe('cutting one class by score', () => {
  it('tries every distinct score, threshold halfway to the next lower one, highest first', () => {
    const all = cuts([0.9, 0.2, 0.6, 0.6, 0.1], [1, 0, 1, 0, 1]);
    expect(all.map((cut) => cut.threshold)).toEqual([0.75, 0.4, 0.15000000000000002, 0.1]);
    expect(all[1]).toMatchObject({ precision: 2 / 3, recall: 2 / 3 });
    expect(pickCut(all, 'f1', 0.9)).toBe(all[3]);
    expect(pickCut(all, 'precision', 0.9)).toBe(all[0]);
    expect(pickCut(all, 'precision', 0.65)).toBe(all[1]);
    expect(pickCut(all, 'precision', 0.6)).toBe(all[3]);
    expect(pickCut(cuts([0.9, 0.8], [0, 1]), 'precision', 0.9)).toBeNull();
  });
});

describe('thresholds tuned on val', () => {
  it('give each class with enough val labels an F1 on val at least that of 0.5; the others none, with the reason', async () => {
    const { api } = await project.open();
    const val = await photosOf(api, 'val');
    const tuned = await api.tuneThresholds({});
    const enough = tuned.filter((entry) => entry.threshold !== null);
    expect(enough.length).toBeGreaterThanOrEqual(3);
    expect(tuned.some((entry) => entry.threshold === null)).toBe(true);
    for (const entry of tuned) {
      const positives = val.filter((photo) =>
        photo.labels.some((l) => l.classId === entry.classId && l.state === 'positive'),
      ).length;
      if (positives < minValPositives) {
        expect(entry).toMatchObject({ threshold: null, precision: null, recall: null, f1: null });
        expect(entry.note).toContain(`${positives} positive val labels`);
        continue;
      }
      const atTuned = measured(val, entry.classId, entry.threshold!);
      expect(atTuned.f1).toBeCloseTo(entry.f1!, 9);
      expect(atTuned.f1, entry.class).toBeGreaterThanOrEqual(measured(val, entry.classId, 0.5).f1);
    }
    // Stored for the active version, beside the hand-set value, and not used until asked.
    const classes = await api.listClasses({});
    for (const entry of tuned) {
      const info = classes.find((c) => c.id === entry.classId)!;
      expect(info).toMatchObject({
        tunedThreshold: entry.threshold,
        manualThreshold: 0.5,
        thresholdSource: 'manual',
        threshold: 0.5,
      });
    }
  });

  it("by the rule 'precision', reach that precision on val at the lowest threshold that does", async () => {
    const { api } = await project.open();
    const val = await photosOf(api, 'val');
    const tuned = await api.tuneThresholds({ rule: 'precision', minPrecision: 0.8 });
    const reached = tuned.filter((entry) => entry.threshold !== null);
    expect(reached.length).toBeGreaterThanOrEqual(3);
    for (const entry of reached) {
      const at = measured(val, entry.classId, entry.threshold!);
      expect(at.precision, entry.class).toBeGreaterThanOrEqual(0.8);
      expect(at.recall).toBeCloseTo(entry.recall!, 9);
      // Any lower val score as threshold falls short of the precision, or recalls no more.
      const lower = val
        .map((photo) => photo.predictions.find((p) => p.classId === entry.classId)?.probability)
        .filter((p): p is number => p !== undefined && p < entry.threshold!)
        .map((p) => measured(val, entry.classId, p));
      for (const cut of lower) expect(cut.precision < 0.8 || cut.recall <= at.recall).toBe(true);
    }
  });

  it('are used when asked, per class or for all, and accepting pre-labels follows the threshold in use', async () => {
    const { api } = await project.open();
    const tuned = (await api.tuneThresholds({})).filter((entry) => entry.threshold !== null);
    const classes = await api.listClasses({});
    // Hand-set thresholds far from the tuned ones, so the source decides what is accepted.
    for (const c of classes) await api.updateClass({ classId: c.id, threshold: 0.99 });
    const [first] = tuned;
    const one = await api.useThresholds({ source: 'tuned', classIds: [first!.classId] });
    expect(one).toEqual([
      expect.objectContaining({ id: first!.classId, threshold: first!.threshold, thresholdSource: 'tuned' }),
    ]);
    const all = await api.useThresholds({ source: 'tuned' });
    for (const info of all) {
      expect(info.thresholdSource).toBe('tuned');
      // A class without a tuned value keeps its hand-set one.
      expect(info.threshold).toBe(info.tunedThreshold ?? 0.99);
    }

    const accepts = async () => {
      const unlabelled = await photosOf(api, 'none');
      const inUse = new Map((await api.listClasses({})).map((c) => [c.id, c.threshold]));
      const expected = unlabelled.flatMap((photo) =>
        photo.predictions
          .filter((p) => p.probability >= inUse.get(p.classId)!)
          .map((p) => `${photo.id}:${p.classId}`),
      );
      await api.acceptPredictions({ imageIds: unlabelled.map((photo) => photo.id) });
      const taken = (await photosOf(api, 'none')).flatMap((photo) =>
        photo.labels.map((l) => `${photo.id}:${l.classId}`),
      );
      await api.undo({});
      return { expected: expected.sort(), taken: taken.sort() };
    };
    const withTuned = await accepts();
    expect(withTuned.taken).toEqual(withTuned.expected);
    await api.useThresholds({ source: 'manual' });
    const withManual = await accepts();
    expect(withManual.taken).toEqual(withManual.expected);
    expect(withManual.taken.length).toBeLessThan(withTuned.taken.length);
  });
});
