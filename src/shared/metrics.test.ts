import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  classAtThreshold,
  evaluate,
  f1,
  MetricsInputError,
  precisionRecallCurve,
  predictionMetrics,
  type PredictionMetrics,
  thresholdPredictions,
  topK,
  topKPredictions,
  type Truth,
} from './metrics';

const EXACT = 12; // digits: every expected figure below is a fraction worked out by hand

describe('average precision of one class', () => {
  it('is 1 when every positive ranks above every negative', () => {
    expect(averagePrecision([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0])).toBe(1);
    expect(averagePrecision([0.2], [1])).toBe(1);
  });

  it('is the least it can be when every positive ranks below every negative', () => {
    // Ranked: 0, 0, 1, 1. Precision at the positives: 1/3 and 2/4. AP = (1/3 + 1/2) / 2 = 5/12.
    expect(averagePrecision([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0])).toBeCloseTo(5 / 12, EXACT);
    // One positive last of five: 1/5.
    expect(averagePrecision([0.9, 0.8, 0.7, 0.6, 0.5], [0, 0, 0, 0, 1])).toBeCloseTo(1 / 5, EXACT);
  });

  it('is the mean of the precision at each positive, worked step by step', () => {
    // Ranked by score:   0.9  0.8  0.7  0.6  0.5
    // truth:              1    0    1    0    1
    // TP so far:          1    1    2    2    3
    // precision at rank:  1/1  -    2/3  -    3/5   (only the positives' ranks count)
    // AP = (1 + 2/3 + 3/5) / 3 = (15/15 + 10/15 + 9/15) / 3 = 34/45
    expect(averagePrecision([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 1])).toBeCloseTo(34 / 45, EXACT);
    // The images' input order is irrelevant: the same five, shuffled.
    expect(averagePrecision([0.6, 0.5, 0.9, 0.7, 0.8], [0, 1, 1, 1, 0])).toBeCloseTo(34 / 45, EXACT);
  });

  it("agrees with scikit-learn's documented example of average_precision_score", () => {
    // sklearn docs: y_true [0, 0, 1, 1], y_score [0.1, 0.4, 0.35, 0.8] → 0.8333…
    // Ranked 0.8(1) 0.4(0) 0.35(1) 0.1(0): (1/1 + 2/3) / 2 = 5/6.
    expect(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(5 / 6, EXACT);
  });

  it('takes tied scores as one group, so the order of tied items never matters', () => {
    // 0.9(1), then a tie at 0.5 holding one positive and one negative, then 0.1(0).
    // The tied group ends at rank 3 with 2 TP: its positive gets precision 2/3.
    // AP = (1 + 2/3) / 2 = 5/6, whichever of the tied pair comes first in the input.
    const positiveFirst = averagePrecision([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0]);
    const negativeFirst = averagePrecision([0.9, 0.5, 0.5, 0.1], [1, 0, 1, 0]);
    expect(positiveFirst).toBeCloseTo(5 / 6, EXACT);
    expect(negativeFirst).toBe(positiveFirst);
  });

  it('gives every positive of a tied group the precision at the end of the group', () => {
    // All three tied: 2 positives among 3 → each positive gets 2/3; AP = 2/3.
    // (Ranked one by one it would be 1 for 1,1,0 and (1/2 + 2/3) / 2 = 7/12 for 0,1,1.)
    for (const truth of [
      [1, 1, 0],
      [0, 1, 1],
      [1, 0, 1],
    ] as Truth[][]) {
      expect(averagePrecision([0.4, 0.4, 0.4], truth)).toBeCloseTo(2 / 3, EXACT);
    }
  });

  it('is unchanged by any reordering of the images, ties included', () => {
    const scores = [0.9, 0.7, 0.7, 0.7, 0.5, 0.3, 0.3, 0.1];
    const truth: Truth[] = [0, 1, 0, 1, null, 1, 0, 1];
    const expected = averagePrecision(scores, truth);
    const random = lcg(7);
    for (let trial = 0; trial < 50; trial++) {
      const order = shuffle([...scores.keys()], random);
      expect(
        averagePrecision(
          order.map((i) => scores[i]!),
          order.map((i) => truth[i]!),
        ),
      ).toBe(expected);
    }
  });

  it("matches ML-GCN's one-by-one loop whenever no scores tie", () => {
    const random = lcg(3);
    for (let trial = 0; trial < 20; trial++) {
      const scores = Array.from({ length: 60 }, () => random());
      const truth = scores.map((): Truth => (random() < 0.3 ? 1 : random() < 0.1 ? null : 0));
      if (!truth.includes(1)) continue;
      expect(averagePrecision(scores, truth)).toBeCloseTo(mlGcnAveragePrecision(scores, truth), EXACT);
    }
  });

  it('leaves unknown labels out of the ranking altogether', () => {
    // The unknown image scores highest. As a negative it would halve the AP (1/2);
    // left out, the positive ranks first: AP 1.
    expect(averagePrecision([0.9, 0.8, 0.7], [null, 1, 0])).toBe(1);
    expect(averagePrecision([0.9, 0.8, 0.7], [0, 1, 0])).toBeCloseTo(1 / 2, EXACT);
  });

  it('is undefined (null) for a class with no known positive', () => {
    expect(averagePrecision([0.9, 0.1], [0, 0])).toBeNull();
    expect(averagePrecision([0.9, 0.1], [null, 0])).toBeNull();
    expect(averagePrecision([], [])).toBeNull();
  });
});

describe('top-k classes of an image', () => {
  it('lists the highest scores first', () => {
    expect(topK([0.1, 0.9, 0.5, 0.7], 3)).toEqual([1, 3, 2]);
  });

  it('breaks equal scores by the lower class index', () => {
    expect(topK([0.5, 0.5, 0.5, 0.5], 3)).toEqual([0, 1, 2]);
    expect(topK([0.2, 0.6, 0.2, 0.6], 3)).toEqual([1, 3, 0]);
  });

  it('gives every class when there are fewer than k', () => {
    expect(topK([0.3, 0.8], 3)).toEqual([1, 0]);
  });
});

// The worked example for the threshold and top-3 metrics: 3 images × 4 classes.
//
//            a     b     c     d          truth  a     b     c     d
//   img1   0.9   0.6   0.4   0.1                 1     0     1     0
//   img2   0.6   0.8   0.7   0.55                ?     1     1     0      (? = unknown)
//   img3   0.7   0.3   0.5   0.45                1     0     0     1
const classes = ['a', 'b', 'c', 'd'];
const scores = [
  [0.9, 0.6, 0.4, 0.1],
  [0.6, 0.8, 0.7, 0.55],
  [0.7, 0.3, 0.5, 0.45],
];
const truth: Truth[][] = [
  [1, 0, 1, 0],
  [null, 1, 1, 0],
  [1, 0, 0, 1],
];

describe('metrics at threshold 0.5 on the worked example', () => {
  // Predicted (score ≥ 0.5; 0.5 itself counts): img1 a b; img2 a b c d; img3 a c.
  // img2's a is predicted but unknown, so it counts nowhere.
  //   a: known truth 1 · 1, predicted on both          TP 2 FP 0 FN 0   P 1     R 1
  //   b: truth 0 1 0, predicted img1 img2              TP 1 FP 1 FN 0   P 1/2   R 1
  //   c: truth 1 1 0, predicted img2 img3              TP 1 FP 1 FN 1   P 1/2   R 1/2
  //   d: truth 0 0 1, predicted img2                   TP 0 FP 1 FN 1   P 0     R 0
  // CP = (1 + 1/2 + 1/2 + 0) / 4 = 1/2;  CR = (1 + 1 + 1/2 + 0) / 4 = 5/8
  // CF1 = 2 · 1/2 · 5/8 / (1/2 + 5/8) = (5/8) / (9/8) = 5/9
  // Overall TP 4, FP 3, FN 2: OP = 4/7, OR = 4/6 = 2/3, OF1 = 2 · 4/7 · 2/3 / (4/7 + 2/3) = 8/13
  const expected = { CP: 1 / 2, CR: 5 / 8, CF1: 5 / 9, OP: 4 / 7, OR: 2 / 3, OF1: 8 / 13 };

  it('gives CP, CR, CF1, OP, OR and OF1 as worked by hand', () => {
    const result = evaluate({ classes, scores, truth });
    expectFigures(result.threshold, expected);
    expect(result.threshold).toMatchObject({ tp: 4, fp: 3, fn: 2 });
  });

  it('is what the prediction matrix gives through the exported helpers', () => {
    const predicted = thresholdPredictions(scores, 0.5);
    expect(predicted).toEqual([
      [true, true, false, false],
      [true, true, true, true],
      [true, false, true, false],
    ]);
    expectFigures(predictionMetrics(predicted, truth), expected);
  });

  it('moves with the threshold', () => {
    // At 0.65 only a(img1 .9, img3 .7), b(img2 .8), c(img2 .7) are predicted: every one right.
    // a P1 R1; b P1 R1; c P1 R1/2; d never predicted P0 R0.
    const result = evaluate({ classes, scores, truth }, { threshold: 0.65 });
    expect(result.threshold).toMatchObject({ tp: 4, fp: 0, fn: 2 });
    expect(result.threshold.CP).toBeCloseTo(3 / 4, EXACT);
    expect(result.threshold.CR).toBeCloseTo(5 / 8, EXACT);
    expect(result.threshold.OP).toBe(1);
    expect(result.threshold.OR).toBeCloseTo(2 / 3, EXACT);
  });
});

describe('top-3 metrics on the worked example', () => {
  it("predicts the top three that also reach 0.5, as ML-GCN's overall_topk does (the default)", () => {
    // Top 3: img1 a .9, b .6, c .4 → c is under 0.5: a b (as at threshold)
    //        img2 b .8, c .7, a .6 → a b c; d (0.55) is fourth, so no longer a false positive
    //        img3 a .7, c .5, d .45 → d is under 0.5: a c (as at threshold)
    // Only d changes: truth 0 0 1, never predicted: TP 0 FP 0 FN 1, P 0 (never predicted), R 0.
    // Per class as at threshold: CP 1/2, CR 5/8, CF1 5/9.
    // Overall TP 4, FP 2, FN 2: OP = OR = OF1 = 2/3.
    const result = evaluate({ classes, scores, truth });
    expectFigures(result.top3, { CP: 1 / 2, CR: 5 / 8, CF1: 5 / 9, OP: 2 / 3, OR: 2 / 3, OF1: 2 / 3 });
    expect(result.top3).toMatchObject({ tp: 4, fp: 2, fn: 2 });
  });

  it("predicts exactly each image's top three under the 'rank-only' rule", () => {
    // img1 a b c; img2 a(unknown) b c; img3 a c d.
    //   a: TP 2 → P 1 R 1;  b: truth 0 1 0, predicted img1 img2 → P 1/2 R 1
    //   c: truth 1 1 0, predicted on all three → TP 2 FP 1 → P 2/3 R 1
    //   d: truth 0 0 1, predicted img3 → TP 1 → P 1 R 1
    // CP = (1 + 1/2 + 2/3 + 1) / 4 = 19/24, CR = 1, CF1 = 2 · 19/24 / (19/24 + 1) = 38/43
    // Overall TP 6, FP 2, FN 0: OP = 3/4, OR = 1, OF1 = 2 · 3/4 / (7/4) = 6/7
    const result = evaluate({ classes, scores, truth }, { top3Rule: 'rank-only' });
    expectFigures(result.top3, { CP: 19 / 24, CR: 1, CF1: 38 / 43, OP: 3 / 4, OR: 1, OF1: 6 / 7 });
    expect(topKPredictions(scores, 3, 'rank-only')).toEqual([
      [true, true, true, false],
      [true, true, true, false],
      [true, false, true, true],
    ]);
  });

  it('leaves the threshold figures alone', () => {
    const mlGcn = evaluate({ classes, scores, truth });
    const rankOnly = evaluate({ classes, scores, truth }, { top3Rule: 'rank-only' });
    expect(rankOnly.threshold).toEqual(mlGcn.threshold);
  });
});

describe('the whole evaluation', () => {
  it('reports AP per class and their mean, unknown labels left out', () => {
    // a: known img1 .9(1), img3 .7(1)             → AP 1 (img2's unknown .6 takes no part)
    // b: .8(1) .6(0) .3(0)                          → AP 1
    // c: .7(1) .5(0) .4(1)                          → (1/1 + 2/3) / 2 = 5/6
    // d: .55(0) .45(1) .1(0)                        → 1/2
    // mAP = (1 + 1 + 5/6 + 1/2) / 4 = 5/6
    const result = evaluate({ classes, scores, truth });
    expect(result.perClass.map((r) => r.class)).toEqual(classes);
    expect(result.perClass.map((r) => r.ap)).toEqual([1, 1, expect.closeTo(5 / 6, EXACT), 1 / 2]);
    expect(result.perClass[0]).toEqual({ class: 'a', ap: 1, positives: 2, negatives: 0, unknown: 1 });
    expect(result.mAP).toBeCloseTo(5 / 6, EXACT);
    expect(result.images).toBe(3);
    expect(result.classesEvaluated).toBe(4);
  });

  it('reports a class with no positives as null and leaves it out of mAP, CP and CR', () => {
    // Class e has no positive; it is predicted (wrongly) on img1.
    const result = evaluate({
      classes: [...classes, 'e'],
      scores: scores.map((row, i) => [...row, i === 0 ? 0.8 : 0.2]),
      truth: truth.map((row, i) => [...row, i === 1 ? null : 0]),
    });
    expect(result.perClass[4]).toEqual({ class: 'e', ap: null, positives: 0, negatives: 2, unknown: 1 });
    expect(result.mAP).toBeCloseTo(5 / 6, EXACT); // the mean of a–d alone
    expect(result.classesEvaluated).toBe(4);
    // CP and CR are still the means over a–d ...
    expect(result.threshold.CP).toBeCloseTo(1 / 2, EXACT);
    expect(result.threshold.CR).toBeCloseTo(5 / 8, EXACT);
    // ... but e's false positive counts in the overall figures: TP 4, FP 3 + 1, FN 2.
    expect(result.threshold).toMatchObject({ tp: 4, fp: 4, fn: 2 });
    expect(result.threshold.OP).toBeCloseTo(4 / 8, EXACT);
  });

  it('gives mAP null, and zeros, when no class has a positive', () => {
    const result = evaluate({
      classes: ['a', 'b'],
      scores: [
        [0.9, 0.1],
        [0.2, 0.3],
      ],
      truth: [
        [0, 0],
        [null, 0],
      ],
    });
    expect(result.mAP).toBeNull();
    expect(result.classesEvaluated).toBe(0);
    expect(result.perClass.map((r) => r.ap)).toEqual([null, null]);
    // One false positive (a on image 1), nothing right: OP 0; no positives: OR 0; no class: CP CR 0.
    expectFigures(result.threshold, { CP: 0, CR: 0, CF1: 0, OP: 0, OR: 0, OF1: 0 });
    expect(result.threshold).toMatchObject({ tp: 0, fp: 1, fn: 0 });
  });

  it('handles no images at all', () => {
    const result = evaluate({ classes: ['a'], scores: [], truth: [] });
    expect(result).toMatchObject({ mAP: null, images: 0, classesEvaluated: 0 });
    expect(result.perClass).toEqual([{ class: 'a', ap: null, positives: 0, negatives: 0, unknown: 0 }]);
  });

  it('accepts typed-array score rows', () => {
    const result = evaluate({ classes, scores: scores.map((row) => Float64Array.from(row)), truth });
    expect(result.mAP).toBeCloseTo(5 / 6, EXACT);
  });
});

describe('zero denominators', () => {
  it('counts a class with positives that is never predicted as precision 0 in CP', () => {
    // a: truth 1 0, predicted on image 0 → P 1, R 1. b: truth 1 0, never predicted → P 0, R 0.
    // CP = (1 + 0) / 2 = 1/2 (ML-GCN: a never-predicted class has precision 0 and is averaged in).
    const m = predictionMetrics(
      [
        [true, false],
        [false, false],
      ],
      [
        [1, 1],
        [0, 0],
      ],
    );
    expectFigures(m, { CP: 1 / 2, CR: 1 / 2, CF1: 1 / 2, OP: 1, OR: 1 / 2, OF1: 2 / 3 });
  });

  it('gives OP 0 and every F1 0 when nothing is predicted', () => {
    const m = predictionMetrics(
      [
        [false, false],
        [false, false],
      ],
      [
        [1, 0],
        [0, 1],
      ],
    );
    expectFigures(m, { CP: 0, CR: 0, CF1: 0, OP: 0, OR: 0, OF1: 0 });
    expect(m).toMatchObject({ tp: 0, fp: 0, fn: 2 });
  });

  it('gives an F1 of 0 when precision and recall are both 0', () => {
    expect(f1(0, 0)).toBe(0);
    expect(f1(1, 0)).toBe(0);
    expect(f1(1 / 2, 1)).toBeCloseTo(2 / 3, EXACT);
  });

  it('skips predictions on unknown entries: neither a TP nor an FP', () => {
    const m = predictionMetrics([[true, true]], [[1, null]]);
    expect(m).toMatchObject({ tp: 1, fp: 0, fn: 0, OP: 1, OR: 1 });
  });
});

describe('one class at the threshold in use', () => {
  //  score:  0.9  0.8  0.7  0.6  0.5  0.4  0.2
  //  truth:   1    0    1   null  1    0    0
  const column = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.2];
  const given: Truth[] = [1, 0, 1, null, 1, 0, 0];

  it('counts the labels the model agrees with and the disputed ones, on either side of the threshold', () => {
    // At 0.7: 0.9 and 0.7 positive and reached; 0.5 positive but below; 0.8 negative but reached.
    expect(classAtThreshold(column, given, 0.7)).toEqual({
      threshold: 0.7,
      precision: 2 / 3,
      recall: 2 / 3,
      f1: 2 / 3,
      positiveAgreed: 2,
      positiveDisputed: 1,
      negativeAgreed: 2,
      negativeDisputed: 1,
    });
  });

  it('takes a score equal to the threshold as reaching it, and leaves unknown labels out', () => {
    const at = classAtThreshold(column, given, 0.6);
    // 0.6 is unknown: the counts are those at 0.7.
    expect(at).toMatchObject({ positiveAgreed: 2, negativeDisputed: 1, positiveDisputed: 1 });
    expect(classAtThreshold(column, given, 0.5)).toMatchObject({ positiveAgreed: 3, positiveDisputed: 0 });
  });

  it('says precision is undefined when nothing reaches the threshold, recall when there is no positive', () => {
    expect(classAtThreshold(column, given, 0.95)).toMatchObject({ precision: null, recall: 0, f1: null });
    expect(classAtThreshold([0.9, 0.1], [0, 0], 0.5)).toMatchObject({
      precision: 0,
      recall: null,
      f1: null,
      negativeDisputed: 1,
      negativeAgreed: 1,
    });
  });
});

