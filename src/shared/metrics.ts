// Multi-label classification metrics as the CSRA paper reports them (after ML-GCN): mAP, and
// CP, CR, CF1, OP, OR, OF1 at a score threshold of 0.5 and for each image's top-3 classes.
// Pure TypeScript with no Node or DOM API, so the CLI's `eval`, the benchmark and the app share it.
//
// Conventions, each pinned down by metrics.test.ts:
//
// - Every figure is a fraction in [0, 1]; multiply by 100 for the papers' tables.
// - Scores are probabilities in [0, 1] (sigmoid of the logits), one per class and image.
// - Truth is 1 (positive), 0 (negative) or null (unknown). An unknown entry takes part in no
//   metric at all: not in its class's ranking for AP, and not in any TP/FP/FN count, even when
//   the image predicts that class. Every other entry of that image still counts.
// - AP of a class: non-interpolated average precision over the images whose label is known,
//   ranked by score, highest first: the mean, over the positives, of the precision at each
//   positive. Tied scores form one group that is taken in whole: every positive of the group
//   gets the precision at the end of the group, (TP so far) / (images so far). So AP is
//   Σ over distinct scores of (new positives / all positives) · precision at that score, which
//   is also scikit-learn's `average_precision_score`; the order of tied items, and hence the
//   order of the images, never changes it. Without ties it is exactly ML-GCN's
//   `AveragePrecisionMeter.average_precision`, which CSRA uses.
// - A class without a known positive has no AP (null) and is left out of mAP, of CP and of CR
//   (its recall is undefined); `classesEvaluated` counts the classes with positives. Its false
//   positives still count in OP: the overall figures sum TP, FP and FN over every known entry.
//   mAP is null when no class has a positive.
// - Threshold metrics: a class is predicted for an image when its score is ≥ the threshold
//   (0.5 by default; ML-GCN tests logit ≥ 0, the same thing).
// - Top-3 metrics: each image's three highest-scoring classes (fewer when there are fewer
//   classes), equal scores broken by the lower class index; the ranking runs over all classes,
//   unknown ones included, and predictions on unknown entries are then dropped like any other.
//   By default (rule 'ml-gcn') a top-3 class counts as predicted only when its score also
//   reaches the threshold: that is what ML-GCN's `overall_topk` computes, and so what the
//   published top-3 figures mean. Rule 'rank-only' predicts the three classes regardless.
// - Zero denominators, ML-GCN's convention: the precision of a class never predicted is 0 and
//   still counts in CP; OP is 0 when nothing was predicted; OR is 0 when there are no positives;
//   an F1 is 0 when precision + recall is 0; CP and CR are 0 when no class has a positive.
//
// One class at the threshold a curator uses for it (`classAtThreshold`) and its precision–recall
// curve (`precisionRecallCurve`) describe a single class rather than the paper's table, so they
// say "undefined" instead of following ML-GCN: precision is null when nothing reaches the
// threshold, recall null when there is no known positive, F1 null when either is. Unknown entries
// take no part, as above.

export type Truth = 0 | 1 | null;

export interface EvaluateInput {
  classes: readonly string[];
  /** Per image, one probability per class, in the order of `classes`. */
  scores: ReadonlyArray<ArrayLike<number>>;
  /** Per image, one truth value per class, in the order of `classes`. */
  truth: ReadonlyArray<ReadonlyArray<Truth>>;
}

/** How top-k predictions are made; see the header. */
export type TopKRule = 'ml-gcn' | 'rank-only';

export interface EvaluateOptions {
  /** Score from which a class counts as predicted; default 0.5. */
  threshold?: number;
  /** Default 'ml-gcn': a top-3 class must also reach the threshold. */
  top3Rule?: TopKRule;
}

/** Class-averaged (C*) and overall (O*) precision, recall and F1 of a set of predictions. */
export interface PredictionMetrics {
  CP: number;
  CR: number;
  CF1: number;
  OP: number;
  OR: number;
  OF1: number;
  /** Summed over every known entry of every class. */
  tp: number;
  fp: number;
  fn: number;
}

