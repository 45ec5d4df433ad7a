// CSRA as ONNX subgraphs appended to an OnnxGraph: the training-free readout over a per-location
// class score map (the default model pack) and the learnable multi-head CSRA head over a backbone
// feature map (fine-tuned models). The math is src/shared/csra.ts, which these graphs are tested
// against. Only ops every execution provider runs: Reshape, Sub, Div, Mul, Add, MatMul, Softmax,
// ReduceMean, ReduceMax, ReduceSum, Sigmoid, Identity (opset 17: ReduceMean/ReduceMax take `axes` as an
// attribute, ReduceSum as an input).
import { checkTemperatures, isInfiniteTemperature, type ReadoutCalibration } from '$shared/csra';
import type { OnnxGraph } from './onnx-graph';

export interface ReadoutOptions {
  /** λ, shared by all heads. */
  lambda: number;
  /** One temperature per head; ∞ as 99 (see csraTemperatures). */
  temperatures: readonly number[];
  /** logits' = scale · logits + bias, scalars or one value per class; identity when absent. */
  calibration?: ReadoutCalibration;
  /** Name of the logits tensor (e.g. a graph output); a fresh name when absent. */
  outputName?: string;
}

/**
 * The training-free CSRA readout: `classMap` names an [N, C, H, W] per-location class score map;
 * returns the name of the [N, C] tensor scale · Σ_h (mean_j s + λ · att_{T_h}(s)) + bias.
 */
export function appendReadout(graph: OnnxGraph, classMap: string, options: ReadoutOptions): string {
  const { lambda, temperatures, calibration } = options;
  checkTemperatures(temperatures);
  const p = 'csra_readout';
  const scores = graph.op('Reshape', [classMap, graph.int64s(`${p}/flat`, [0, 0, -1])], {}, `${p}/scores`);
  const base = graph.op('ReduceMean', [scores], { axes: [2], keepdims: 0 }, `${p}/mean`);
  // Σ_h (base + λ·att_h) = H·base + λ·Σ_h att_h
  let logits =
    temperatures.length === 1
      ? base
      : graph.op('Mul', [base, graph.floats(`${p}/heads`, [temperatures.length], [])], {}, `${p}/mean_sum`);
  if (lambda !== 0) {
    let attention: string | undefined;
    for (const t of temperatures) {
      const att = attentionPool(graph, scores, t, 2, `${p}/att_T${t}`);
      attention = attention ? graph.op('Add', [attention, att], {}, `${p}/att_sum`) : att;
    }
    const weighted = graph.op(
      'Mul',
      [attention!, graph.floats(`${p}/lambda`, [lambda], [])],
      {},
      `${p}/lambda_att`,
    );
    logits = graph.op('Add', [logits, weighted], {}, `${p}/logits`);
  }
  if (calibration) {
    const { scale, bias } = calibration;
    if (!isIdentity(scale, 1))
      logits = graph.op('Mul', [logits, constant(graph, `${p}/scale`, scale)], {}, `${p}/scaled`);
    if (!isIdentity(bias, 0))
      logits = graph.op('Add', [logits, constant(graph, `${p}/bias`, bias)], {}, `${p}/calibrated`);
  }
  return finish(graph, logits, options.outputName);
}

export interface CsraHeadOptions {
  /**
   * One raw C×d classifier per head (row-major, a 1×1 convolution's weight without its 1×1),
   * in the order of `temperatures`. Rows are divided by their Euclidean norm at build time, in
   * float64, before being stored as float32 (a zero row stays zero); the graph holds the
   * normalised weights.
   */
  weights: readonly Float32Array[];
  classes: number;
  /** d, the feature channels. */
  dim: number;
  temperatures: readonly number[];
  lambda: number;
  /** Per-channel feature standardisation (x − mean) / std before the classifiers. */
  standardise?: { mean: Float32Array; std: Float32Array };
  /** Per-class bias and scale on the summed logits: classScale · logits + classBias. */
  classBias?: Float32Array;
  classScale?: Float32Array;
  /** Name of the logits tensor (e.g. a graph output); a fresh name when absent. */
  outputName?: string;
  /**
   * Also emit, under this name, each class's map over the feature grid [N, C, grid[0], grid[1]]:
   * sigmoid(classScale · (1 + λ) · Σ_h score_h[j] + classBias), the probability the head would give
   * a photo in which every location looked like location j (what the attention overlay shows).
   */
  map?: { name: string; grid: [number, number] };
}

