// The label panel's rows on their own: one per class in the classes' order, with the photo's label,
// the model's probability, whether the model pre-labels the class, and whether it has a map. The
// workspace store's spec checks them on real pre-labelled photos.
import { describe, expect, it } from 'vitest';
import type { ImageSummary } from '$shared/contract';
import { classOf } from '../../../../../test/fixtures/class-info';
import { classRows } from './class-rows';

const image: ImageSummary = {
  id: 7,
  path: '/photos/7.jpg',
  name: '7.jpg',
  width: 4,
  height: 3,
  split: 'none',
  labels: [{ classId: 1, state: 'negative', source: 'human' }],
  predictions: [
    { classId: 1, probability: 0.9 },
    { classId: 2, probability: 0.5 },
    { classId: 3, probability: 0.6 },
  ],
  changedOnDisk: false,
};

describe('the label panel rows', () => {
  const classes = [classOf(3, 0.7), classOf(1, 0.5), classOf(2, 0.5), classOf(4, 0.5)];

  it('has a row per class, in the classes’ order: its label, probability, pre-label and map', () => {
    const rows = classRows(image, classes, [{ classId: 2 }, { classId: 4 }]);
    expect(rows.map((row) => row.item.id)).toEqual([3, 1, 2, 4]);
    expect(rows.map(({ item, ...row }) => ({ id: item.id, ...row }))).toEqual([
      // Below its threshold: no pre-label.
      { id: 3, label: null, probability: 0.6, preLabel: false, hasMap: false },
      // Labelled: the model's probability shows, but it is no pre-label.
      { id: 1, label: image.labels[0], probability: 0.9, preLabel: false, hasMap: false },
      // At its threshold: a pre-label.
      { id: 2, label: null, probability: 0.5, preLabel: true, hasMap: true },
      // A class the model does not predict.
      { id: 4, label: null, probability: null, preLabel: false, hasMap: true },
    ]);
  });

  it('shows the classes alone while the photo is not read', () => {
    expect(classRows(null, classes, [])).toEqual(
      classes.map((item) => ({ item, label: null, probability: null, preLabel: false, hasMap: false })),
    );
    expect(classRows(image, [], [{ classId: 1 }])).toEqual([]);
  });
});
