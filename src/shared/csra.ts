// CSRA (class-specific residual attention, Zhu & Wu, ICCV 2021) in plain TypeScript: the reference
// the ONNX graphs of src/main/models/csra-head.ts are tested against, and the math the renderer
// uses for attention overlays. No Node or DOM. Layouts are row-major and per image:
//
//   score map  [C][HW]  class c, location j at  c * HW + j
//   features   [d][HW]  channel k, location j at k * HW + j   (NCHW without the N)
//   classifier [C][d]   class c, channel k at   c * d + k     (a 1×1 convolution's weight)
//
// Everything is accumulated in float64; results are Float64Array.

/** The paper's configs write T = ∞ as 99; any T ≥ 99 (Infinity included) means ∞ here. */
export const INFINITE_TEMPERATURE = 99;

/** The head counts the paper defines temperatures for. */
export const CSRA_HEAD_COUNTS = [1, 2, 4, 6, 8] as const;
export type CsraHeadCount = (typeof CSRA_HEAD_COUNTS)[number];

export function isInfiniteTemperature(temperature: number): boolean {
  return temperature >= INFINITE_TEMPERATURE;
}

/**
 * Temperatures by head count: 1 → [1]; 2 → [1, ∞]; 4 → [1, 2, 4, ∞]; 6 → [1, …, 5, ∞];
 * 8 → [1, …, 7, ∞], with ∞ written 99 as in the paper's configs.
 */
export function csraTemperatures(heads: number): number[] {
  const I = INFINITE_TEMPERATURE;
  switch (heads) {
    case 1:
      return [1];
    case 2:
      return [1, I];
    case 4:
      return [1, 2, 4, I];
    case 6:
      return [1, 2, 3, 4, 5, I];
    case 8:
      return [1, 2, 3, 4, 5, 6, 7, I];
    default:
      throw new RangeError(`CSRA defines 1, 2, 4, 6 or 8 heads, not ${heads}`);
  }
}

/** The logistic function: a logit as a probability. */
export function sigmoid(logit: number): number {
  return 1 / (1 + Math.exp(-logit));
}

/** Throws unless every temperature is a positive number (∞ as 99 or Infinity). */
export function checkTemperatures(temperatures: readonly number[]): void {
  if (temperatures.length === 0) throw new RangeError('CSRA needs at least one temperature');
  for (const t of temperatures)
    if (!(t > 0)) throw new RangeError(`CSRA temperatures must be positive, got ${t}`);
}

/** mean_j s_j of one class row. */
export function meanPool(row: ArrayLike<number>): number {
  let sum = 0;
  for (let j = 0; j < row.length; j++) sum += row[j]!;
  return sum / row.length;
}

/** max_j s_j of one class row. */
export function maxPool(row: ArrayLike<number>): number {
  let max = -Infinity;
  for (let j = 0; j < row.length; j++) if (row[j]! > max) max = row[j]!;
  return max;
}

/**
 * The class-specific attention score of one row: max_j s_j for T = ∞, otherwise
 * Σ_j s_j · softmax_j(T · s), computed stably (the exponent's maximum subtracted).
 */
export function attentionPool(row: ArrayLike<number>, temperature: number): number {
  if (isInfiniteTemperature(temperature)) return maxPool(row);
  const top = maxPool(row);
  let weights = 0;
  let weighted = 0;
  for (let j = 0; j < row.length; j++) {
    const s = row[j]!;
    const w = Math.exp(temperature * (s - top));
    weights += w;
    weighted += w * s;
  }
  return weighted / weights;
}

/**
 * The attention weights softmax_j(T · s) of one class row (they sum to 1), for overlays.
 * For T = ∞ this is the limit of the softmax: uniform over the locations that reach the maximum
 * (one-hot at the argmax when it is unique) — exactly the weights the max pooling uses. An ∞ head's
 * map is thus a single spot; overlays of it usually want `normalisedScoreMap` instead.
 */