/**
 * The learnable CSRA head on `features`, the name of an [N, d, H, W] feature map; returns the name
 * of the [N, C] logits Σ_h (mean_j score_h + λ · att_{T_h}(score_h)), score_h = (W_h · x)/||W_h||_row.
 * Heads with finite temperatures share one MatMul, ∞ heads another.
 */
export function appendCsraHead(graph: OnnxGraph, features: string, options: CsraHeadOptions): string {
  const { weights, classes, dim, temperatures, lambda, standardise, classBias, classScale } = options;
  checkTemperatures(temperatures);
  if (weights.length !== temperatures.length)
    throw new RangeError(`${weights.length} weight matrices but ${temperatures.length} temperatures`);
  weights.forEach((w, h) => {
    if (w.length !== classes * dim)
      throw new RangeError(`head ${h} has ${w.length} weights, not ${classes}×${dim}`);
  });
  for (const [name, value] of Object.entries({ classBias, classScale }))
    if (value && value.length !== classes) throw new RangeError(`${name} needs ${classes} values`);
  const p = 'csra_head';

  let x = features;
  if (standardise) {
    const { mean, std } = standardise;
    if (mean.length !== dim || std.length !== dim)
      throw new RangeError(`standardise needs ${dim} means and standard deviations`);
    if (!std.every((s) => s > 0)) throw new RangeError('standardise: every std must be positive');
    x = graph.op('Sub', [x, graph.floats(`${p}/feature_mean`, mean, [dim, 1, 1])], {}, `${p}/centred`);
    x = graph.op('Div', [x, graph.floats(`${p}/feature_std`, std, [dim, 1, 1])], {}, `${p}/standardised`);
  }
  x = graph.op('Reshape', [x, graph.int64s(`${p}/flat`, [0, 0, -1])], {}, `${p}/features`); // [N,d,HW]

  const groups = [
    { name: 'finite', heads: temperatures.flatMap((t, h) => (isInfiniteTemperature(t) ? [] : [h])) },
    { name: 'max', heads: temperatures.flatMap((t, h) => (isInfiniteTemperature(t) ? [h] : [])) },
  ];
  let logits: string | undefined;
  let locationScores: string | undefined;
  for (const { name, heads } of groups) {
    if (heads.length === 0) continue;
    const g = `${p}/${name}`;
    const stacked = new Float32Array(heads.length * classes * dim);
    heads.forEach((h, i) => stacked.set(normaliseRows(weights[h]!, classes, dim), i * classes * dim));
    const w = graph.floats(`${g}/weights`, stacked, [heads.length * classes, dim]);
    const flat = graph.op('MatMul', [w, x], {}, `${g}/matmul`); // [N, G·C, HW]
    const shape = graph.int64s(`${g}/shape`, [0, heads.length, classes, -1]);
    const scores = graph.op('Reshape', [flat, shape], {}, `${g}/scores`); // [N, G, C, HW]
    if (options.map) {
      const summed = graph.op(
        'ReduceSum',
        [scores, graph.int64s(`${g}/map_axis`, [1])],
        { keepdims: 0 },
        `${g}/location_scores`,
      ); // [N, C, HW]
      locationScores = locationScores
        ? graph.op('Add', [locationScores, summed], {}, `${p}/location_scores`)
        : summed;
    }
    let pooled = graph.op('ReduceMean', [scores], { axes: [3], keepdims: 0 }, `${g}/mean`); // [N, G, C]
    if (lambda !== 0) {
      const temps = heads.map((h) => temperatures[h]!);
      const att =
        name === 'max'
          ? graph.op('ReduceMax', [scores], { axes: [3], keepdims: 0 }, `${g}/att`)
          : attentionPool(graph, scores, temps, 3, `${g}/att`);
      const weighted = graph.op(
        'Mul',
        [att, graph.floats(`${g}/lambda`, [lambda], [])],
        {},
        `${g}/lambda_att`,
      );
      pooled = graph.op('Add', [pooled, weighted], {}, `${g}/pooled`);
    }
    const summed = graph.op(
      'ReduceSum',
      [pooled, graph.int64s(`${g}/head_axis`, [1])],
      { keepdims: 0 },
      `${g}/logits`,
    ); // [N, C]
    logits = logits ? graph.op('Add', [logits, summed], {}, `${p}/logits`) : summed;
  }
  if (classScale)
    logits = graph.op('Mul', [logits!, graph.floats(`${p}/class_scale`, classScale)], {}, `${p}/scaled`);
  if (classBias)
    logits = graph.op('Add', [logits!, graph.floats(`${p}/class_bias`, classBias)], {}, `${p}/biased`);
  if (options.map) {
    const scale = Float32Array.from({ length: classes }, (_, c) => (classScale?.[c] ?? 1) * (1 + lambda));
    let map = graph.op('Mul', [locationScores!, graph.floats(`${p}/map_scale`, scale, [classes, 1])]);
    if (classBias) map = graph.op('Add', [map, graph.floats(`${p}/map_bias`, classBias, [classes, 1])]);
    map = graph.op('Sigmoid', [map], {}, `${p}/map_probability`);
    graph.node(
      'Reshape',
      [map, graph.int64s(`${p}/map_shape`, [0, classes, ...options.map.grid])],
      {},
      {
        outputNames: [options.map.name],
      },
    );
  }
  return finish(graph, logits!, options.outputName);
}

