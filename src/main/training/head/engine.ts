// The trainable CSRA head as a step engine: one interface, several implementations (a TypeScript
// oracle for tests, TensorFlow.js on its best backend, onnxruntime running the whole step as one
// graph). The training loop (train-loop.ts) drives whichever is fastest here; every engine must
// reproduce the oracle's losses and parameters to 1e-4 over the first steps of a seeded run.
//
// The head (DESIGN.md, "method"), on features already standardised per channel:
//   score_h = (W_h · x) / ||W_h||_row                       [C, L] per image, head h, L locations
//   pool_h  = mean_j score_h + λ · att_{T_h}(score_h)       att: Σ_j s_j softmax_j(T s), or max for ∞
//   logit   = classScale ⊙ Σ_h pool_h + classBias           [C]
//   loss    = Σ mask ⊙ BCEWithLogits(logit, y) / max(1, Σ mask)   over the batch
// Optimiser: SGD with momentum (PyTorch's form: v ← μ v + g; p ← p − lr v), weight decay added to
// the gradient of the W_h only (not of classScale, classBias).

export interface HeadShape {
  /** C */
  classes: number;
  /** d, the feature channels */
  dim: number;
  /** L = H·W */
  locations: number;
  /** One per head, ∞ written 99 (src/shared/csra.ts). */
  temperatures: readonly number[];
  lambda: number;
}

export interface HeadParams {
  /** One raw (not normalised) C×d classifier per head, row-major, in the order of the temperatures. */
  weights: Float32Array[];
  classScale: Float32Array;
  classBias: Float32Array;
}

export interface Optimiser {
  momentum: number;
  weightDecay: number;
}

export interface Batch {
  /** B images' standardised features, [B, d, L] (channel-major, as the backbone emits them). */
  x: Float32Array;
  /** [B, C]: 1 positive, 0 negative (anything where mask is 0). */
  y: Float32Array;
  /** [B, C]: 1 where the label is known, 0 where it is unknown (left out of the loss). */
  mask: Float32Array;
  /** B */
  size: number;
}

export interface StepEngine {
  /** What runs the math, reported in every result: 'oracle', 'tfjs-wasm', 'tfjs-webgpu', 'onnxruntime-cpu', … */
  readonly backend: string;
  /** One optimiser step at learning rate `lr`; returns the batch's loss before the update. */
  step(batch: Batch, lr: number): Promise<number>;
  /** Logits [B, C] of B images' standardised features [B, d, L], with the current parameters. */
  logits(x: Float32Array, size: number): Promise<Float32Array>;
  /** The current parameters (copies). */
  params(): Promise<HeadParams>;
  dispose(): void;
}

export interface EngineOptions {
  shape: HeadShape;
  init: HeadParams;
  optimiser: Optimiser;
}

export function checkParams(shape: HeadShape, params: HeadParams): void {
  const { classes, dim, temperatures } = shape;
  if (params.weights.length !== temperatures.length)
    throw new RangeError(`${params.weights.length} weight matrices for ${temperatures.length} heads`);
  params.weights.forEach((w, h) => {
    if (w.length !== classes * dim)
      throw new RangeError(`head ${h} has ${w.length} weights, not ${classes}×${dim}`);
  });
  if (params.classScale.length !== classes || params.classBias.length !== classes)
    throw new RangeError(`classScale and classBias need ${classes} values`);
}

export const copyParams = (params: HeadParams): HeadParams => ({
  weights: params.weights.map((w) => w.slice()),
  classScale: params.classScale.slice(),
  classBias: params.classBias.slice(),
});
