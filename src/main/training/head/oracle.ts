// The reference implementation of the head's step (engine.ts), in plain TypeScript and float64:
// slow, obviously correct, checked against finite differences (oracle.test.ts). Every faster
// engine is tested against it.
import { isInfiniteTemperature, sigmoid } from '$shared/csra';
import {
  checkParams,
  copyParams,
  type Batch,
  type EngineOptions,
  type HeadParams,
  type StepEngine,
} from './engine';

interface Forward {
  /** [B, C] */
  logits: Float64Array;
  /** per head: d logit / d score_h, [B, C, L] (before classScale and the loss) */
  dPool: Float64Array[];
  /** per head: normalised weights [C, d] and row norms [C] */
  normalised: Float64Array[];
  norms: Float64Array[];
  /** Σ_h pool_h, [B, C] (what classScale multiplies) */
  pooled: Float64Array;
}

/** The head's forward pass with what the backward pass needs. */
export function forward(
  options: Omit<EngineOptions, 'optimiser'>,
  params: HeadParams,
  batch: Pick<Batch, 'x' | 'size'>,
): Forward {
  const { classes: C, dim: d, locations: L, temperatures, lambda } = options.shape;
  const B = batch.size;
  const pooled = new Float64Array(B * C);
  const dPool: Float64Array[] = [];
  const normalised: Float64Array[] = [];
  const norms: Float64Array[] = [];
  const scores = new Float64Array(L);
  temperatures.forEach((T, h) => {
    const w = params.weights[h]!;
    const wn = new Float64Array(C * d);
    const norm = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += w[c * d + k]! ** 2;
      norm[c] = Math.sqrt(sum);
      for (let k = 0; k < d; k++) wn[c * d + k] = norm[c]! > 0 ? w[c * d + k]! / norm[c]! : 0;
    }
    const grad = new Float64Array(B * C * L);
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        scores.fill(0);
        for (let k = 0; k < d; k++) {
          const wk = wn[c * d + k]!;
          const base = (b * d + k) * L;
          for (let j = 0; j < L; j++) scores[j]! += wk * batch.x[base + j]!;
        }
        let mean = 0;
        let max = -Infinity;
        let argmax = 0;
        for (let j = 0; j < L; j++) {
          mean += scores[j]!;
          if (scores[j]! > max) [max, argmax] = [scores[j]!, j];
        }
        mean /= L;
        const g = grad.subarray((b * C + c) * L, (b * C + c + 1) * L);
        g.fill(1 / L);
        let att: number;
        if (isInfiniteTemperature(T)) {
          att = max;
          g[argmax]! += lambda;
        } else {
          let z = 0;
          for (let j = 0; j < L; j++) z += Math.exp(T * (scores[j]! - max));
          att = 0;
          const p = new Float64Array(L);
          for (let j = 0; j < L; j++) {
            p[j] = Math.exp(T * (scores[j]! - max)) / z;
            att += p[j]! * scores[j]!;
          }
          // d att / d s_j = p_j (1 + T (s_j − att))
          for (let j = 0; j < L; j++) g[j]! += lambda * p[j]! * (1 + T * (scores[j]! - att));
        }
        pooled[b * C + c]! += mean + lambda * att;
      }
    }
    dPool.push(grad);
    normalised.push(wn);
    norms.push(norm);
  });
  const logits = new Float64Array(B * C);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      logits[b * C + c] = params.classScale[c]! * pooled[b * C + c]! + params.classBias[c]!;
  return { logits, dPool, normalised, norms, pooled };
}

/** Σ mask · BCEWithLogits / max(1, Σ mask), computed stably. */
export function maskedBce(logits: ArrayLike<number>, y: ArrayLike<number>, mask: ArrayLike<number>): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < logits.length; i++) {
    if (mask[i] === 0) continue;
    const z = logits[i]!;
    sum += mask[i]! * (Math.max(z, 0) - z * y[i]! + Math.log1p(Math.exp(-Math.abs(z))));
    count += mask[i]!;
  }
  return sum / Math.max(1, count);
}