describe('precision–recall curve of one class', () => {
  it('has a point at each distinct score, highest first, recall growing along it', () => {
    expect(precisionRecallCurve([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, null, 1])).toEqual([
      { threshold: 0.9, precision: 1, recall: 1 / 3 },
      { threshold: 0.8, precision: 1 / 2, recall: 1 / 3 },
      { threshold: 0.7, precision: 2 / 3, recall: 2 / 3 },
      { threshold: 0.5, precision: 3 / 4, recall: 1 },
    ]);
  });

  it('takes tied scores as one point', () => {
    expect(precisionRecallCurve([0.8, 0.8, 0.3], [1, 0, 1])).toEqual([
      { threshold: 0.8, precision: 1 / 2, recall: 1 / 2 },
      { threshold: 0.3, precision: 2 / 3, recall: 1 },
    ]);
  });

  it('agrees with classAtThreshold at every point', () => {
    const column = [0.91, 0.15, 0.62, 0.62, 0.4, 0.05, 0.77, 0.33];
    const given: Truth[] = [1, 0, 1, 0, null, 1, 0, 1];
    for (const point of precisionRecallCurve(column, given)) {
      const at = classAtThreshold(column, given, point.threshold);
      expect([at.precision, at.recall]).toEqual([point.precision, point.recall]);
    }
  });

  it('keeps at most maxPoints, evenly spaced by rank, the first and the last among them', () => {
    const column = Array.from({ length: 1000 }, (_, i) => (1000 - i) / 1000);
    const given = column.map((_, i): Truth => (i % 3 === 0 ? 1 : 0));
    const full = precisionRecallCurve(column, given);
    const kept = precisionRecallCurve(column, given, 101);
    expect(full).toHaveLength(1000);
    expect(kept).toHaveLength(101);
    expect(kept[0]).toEqual(full[0]);
    expect(kept.at(-1)).toEqual(full.at(-1));
    for (const point of kept) expect(full).toContainEqual(point);
    expect(precisionRecallCurve(column.slice(0, 50), given.slice(0, 50), 101)).toHaveLength(50);
  });

  it('is empty for a class with no known positive', () => {
    expect(precisionRecallCurve([0.9, 0.2], [0, null])).toEqual([]);
  });
});