export interface ClassResult {
  class: string;
  /** Null when the class has no known positive. */
  ap: number | null;
  positives: number;
  negatives: number;
  unknown: number;
}

export interface EvaluateResult {
  /** Mean AP over the classes with positives; null when there are none. */
  mAP: number | null;
  perClass: ClassResult[];
  threshold: PredictionMetrics;
  top3: PredictionMetrics;
  images: number;
  /** Classes with at least one known positive: those in mAP, CP and CR. */
  classesEvaluated: number;
}

/** Input that the metrics cannot be computed on; the message says which entry and why. */
export class MetricsInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsInputError';
  }
}

export const DEFAULT_THRESHOLD = 0.5;
export const TOP_K = 3;

/** Mean AP, class by class, mAP, and the threshold and top-3 metrics. */
export function evaluate(input: EvaluateInput, options: EvaluateOptions = {}): EvaluateResult {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const rule = options.top3Rule ?? 'ml-gcn';
  checkThreshold(threshold);
  checkRule(rule);
  const { classes, scores, truth } = input;
  checkClasses(classes);
  checkMatrices(scores, truth, classes.length);

  const n = scores.length;
  const perClass: ClassResult[] = [];
  const column = new Float64Array(n);
  const labels: Truth[] = new Array<Truth>(n);
  for (let c = 0; c < classes.length; c++) {
    let positives = 0;
    let negatives = 0;
    for (let i = 0; i < n; i++) {
      column[i] = scores[i]![c]!;
      const t = truth[i]![c]!;
      labels[i] = t;
      if (t === 1) positives++;
      else if (t === 0) negatives++;
    }
    perClass.push({
      class: classes[c]!,
      ap: apOf(column, labels),
      positives,
      negatives,
      unknown: n - positives - negatives,
    });
  }
  const aps = perClass.flatMap((r) => (r.ap === null ? [] : [r.ap]));
  return {
    mAP: aps.length === 0 ? null : aps.reduce((a, b) => a + b, 0) / aps.length,
    perClass,
    threshold: metricsOf(thresholdOf(scores, threshold), truth),
    top3: metricsOf(topKPredictionsOf(scores, TOP_K, rule, threshold), truth),
    images: n,
    classesEvaluated: aps.length,
  };
}

/**
 * Non-interpolated average precision of one class: `scores[i]` and `truth[i]` belong to image i.
 * Null when no known entry is positive. Ties are taken as one group (see the header).
 */
export function averagePrecision(scores: ArrayLike<number>, truth: ReadonlyArray<Truth>): number | null {
  checkColumn(scores, truth);
  return apOf(scores, truth);
}

/**
 * Indices of the k highest-scoring classes of one image, highest first; equal scores are
 * broken by the lower class index. All of them when there are fewer than k classes.
 */
export function topK(row: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 1) throw new MetricsInputError(`k must be a whole number ≥ 1, not ${k}`);
  for (let c = 0; c < row.length; c++) checkScore(row[c], `scores[${c}]`);
  return topKOf(row, k);
}

/** predicted[i][c]: whether image i's score for class c reaches the threshold. */
export function thresholdPredictions(
  scores: ReadonlyArray<ArrayLike<number>>,
  threshold: number = DEFAULT_THRESHOLD,
): boolean[][] {
  checkThreshold(threshold);
  checkScoreRows(scores);
  return thresholdOf(scores, threshold);
}

/** predicted[i][c]: whether class c is among image i's top k (and, by rule 'ml-gcn', reaches the threshold). */
export function topKPredictions(
  scores: ReadonlyArray<ArrayLike<number>>,
  k: number = TOP_K,
  rule: TopKRule = 'ml-gcn',
  threshold: number = DEFAULT_THRESHOLD,
): boolean[][] {
  if (!Number.isInteger(k) || k < 1) throw new MetricsInputError(`k must be a whole number ≥ 1, not ${k}`);
  checkRule(rule);
  checkThreshold(threshold);
  checkScoreRows(scores);
  return topKPredictionsOf(scores, k, rule, threshold);
}

/**
 * CP, CR, CF1, OP, OR, OF1 of a prediction matrix against the truth (same shape); unknown
 * truth entries are skipped. Conventions for empty classes and zero denominators: see the header.
 */
