import { describe, expect, it } from 'vitest';
import {
  attentionMap,
  attentionPool,
  classifierScores,
  csraHeadLogits,
  csraPool,
  csraReadout,
  csraTemperatures,
  CSRA_HEAD_COUNTS,
  INFINITE_TEMPERATURE,
  isInfiniteTemperature,
  normalisedScoreMap,
  standardiseFeatures,
} from './csra';

const e1 = Math.exp(-1);
const e2 = Math.exp(-2);

describe('temperatures by head count', () => {
  it('follows the paper: 1 → [1], 2 → [1, ∞], 4 → [1, 2, 4, ∞], 6 → [1..5, ∞], 8 → [1..7, ∞]', () => {
    expect(csraTemperatures(1)).toEqual([1]);
    expect(csraTemperatures(2)).toEqual([1, 99]);
    expect(csraTemperatures(4)).toEqual([1, 2, 4, 99]);
    expect(csraTemperatures(6)).toEqual([1, 2, 3, 4, 5, 99]);
    expect(csraTemperatures(8)).toEqual([1, 2, 3, 4, 5, 6, 7, 99]);
    for (const heads of CSRA_HEAD_COUNTS) {
      const temps = csraTemperatures(heads);
      expect(temps).toHaveLength(heads);
      expect(temps.filter(isInfiniteTemperature)).toHaveLength(heads === 1 ? 0 : 1);
    }
  });

  it('writes ∞ as 99 and treats Infinity the same', () => {
    expect(INFINITE_TEMPERATURE).toBe(99);
    expect(isInfiniteTemperature(99)).toBe(true);
    expect(isInfiniteTemperature(Infinity)).toBe(true);
    expect(isInfiniteTemperature(7)).toBe(false);
    const row = [0.1, 2.5, -1];
    expect(attentionPool(row, Infinity)).toBe(attentionPool(row, 99));
  });

  it('rejects head counts the paper does not define, and non-positive temperatures', () => {
    for (const heads of [0, 3, 5, 7, 9, 1.5]) expect(() => csraTemperatures(heads)).toThrow(RangeError);
    expect(() => csraPool([1, 2], 1, [], 0.1)).toThrow(RangeError);
    expect(() => csraPool([1, 2], 1, [0], 0.1)).toThrow(RangeError);
    expect(() => csraPool([1, 2, 3], 2, [1], 0.1)).toThrow(RangeError);
  });
});