describe('bad input', () => {
  it('names a ragged score or truth row', () => {
    expect(() =>
      evaluate({ classes, scores: [scores[0]!, [0.1, 0.2, 0.3]], truth: truth.slice(0, 2) }),
    ).toThrow(/scores row 1 has 3 values, expected 4/);
    expect(() => evaluate({ classes, scores: scores.slice(0, 1), truth: [[1, 0, 1]] })).toThrow(
      /truth row 0 has 3 values, expected 4/,
    );
    expect(() => evaluate({ classes, scores, truth: truth.slice(0, 2) })).toThrow(
      /3 score rows but 2 truth rows/,
    );
  });

  it('names a NaN or out-of-range score', () => {
    const withNaN = scores.map((row) => [...row]);
    withNaN[2]![1] = Number.NaN;
    expect(() => evaluate({ classes, scores: withNaN, truth })).toThrow(/scores\[2\]\[1\] is NaN/);
    const withLogit = scores.map((row) => [...row]);
    withLogit[0]![3] = 2.5;
    expect(() => evaluate({ classes, scores: withLogit, truth })).toThrow(
      /scores\[0\]\[3\] is 2.5, outside \[0, 1\]/,
    );
    expect(() => averagePrecision([0.2, Number.NaN], [1, 0])).toThrow(MetricsInputError);
    expect(() => topK([0.2, Number.POSITIVE_INFINITY], 1)).toThrow(/outside \[0, 1\]/);
  });

  it('names a truth value that is not 1, 0 or null', () => {
    const bad = truth.map((row) => [...row]) as unknown[][];
    bad[1]![2] = -1;
    expect(() => evaluate({ classes, scores, truth: bad as Truth[][] })).toThrow(
      /truth\[1\]\[2\] is -1; expected 1 \(positive\), 0 \(negative\) or null \(unknown\)/,
    );
  });

  it('refuses duplicate class names, a bad threshold, rule or k', () => {
    expect(() => evaluate({ classes: ['a', 'b', 'a', 'd'], scores, truth })).toThrow(
      /class "a" is listed twice/,
    );
    expect(() => evaluate({ classes, scores, truth }, { threshold: Number.NaN })).toThrow(/threshold/);
    expect(() => evaluate({ classes, scores, truth }, { top3Rule: 'top3' as never })).toThrow(/top3Rule/);
    expect(() => topK([0.1], 0)).toThrow(/k must be a whole number/);
  });

  it('throws MetricsInputError for all of these', () => {
    expect(() => averagePrecision([0.1], [1, 0])).toThrow(MetricsInputError);
    expect(() => classAtThreshold([0.1, 2], [1, 0], 0.5)).toThrow(MetricsInputError);
    expect(() => classAtThreshold([0.1], [1], Number.NaN)).toThrow(MetricsInputError);
    expect(() => precisionRecallCurve([0.1], [1], 1)).toThrow(/maxPoints must be at least 2/);
    expect(() => predictionMetrics([[true]], [[1], [0]])).toThrow(MetricsInputError);
  });
});

function expectFigures(
  actual: PredictionMetrics,
  expected: { CP: number; CR: number; CF1: number; OP: number; OR: number; OF1: number },
): void {
  for (const [key, value] of Object.entries(expected)) {
    expect(actual[key as keyof PredictionMetrics], key).toBeCloseTo(value, EXACT);
  }
}

/** ML-GCN's AveragePrecisionMeter.average_precision: one image at a time down the ranking. */
function mlGcnAveragePrecision(scores: number[], truth: Truth[]): number {
  const order = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  let seen = 0;
  let sum = 0;
  for (const i of order) {
    if (truth[i] === null) continue;
    seen++;
    if (truth[i] === 1) {
      positives++;
      sum += positives / seen;
    }
  }
  return sum / positives;
}

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