/** Rows divided by their Euclidean norm (float64), a zero row left zero. */
export function normaliseRows(weights: Float32Array, rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += weights[r * dim + k]! ** 2;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let k = 0; k < dim; k++) out[r * dim + k] = weights[r * dim + k]! / norm;
  }
  return out;
}

/**
 * att over the last axis (`axis`, the locations) of `scores`: max for T = ∞, else
 * Σ_j s_j · softmax_j(T·s) (ONNX Softmax subtracts the maximum, so it is stable). `temperature`
 * is one finite-or-∞ number, or one finite temperature per slice of axis 1 (broadcast as [G,1,1]).
 * The axis is removed.
 */
function attentionPool(
  graph: OnnxGraph,
  scores: string,
  temperature: number | number[],
  axis: number,
  hint: string,
): string {
  if (typeof temperature === 'number' && isInfiniteTemperature(temperature))
    return graph.op('ReduceMax', [scores], { axes: [axis], keepdims: 0 }, hint);
  const temps = typeof temperature === 'number' ? [temperature] : temperature;
  const scaled = temps.every((t) => t === 1)
    ? scores
    : graph.op(
        'Mul',
        [
          scores,
          typeof temperature === 'number'
            ? graph.floats(`${hint}/T`, temps, [])
            : graph.floats(`${hint}/T`, temps, [temps.length, 1, 1]),
        ],
        {},
        `${hint}/scaled`,
      );
  const weights = graph.op('Softmax', [scaled], { axis }, `${hint}/softmax`);
  const weighted = graph.op('Mul', [scores, weights], {}, `${hint}/weighted`);
  return graph.op('ReduceSum', [weighted, graph.int64s(`${hint}/axis`, [axis])], { keepdims: 0 }, hint);
}

function isIdentity(value: number | ArrayLike<number>, identity: number): boolean {
  return typeof value === 'number' ? value === identity : Array.from(value).every((v) => v === identity);
}

function constant(graph: OnnxGraph, hint: string, value: number | ArrayLike<number>): string {
  return typeof value === 'number'
    ? graph.floats(hint, [value], [])
    : graph.floats(hint, Float32Array.from(value));
}

function finish(graph: OnnxGraph, value: string, outputName: string | undefined): string {
  return outputName ? graph.node('Identity', [value], {}, { outputNames: [outputName] })[0]! : value;
}