export function predictionMetrics(
  predicted: ReadonlyArray<ArrayLike<boolean>>,
  truth: ReadonlyArray<ReadonlyArray<Truth>>,
): PredictionMetrics {
  if (predicted.length !== truth.length) {
    throw new MetricsInputError(`${predicted.length} prediction rows but ${truth.length} truth rows`);
  }
  const width = truth[0]?.length ?? 0;
  for (let i = 0; i < truth.length; i++) {
    const p = predicted[i]!;
    const t = truth[i]!;
    if (t.length !== width)
      throw new MetricsInputError(`truth row ${i} has ${t.length} values, expected ${width}`);
    if (p.length !== width) {
      throw new MetricsInputError(`prediction row ${i} has ${p.length} values, expected ${width}`);
    }
    for (let c = 0; c < width; c++) checkTruth(t[c], `truth[${i}][${c}]`);
  }
  return metricsOf(predicted, truth);
}

/** Harmonic mean of a precision and a recall; 0 when both are 0. */
export function f1(precision: number, recall: number): number {
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

/** One class at one threshold: how the labels given and the model (score ≥ threshold) agree. */
export interface ClassAtThreshold {
  threshold: number;
  /** Null when no known entry reaches the threshold. */
  precision: number | null;
  /** Null when no known entry is positive. */
  recall: number | null;
  f1: number | null;
  /** Given positive and scored ≥ threshold (true positives). */
  positiveAgreed: number;
  /** Given positive but scored below the threshold (false negatives). */
  positiveDisputed: number;
  /** Given negative and scored below the threshold (true negatives). */
  negativeAgreed: number;
  /** Given negative but scored ≥ the threshold (false positives). */
  negativeDisputed: number;
}

/** One class's scores and truth at `threshold`: precision, recall, F1 and the four counts. */
export function classAtThreshold(
  scores: ArrayLike<number>,
  truth: ReadonlyArray<Truth>,
  threshold: number,
): ClassAtThreshold {
  checkThreshold(threshold);
  checkColumn(scores, truth);
  let positiveAgreed = 0;
  let positiveDisputed = 0;
  let negativeAgreed = 0;
  let negativeDisputed = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    if (t === null) continue;
    const predicted = scores[i]! >= threshold;
    if (t === 1) {
      if (predicted) positiveAgreed++;
      else positiveDisputed++;
    } else if (predicted) negativeDisputed++;
    else negativeAgreed++;
  }
  const predicted = positiveAgreed + negativeDisputed;
  const positives = positiveAgreed + positiveDisputed;
  const precision = predicted === 0 ? null : positiveAgreed / predicted;
  const recall = positives === 0 ? null : positiveAgreed / positives;
  return {
    threshold,
    precision,
    recall,
    f1: precision === null || recall === null ? null : f1(precision, recall),
    positiveAgreed,
    positiveDisputed,
    negativeAgreed,
    negativeDisputed,
  };
}

/** A point of a precision–recall curve: what the class gives at `threshold`. */
export interface CurvePoint {
  threshold: number;
  precision: number;
  recall: number;
}

/**
 * One class's precision–recall curve: a point at each distinct score of a known entry, taken as
 * the threshold (every entry scored at or above it predicted), highest threshold first, so recall
 * only grows along it. With more distinct scores than `maxPoints` (≥ 2), points evenly spaced by
 * rank are kept, the first and the last among them. Empty when the class has no known positive.
 */
export function precisionRecallCurve(
  scores: ArrayLike<number>,
  truth: ReadonlyArray<Truth>,
  maxPoints: number = Infinity,
): CurvePoint[] {
  checkColumn(scores, truth);
  if (!(maxPoints >= 2)) throw new MetricsInputError(`maxPoints must be at least 2, not ${maxPoints}`);
  const known: number[] = [];
  let positives = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === null) continue;
    known.push(i);
    if (truth[i] === 1) positives++;
  }
  if (positives === 0) return [];
  known.sort((a, b) => scores[b]! - scores[a]!);
  const curve: CurvePoint[] = [];
  let tp = 0;
  for (let end = 0; end < known.length;) {
    const threshold = scores[known[end]!]!;
    while (end < known.length && scores[known[end]!] === threshold) {
      if (truth[known[end]!] === 1) tp++;
      end++;
    }
    curve.push({ threshold, precision: tp / end, recall: tp / positives });
  }
  if (curve.length <= maxPoints) return curve;
  const step = (curve.length - 1) / (maxPoints - 1);
  return Array.from({ length: maxPoints }, (_, k) => curve[Math.round(k * step)]!);
}