export function attentionMap(row: ArrayLike<number>, temperature: number): Float64Array {
  const out = new Float64Array(row.length);
  const top = maxPool(row);
  if (isInfiniteTemperature(temperature)) {
    let count = 0;
    for (let j = 0; j < row.length; j++) if (row[j] === top) count++;
    for (let j = 0; j < row.length; j++) out[j] = row[j] === top ? 1 / count : 0;
    return out;
  }
  let total = 0;
  for (let j = 0; j < row.length; j++) total += out[j] = Math.exp(temperature * (row[j]! - top));
  for (let j = 0; j < row.length; j++) out[j]! /= total;
  return out;
}

/**
 * The per-location score map itself, min–max scaled to [0, 1] (all zeros for a constant row): the
 * other overlay DESIGN.md allows, and the sensible one for an ∞ head.
 */
export function normalisedScoreMap(row: ArrayLike<number>): Float64Array {
  const out = new Float64Array(row.length);
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < row.length; j++) {
    if (row[j]! < min) min = row[j]!;
    if (row[j]! > max) max = row[j]!;
  }
  const range = max - min;
  if (range > 0) for (let j = 0; j < row.length; j++) out[j] = (row[j]! - min) / range;
  return out;
}

function rowsOf(length: number, rows: number, what: string): number {
  if (!Number.isInteger(rows) || rows <= 0 || length % rows !== 0 || length === 0)
    throw new RangeError(`${what}: ${length} values do not split into ${rows} rows`);
  return length / rows;
}

/**
 * CSRA pooling of one image's score map `scores` [C][HW]:
 * logit_c = Σ_h (mean_j s_cj + λ · att_{T_h}(s_c)). Returns [C].
 */
export function csraPool(
  scores: ArrayLike<number>,
  classes: number,
  temperatures: readonly number[],
  lambda: number,
): Float64Array {
  checkTemperatures(temperatures);
  const locations = rowsOf(scores.length, classes, 'csraPool');
  const out = new Float64Array(classes);
  const row = new Float64Array(locations);
  for (let c = 0; c < classes; c++) {
    for (let j = 0; j < locations; j++) row[j] = scores[c * locations + j]!;
    const base = meanPool(row);
    let logit = 0;
    for (const t of temperatures) logit += base + lambda * attentionPool(row, t);
    out[c] = logit;
  }
  return out;
}

/** Calibration of the training-free readout: logit' = scale · logit + bias (scalars or per class). */
export interface ReadoutCalibration {
  scale: number | ArrayLike<number>;
  bias: number | ArrayLike<number>;
}

export interface ReadoutConfig {
  lambda: number;
  temperatures: readonly number[];
  calibration?: ReadoutCalibration;
}

function perClass(value: number | ArrayLike<number>, c: number): number {
  return typeof value === 'number' ? value : value[c]!;
}

/**
 * The training-free readout ("4 lines") over a per-location classifier output [C][HW]:
 * scale · Σ_h (mean + λ · att_h) + bias. The reference for `appendReadout`.
 */
export function csraReadout(scores: ArrayLike<number>, classes: number, config: ReadoutConfig): Float64Array {
  const out = csraPool(scores, classes, config.temperatures, config.lambda);
  const { scale = 1, bias = 0 } = config.calibration ?? {};
  for (let c = 0; c < classes; c++) out[c] = perClass(scale, c) * out[c]! + perClass(bias, c);
  return out;
}

/**
 * The per-location scores of a 1×1 classifier: `weights` [C][d] times `features` [d][HW], each row
 * divided by its Euclidean norm when `rowNormalise` (the paper's (W·x)/||W||_row; a zero row
 * scores 0). Returns [C][HW].
 */