/** The loss and its gradient with respect to every parameter (no weight decay). */
export function lossAndGradient(
  options: Omit<EngineOptions, 'optimiser'>,
  params: HeadParams,
  batch: Batch,
): {
  loss: number;
  gradient: { weights: Float64Array[]; classScale: Float64Array; classBias: Float64Array };
} {
  const { classes: C, dim: d, locations: L } = options.shape;
  const B = batch.size;
  const f = forward(options, params, batch);
  let count = 0;
  for (let i = 0; i < B * C; i++) count += batch.mask[i]!;
  const n = Math.max(1, count);
  const dLogit = new Float64Array(B * C);
  for (let i = 0; i < B * C; i++) dLogit[i] = (batch.mask[i]! * (sigmoid(f.logits[i]!) - batch.y[i]!)) / n;
  const classScale = new Float64Array(C);
  const classBias = new Float64Array(C);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++) {
      classScale[c]! += dLogit[b * C + c]! * f.pooled[b * C + c]!;
      classBias[c]! += dLogit[b * C + c]!;
    }
  const weights = f.dPool.map((g, h) => {
    // d loss / d Wn = Σ_b Σ_j dLogit·scale·g_j · x_j
    const dWn = new Float64Array(C * d);
    for (let b = 0; b < B; b++)
      for (let c = 0; c < C; c++) {
        const upstream = dLogit[b * C + c]! * params.classScale[c]!;
        if (upstream === 0) continue;
        const gj = g.subarray((b * C + c) * L, (b * C + c + 1) * L);
        for (let k = 0; k < d; k++) {
          const base = (b * d + k) * L;
          let sum = 0;
          for (let j = 0; j < L; j++) sum += gj[j]! * batch.x[base + j]!;
          dWn[c * d + k]! += upstream * sum;
        }
      }
    // Through the row normalisation: dW = (dWn − wn (wn · dWn)) / ||W||.
    const wn = f.normalised[h]!;
    const dW = new Float64Array(C * d);
    for (let c = 0; c < C; c++) {
      const norm = f.norms[h]![c]!;
      if (norm === 0) continue;
      let dot = 0;
      for (let k = 0; k < d; k++) dot += wn[c * d + k]! * dWn[c * d + k]!;
      for (let k = 0; k < d; k++) dW[c * d + k] = (dWn[c * d + k]! - wn[c * d + k]! * dot) / norm;
    }
    return dW;
  });
  return { loss: maskedBce(f.logits, batch.y, batch.mask), gradient: { weights, classScale, classBias } };
}

export function createOracleEngine(options: EngineOptions): StepEngine {
  checkParams(options.shape, options.init);
  const params = copyParams(options.init);
  const { momentum, weightDecay } = options.optimiser;
  const velocity = {
    weights: params.weights.map((w) => new Float64Array(w.length)),
    classScale: new Float64Array(params.classScale.length),
    classBias: new Float64Array(params.classBias.length),
  };
  const update = (p: Float32Array, v: Float64Array, g: Float64Array, lr: number, decay: number) => {
    for (let i = 0; i < p.length; i++) {
      v[i] = momentum * v[i]! + g[i]! + decay * p[i]!;
      p[i] = p[i]! - lr * v[i]!;
    }
  };
  return {
    backend: 'oracle',
    async step(batch, lr) {
      const { loss, gradient } = lossAndGradient(options, params, batch);
      params.weights.forEach((w, h) =>
        update(w, velocity.weights[h]!, gradient.weights[h]!, lr, weightDecay),
      );
      update(params.classScale, velocity.classScale, gradient.classScale, lr, 0);
      update(params.classBias, velocity.classBias, gradient.classBias, lr, 0);
      return loss;
    },
    async logits(x, size) {
      return Float32Array.from(forward(options, params, { x, size }).logits);
    },
    async params() {
      return copyParams(params);
    },
    dispose() {},
  };
}