// ---- internals: inputs are already checked ----

function apOf(scores: ArrayLike<number>, truth: ReadonlyArray<Truth>): number | null {
  const known: number[] = [];
  let positives = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    if (t === null) continue;
    known.push(i);
    if (t === 1) positives++;
  }
  if (positives === 0) return null;
  known.sort((a, b) => scores[b]! - scores[a]!);
  let tp = 0;
  let sum = 0;
  for (let start = 0; start < known.length;) {
    const s = scores[known[start]!]!;
    let end = start;
    let groupPositives = 0;
    while (end < known.length && scores[known[end]!] === s) {
      if (truth[known[end]!] === 1) groupPositives++;
      end++;
    }
    tp += groupPositives;
    // Every positive of the group gets the precision at the end of the group.
    sum += (groupPositives * tp) / end;
    start = end;
  }
  return sum / positives;
}

function thresholdOf(scores: ReadonlyArray<ArrayLike<number>>, threshold: number): boolean[][] {
  return scores.map((row) => Array.from(row, (s) => s >= threshold));
}

function topKPredictionsOf(
  scores: ReadonlyArray<ArrayLike<number>>,
  k: number,
  rule: TopKRule,
  threshold: number,
): boolean[][] {
  return scores.map((row) => {
    const predicted = new Array<boolean>(row.length).fill(false);
    for (const c of topKOf(row, k)) predicted[c] = rule === 'rank-only' || row[c]! >= threshold;
    return predicted;
  });
}

function topKOf(row: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: row.length }, (_, c) => c);
  order.sort((a, b) => row[b]! - row[a]! || a - b);
  return order.slice(0, k);
}

function metricsOf(
  predicted: ReadonlyArray<ArrayLike<boolean>>,
  truth: ReadonlyArray<ReadonlyArray<Truth>>,
): PredictionMetrics {
  const width = truth[0]?.length ?? 0;
  const tp = new Float64Array(width);
  const fp = new Float64Array(width);
  const fn = new Float64Array(width);
  for (let i = 0; i < truth.length; i++) {
    const p = predicted[i]!;
    const t = truth[i]!;
    for (let c = 0; c < width; c++) {
      const label = t[c];
      if (label === null) continue;
      if (p[c]) {
        if (label === 1) tp[c]!++;
        else fp[c]!++;
      } else if (label === 1) fn[c]!++;
    }
  }
  let precisionSum = 0;
  let recallSum = 0;
  let evaluated = 0;
  let TP = 0;
  let FP = 0;
  let FN = 0;
  for (let c = 0; c < width; c++) {
    TP += tp[c]!;
    FP += fp[c]!;
    FN += fn[c]!;
    const positives = tp[c]! + fn[c]!;
    if (positives === 0) continue;
    evaluated++;
    const predictedCount = tp[c]! + fp[c]!;
    precisionSum += predictedCount === 0 ? 0 : tp[c]! / predictedCount;
    recallSum += tp[c]! / positives;
  }
  const CP = evaluated === 0 ? 0 : precisionSum / evaluated;
  const CR = evaluated === 0 ? 0 : recallSum / evaluated;
  const OP = TP + FP === 0 ? 0 : TP / (TP + FP);
  const OR = TP + FN === 0 ? 0 : TP / (TP + FN);
  return { CP, CR, CF1: f1(CP, CR), OP, OR, OF1: f1(OP, OR), tp: TP, fp: FP, fn: FN };
}

function checkScore(value: unknown, where: string): void {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new MetricsInputError(`${where} is ${String(value)}, not a number`);
  }
  if (!(value >= 0 && value <= 1)) {
    throw new MetricsInputError(
      `${where} is ${value}, outside [0, 1]: pass probabilities (the sigmoid of the logits)`,
    );
  }
}