describe('csraPool', () => {
  // The 2×3 example by hand (C = 2 classes, HW = 3 locations), one head, T = 1, λ = 0.5:
  //   class 0: s = [1, 2, 3]     mean = 2
  //            softmax(s) = [e⁻², e⁻¹, 1] / (1 + e⁻¹ + e⁻²)      (shifted by max s = 3)
  //            att = (1·e⁻² + 2·e⁻¹ + 3) / (1 + e⁻¹ + e⁻²)
  //                = (0.135335 + 0.735759 + 3) / 1.503215 = 2.575210
  //            logit = 2 + 0.5 · 2.575210 = 3.287605
  //   class 1: s = [0, 0, ln 3]  mean = ln 3 / 3 = 0.366204
  //            softmax(s) = [1, 1, 3] / 5,  att = 3 ln 3 / 5 = 0.659167
  //            logit = 0.366204 + 0.5 · 0.659167 = 0.695788
  const ln3 = Math.log(3);
  const scores = [1, 2, 3, 0, 0, ln3];

  it('matches the 2×3 example computed by hand', () => {
    const att0 = (1 * e2 + 2 * e1 + 3) / (1 + e1 + e2);
    expect(att0).toBeCloseTo(2.57521, 5);
    const logits = csraPool(scores, 2, [1], 0.5);
    expect(logits[0]).toBeCloseTo(2 + 0.5 * att0, 12);
    expect(logits[0]).toBeCloseTo(3.287605, 6);
    expect(logits[1]).toBeCloseTo(ln3 / 3 + (0.5 * 3 * ln3) / 5, 12);
    expect(logits[1]).toBeCloseTo(0.695788, 6);
  });

  it('with T = ∞ the attention score is the max', () => {
    expect(attentionPool([1, 2, 3], 99)).toBe(3);
    expect(attentionPool([-4, -7, -5], 99)).toBe(-4);
    // one ∞ head, λ = 0.5: mean + 0.5 · max
    const logits = csraPool(scores, 2, [99], 0.5);
    expect(logits[0]).toBeCloseTo(2 + 0.5 * 3, 12);
    expect(logits[1]).toBeCloseTo(ln3 / 3 + 0.5 * ln3, 12);
  });

  it('with λ = 0 is the plain mean, once per head', () => {
    for (const heads of CSRA_HEAD_COUNTS) {
      const logits = csraPool(scores, 2, csraTemperatures(heads), 0);
      expect(logits[0]).toBeCloseTo(heads * 2, 12);
      expect(logits[1]).toBeCloseTo((heads * ln3) / 3, 12);
    }
  });

  it('approaches the max as T grows, and the mean as T → 0', () => {
    const row = [0.3, 1.2, -0.5, 1.0, 0.9];
    let previous = -Infinity;
    for (const t of [1, 2, 4, 8, 16, 32, 64]) {
      const att = attentionPool(row, t);
      expect(att).toBeGreaterThan(previous); // monotone in T
      expect(att).toBeLessThanOrEqual(1.2);
      previous = att;
    }
    expect(attentionPool(row, 64)).toBeCloseTo(1.2, 5);
    expect(attentionPool(row, 98)).toBeCloseTo(1.2, 8);
    expect(attentionPool(row, 1e-9)).toBeCloseTo(row.reduce((a, b) => a + b) / row.length, 8);
  });

  it('is numerically stable for large scores and temperatures', () => {
    const att = attentionPool([1000, 999, -1000], 7);
    expect(Number.isFinite(att)).toBe(true);
    expect(att).toBeCloseTo((1000 + 999 * Math.exp(-7)) / (1 + Math.exp(-7)), 9);
    expect(attentionPool([-1e4, -1e4 - 1], 50)).toBeCloseTo(-1e4, 6);
  });

  it('sums Σ_h (mean + λ · att_h) over the heads', () => {
    const row = [0.5, -0.25, 2, 1];
    const mean = 0.8125;
    const temps = csraTemperatures(4);
    const expected = temps.reduce((sum, t) => sum + mean + 0.3 * attentionPool(row, t), 0);
    expect(csraPool(row, 1, temps, 0.3)[0]).toBeCloseTo(expected, 12);
  });

  it('applies the readout calibration, scalar or per class', () => {
    const plain = csraPool(scores, 2, [1, 99], 0.1);
    const scalar = csraReadout(scores, 2, {
      lambda: 0.1,
      temperatures: [1, 99],
      calibration: { scale: 2, bias: -1 },
    });
    const perClass = csraReadout(scores, 2, {
      lambda: 0.1,
      temperatures: [1, 99],
      calibration: { scale: [2, 3], bias: [-1, 0.5] },
    });
    expect(scalar[0]).toBeCloseTo(2 * plain[0]! - 1, 12);
    expect(scalar[1]).toBeCloseTo(2 * plain[1]! - 1, 12);
    expect(perClass[1]).toBeCloseTo(3 * plain[1]! + 0.5, 12);
    expect(Array.from(csraReadout(scores, 2, { lambda: 0.1, temperatures: [1, 99] }))).toEqual(
      Array.from(plain),
    );
  });
});