export function classifierScores(
  weights: ArrayLike<number>,
  features: ArrayLike<number>,
  dim: number,
  rowNormalise = true,
): Float64Array {
  const classes = rowsOf(weights.length, dim, 'classifierScores weights');
  const locations = rowsOf(features.length, dim, 'classifierScores features');
  const out = new Float64Array(classes * locations);
  const acc = new Float64Array(locations);
  for (let c = 0; c < classes; c++) {
    acc.fill(0);
    let norm = 0;
    for (let k = 0; k < dim; k++) {
      const w = weights[c * dim + k]!;
      norm += w * w;
      if (w === 0) continue;
      const base = k * locations;
      for (let j = 0; j < locations; j++) acc[j]! += w * features[base + j]!;
    }
    const divisor = rowNormalise ? Math.sqrt(norm) : 1;
    for (let j = 0; j < locations; j++) out[c * locations + j] = divisor > 0 ? acc[j]! / divisor : 0;
  }
  return out;
}

/** Per-channel standardisation: (x_k − mean_k) / std_k of features [d][HW]. Returns [d][HW]. */
export function standardiseFeatures(
  features: ArrayLike<number>,
  dim: number,
  mean: ArrayLike<number>,
  std: ArrayLike<number>,
): Float64Array {
  const locations = rowsOf(features.length, dim, 'standardiseFeatures');
  if (mean.length !== dim || std.length !== dim)
    throw new RangeError(`standardiseFeatures: mean and std need ${dim} values`);
  const out = new Float64Array(features.length);
  for (let k = 0; k < dim; k++)
    for (let j = 0; j < locations; j++)
      out[k * locations + j] = (features[k * locations + j]! - mean[k]!) / std[k]!;
  return out;
}

/** One image's backbone feature map [d][HW]. */
export interface FeatureMap {
  data: ArrayLike<number>;
  dim: number;
}

/** One head's raw (not normalised) 1×1 classifier, [C][d]. */
export interface CsraHeadWeights {
  weights: ArrayLike<number>;
}

/** The optional parts of the fine-tuned head (DESIGN.md); each is the identity when absent. */
export interface CsraHeadExtras {
  /** Per-channel feature standardisation, applied before the classifiers. */
  standardise?: { mean: ArrayLike<number>; std: ArrayLike<number> };
  /** Per-class scale and bias on the summed logits: logit' = scale · logit + bias. */
  classScale?: ArrayLike<number>;
  classBias?: ArrayLike<number>;
}

/**
 * The learnable CSRA head on one image, as in the paper: head h has its own row-normalised,
 * bias-free 1×1 classifier W_h and temperature T_h; logit = Σ_h (mean_j score_h + λ · att_{T_h}).
 * `heads.length` must equal `temperatures.length`. Returns [C].
 */
export function csraHeadLogits(
  features: FeatureMap,
  heads: readonly CsraHeadWeights[],
  temperatures: readonly number[],
  lambda: number,
  extras: CsraHeadExtras = {},
): Float64Array {
  checkTemperatures(temperatures);
  if (heads.length !== temperatures.length)
    throw new RangeError(`${heads.length} heads but ${temperatures.length} temperatures`);
  const { dim } = features;
  const x = extras.standardise
    ? standardiseFeatures(features.data, dim, extras.standardise.mean, extras.standardise.std)
    : features.data;
  const classes = rowsOf(heads[0]!.weights.length, dim, 'csraHeadLogits weights');
  const out = new Float64Array(classes);
  heads.forEach((head, h) => {
    if (head.weights.length !== classes * dim)
      throw new RangeError(`head ${h} has ${head.weights.length} weights, not ${classes}×${dim}`);
    const logits = csraPool(classifierScores(head.weights, x, dim), classes, [temperatures[h]!], lambda);
    for (let c = 0; c < classes; c++) out[c]! += logits[c]!;
  });
  const { classScale, classBias } = extras;
  if ((classScale && classScale.length !== classes) || (classBias && classBias.length !== classes))
    throw new RangeError(`csraHeadLogits: classScale and classBias need ${classes} values`);
  for (let c = 0; c < classes; c++)
    out[c] = (classScale ? classScale[c]! : 1) * out[c]! + (classBias ? classBias[c]! : 0);
  return out;
}