function checkColumn(scores: ArrayLike<number>, truth: ReadonlyArray<Truth>): void {
  if (scores.length !== truth.length) {
    throw new MetricsInputError(
      `${scores.length} scores but ${truth.length} truth values: give one of each per image`,
    );
  }
  for (let i = 0; i < scores.length; i++) {
    checkScore(scores[i], `scores[${i}]`);
    checkTruth(truth[i], `truth[${i}]`);
  }
}

// The checks take what callers pass as `unknown`: the arrays may come from JSON a script wrote.
function checkScoreRows(scores: unknown): void {
  if (!Array.isArray(scores)) throw new MetricsInputError('scores must be an array with one row per image');
  const rows: readonly unknown[] = scores;
  const first = rows[0];
  const width = isRow(first) ? first.length : 0;
  rows.forEach((row, i) => {
    if (!isRow(row)) throw new MetricsInputError(`scores row ${i} is not a row`);
    if (row.length !== width) {
      throw new MetricsInputError(`scores row ${i} has ${row.length} values, expected ${width} like row 0`);
    }
    for (let c = 0; c < width; c++) checkScore(row[c], `scores[${i}][${c}]`);
  });
}

function isRow(value: unknown): value is ArrayLike<unknown> {
  return value != null && typeof (value as { length?: unknown }).length === 'number';
}

function checkTruth(value: unknown, where: string): void {
  if (value !== 0 && value !== 1 && value !== null) {
    throw new MetricsInputError(
      `${where} is ${describeValue(value)}; expected 1 (positive), 0 (negative) or null (unknown)`,
    );
  }
}

function describeValue(value: unknown): string {
  return JSON.stringify(value) ?? typeof value;
}

function checkThreshold(threshold: number): void {
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new MetricsInputError(`threshold must be a finite number, not ${String(threshold)}`);
  }
}

function checkRule(rule: string): void {
  if (rule !== 'ml-gcn' && rule !== 'rank-only') {
    throw new MetricsInputError(`top3Rule must be 'ml-gcn' or 'rank-only', not ${JSON.stringify(rule)}`);
  }
}

function checkClasses(classes: readonly string[]): void {
  if (!Array.isArray(classes)) throw new MetricsInputError('classes must be an array of class names');
  const seen = new Set<string>();
  classes.forEach((name, c) => {
    if (typeof name !== 'string' || name === '') {
      throw new MetricsInputError(`classes[${c}] is ${JSON.stringify(name)}, not a class name`);
    }
    if (seen.has(name)) throw new MetricsInputError(`class ${JSON.stringify(name)} is listed twice`);
    seen.add(name);
  });
}

function checkMatrices(scores: unknown, truth: unknown, width: number): void {
  if (!Array.isArray(scores) || !Array.isArray(truth)) {
    throw new MetricsInputError('scores and truth must be arrays with one row per image');
  }
  const scoreRows: readonly unknown[] = scores;
  const truthRows: readonly unknown[] = truth;
  if (scoreRows.length !== truthRows.length) {
    throw new MetricsInputError(
      `${scoreRows.length} score rows but ${truthRows.length} truth rows: give one of each per image`,
    );
  }
  for (let i = 0; i < scoreRows.length; i++) {
    const s = scoreRows[i];
    const t = truthRows[i];
    if (!isRow(s)) throw new MetricsInputError(`scores row ${i} is not a row`);
    if (!Array.isArray(t)) throw new MetricsInputError(`truth row ${i} is not a row`);
    const truthRow: readonly unknown[] = t;
    if (s.length !== width) {
      throw new MetricsInputError(
        `scores row ${i} has ${s.length} values, expected ${width} (one per class)`,
      );
    }
    if (truthRow.length !== width) {
      throw new MetricsInputError(
        `truth row ${i} has ${truthRow.length} values, expected ${width} (one per class)`,
      );
    }
    for (let c = 0; c < width; c++) {
      checkScore(s[c], `scores[${i}][${c}]`);
      checkTruth(truthRow[c], `truth[${i}][${c}]`);
    }
  }
}