describe('attention maps', () => {
  it('are softmax(T · s), summing to 1', () => {
    const map = attentionMap([1, 2, 3], 1);
    const z = 1 + e1 + e2;
    expect(map[0]).toBeCloseTo(e2 / z, 12);
    expect(map[1]).toBeCloseTo(e1 / z, 12);
    expect(map[2]).toBeCloseTo(1 / z, 12);
    const hot = attentionMap([0.1, 0.4, 0.2, 0.4], 5);
    expect(hot.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    expect(hot[1]).toBeCloseTo(hot[3]!, 12);
  });

  it('are the limit at T = ∞: one-hot at the argmax, shared evenly by ties', () => {
    expect(Array.from(attentionMap([0.1, 0.7, 0.3], 99))).toEqual([0, 1, 0]);
    expect(Array.from(attentionMap([0.7, 0.1, 0.7, 0.3], 99))).toEqual([0.5, 0, 0.5, 0]);
  });

  it('weigh the scores into the attention score', () => {
    const row = [0.3, -1, 2.2, 0.4];
    for (const t of [1, 3, 99]) {
      const map = attentionMap(row, t);
      expect(map.reduce((sum, w, j) => sum + w * row[j]!, 0)).toBeCloseTo(attentionPool(row, t), 12);
    }
  });

  it('or the score map itself, scaled to [0, 1]', () => {
    expect(Array.from(normalisedScoreMap([-1, 1, 0]))).toEqual([0, 1, 0.5]);
    expect(Array.from(normalisedScoreMap([2, 2]))).toEqual([0, 0]);
  });
});

describe('classifierScores', () => {
  // W = [[3, 4], [0, 2]] (d = 2), x = [[1, 0, 2], [0, 1, 1]] (d × HW = 2 × 3)
  //   raw  W·x = [[3, 4, 10], [0, 2, 2]];  row norms 5 and 2
  //   normalised: [[0.6, 0.8, 2], [0, 1, 1]]
  const w = [3, 4, 0, 2];
  const x = [1, 0, 2, 0, 1, 1];

  it('divides each class row by its weight norm', () => {
    expect(Array.from(classifierScores(w, x, 2))).toEqual([0.6, 0.8, 2, 0, 1, 1]);
    expect(Array.from(classifierScores(w, x, 2, false))).toEqual([3, 4, 10, 0, 2, 2]);
  });

  it('scores 0 for an all-zero row instead of 0/0', () => {
    expect(Array.from(classifierScores([0, 0], x, 2))).toEqual([0, 0, 0]);
  });

  it('rejects shapes that do not fit', () => {
    expect(() => classifierScores([1, 2, 3], x, 2)).toThrow(RangeError);
    expect(() => classifierScores(w, [1, 2, 3], 2)).toThrow(RangeError);
  });
});

describe('csraHeadLogits', () => {
  const dim = 3;
  const x = [0.5, 1, 0, -0.5, 2, 1, 1, 0, 0.25, 0.75, 0.5, 1]; // d × HW = 3 × 4
  const heads = [
    { weights: [1, 2, 2, -1, 0, 0] }, // C = 2
    { weights: [0, 3, 4, 1, 1, 1] },
  ];
  const temps = [1, 99];

  it('sums each head pooled with its own temperature over its own normalised classifier', () => {
    const logits = csraHeadLogits({ data: x, dim }, heads, temps, 0.5);
    const expected = new Float64Array(2);
    heads.forEach((head, h) => {
      const pooled = csraPool(classifierScores(head.weights, x, dim), 2, [temps[h]!], 0.5);
      for (let c = 0; c < 2; c++) expected[c]! += pooled[c]!;
    });
    expect(Array.from(logits)).toEqual(Array.from(expected));
    // x₀ = [0.5, 1, 0, −0.5], x₁ = [2, 1, 1, 0], x₂ = [0.25, 0.75, 0.5, 1]
    // class 1 of head 0 is −x₀ (row [−1, 0, 0], norm 1): mean −0.25, att at T = 1 by hand
    const s = [-0.5, -1, 0, 0.5];
    const z = s.reduce((a, v) => a + Math.exp(v), 0);
    const att = s.reduce((a, v) => a + v * Math.exp(v), 0) / z;
    // class 1 of head 1 is (x₀+x₁+x₂)/√3, T = ∞
    const sums = [0.5 + 2 + 0.25, 1 + 1 + 0.75, 0 + 1 + 0.5, -0.5 + 0 + 1].map((v) => v / Math.sqrt(3));
    const head1 = sums.reduce((a, b) => a + b) / 4 + 0.5 * Math.max(...sums);
    expect(logits[1]).toBeCloseTo(-0.25 + 0.5 * att + head1, 12);
  });

  it('does not change when a head is scaled (row normalisation)', () => {
    const scaled = heads.map((head, h) => ({ weights: head.weights.map((v) => v * (h + 1) * 7.5) }));
    const a = csraHeadLogits({ data: x, dim }, heads, temps, 0.5);
    const b = csraHeadLogits({ data: x, dim }, scaled, temps, 0.5);
    for (let c = 0; c < 2; c++) expect(b[c]).toBeCloseTo(a[c]!, 12);
  });

  it('with λ = 0 is the row-normalised linear classifier on average-pooled features', () => {
    const mean = [0.25, 1, 0.625];
    const logits = csraHeadLogits({ data: x, dim }, heads, temps, 0);
    for (let c = 0; c < 2; c++) {
      let expected = 0;
      for (const { weights } of heads) {
        const row = weights.slice(c * dim, (c + 1) * dim);
        const norm = Math.hypot(...row);
        expected += row.reduce((a, w, k) => a + (w / norm) * mean[k]!, 0);
      }
      expect(logits[c]).toBeCloseTo(expected, 12);
    }
  });

  it('standardises features first and applies a per-class scale and bias last', () => {
    const standardise = { mean: [0.5, 0.25, -1], std: [2, 0.5, 1.5] };
    const z = standardiseFeatures(x, dim, standardise.mean, standardise.std);
    expect(z[0]).toBeCloseTo(0, 12); // (0.5 − 0.5) / 2
    expect(z[4]).toBeCloseTo(3.5, 12); // (2 − 0.25) / 0.5
    const plain = csraHeadLogits({ data: z, dim }, heads, temps, 0.5);
    const full = csraHeadLogits({ data: x, dim }, heads, temps, 0.5, {
      standardise,
      classScale: [2, 0.5],
      classBias: [-1, 3],
    });
    expect(full[0]).toBeCloseTo(2 * plain[0]! - 1, 12);
    expect(full[1]).toBeCloseTo(0.5 * plain[1]! + 3, 12);
  });

  it('needs one temperature per head and matching shapes', () => {
    expect(() => csraHeadLogits({ data: x, dim }, heads, [1], 0.5)).toThrow(RangeError);
    expect(() => csraHeadLogits({ data: x, dim }, [heads[0]!, { weights: [1, 2, 3] }], temps, 0.5)).toThrow(
      RangeError,
    );
    expect(() => csraHeadLogits({ data: x, dim }, heads, temps, 0.5, { classBias: [1, 2, 3] })).toThrow(
      RangeError,
    );
  });
});
