// The head's step engine in TensorFlow.js: the head of engine.ts defined once as tfjs ops, its
// gradient by autodiff (tf.variableGrads), on the best backend that loads here.
//
// Speed, measured on wasm at the reference shape (batch 64 × 256 locations × 480 channels, 20
// classes, 2 heads): the heads' classifiers are one fused variable W = [H·C, d], so the scores of
// all heads and images are ONE product [H·C, B·L]. wasm's matMul (XNNPACK) is fast only with no
// transpose flag and no batch dimension, and only when its right operand is small (it repacks the
// right operand on every call): 5–10× slower otherwise. Autodiff of that product would give the
// weight gradient as a transposed product over the features; `fusedScores` states the product and
// its gradient with the features transposed explicitly on the device, once per layout, as the left
// operand of both. Everything else — the row normalisation, the pooling, the scale and bias, the
// loss — is differentiated by tfjs.
//
// A classifier row of zero has no direction to normalise (the oracle leaves it at zero, this would
// produce NaN), so such a start is refused.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isInfiniteTemperature } from '$shared/csra';
import { checkParams, type EngineOptions, type HeadParams, type StepEngine } from './engine';

// Backends, best first. tfjs-node(-gpu) and WebGPU are optional: each is tried once per process and
// falls through to the next with the reason recorded (tfjsBackendReport).
const PREFERENCE = ['node-gpu', 'node', 'webgpu', 'wasm'] as const;
export type TfjsBackend = (typeof PREFERENCE)[number];
export type TfjsBackendChoice = 'auto' | TfjsBackend;

export interface BackendAttempt {
  backend: TfjsBackend;
  ok: boolean;
  /** Why it did not load. */
  reason?: string;
}

/** Imported by a name held in a variable so that neither TypeScript nor the bundler resolves it:
 * the package may be absent (optional, or not installable here), and must stay out of the bundle. */
const importOptional = (specifier: string): Promise<Record<string, unknown>> => import(specifier);

interface Dawn {
  create: (flags: string[]) => { requestAdapter(): Promise<object | null> };
  globals: object;
}

/** The name each backend registers under in tfjs. */
const TFJS_NAME: Record<TfjsBackend, string> = {
  'node-gpu': 'tensorflow',
  node: 'tensorflow',
  webgpu: 'webgpu',
  wasm: 'wasm',
};

/**
 * Whether the dynamic linker can find libvulkan.so.1: in its cache (every library ldconfig knows)
 * or on LD_LIBRARY_PATH. Without a cache to read, assume it can and let Dawn say.
 */
async function hasVulkanLoader(): Promise<boolean> {
  const folders = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (folders.some((folder) => existsSync(join(folder, 'libvulkan.so.1')))) return true;
  const cache = await readFile('/etc/ld.so.cache').catch(() => null);
  return cache === null || cache.includes('libvulkan.so.1');
}

/** Imports one backend's packages (which registers it with tfjs); throws why it cannot. */
const loaders: Record<TfjsBackend, () => Promise<unknown>> = {
  'node-gpu': () => importOptional('@tensorflow/tfjs-node-gpu'),
  node: () => importOptional('@tensorflow/tfjs-node'),
  webgpu: async () => {
    // On Linux Dawn needs Vulkan; without its loader, Dawn would only print a warning and find no adapter.
    if (process.platform === 'linux' && !(await hasVulkanLoader()))
      throw new Error('no Vulkan loader (libvulkan.so.1) on this machine');
    const { create, globals } = (await importOptional('webgpu')) as unknown as Dawn;
    const gpu = create([]);
    // Asked before any global is touched, so that a machine without a GPU is left as it was.
    if (!(await gpu.requestAdapter()))
      throw new Error('no WebGPU adapter (no Vulkan, Metal or D3D12 driver)');
    // tfjs-backend-webgpu registers itself on import only where navigator.gpu exists.
    Object.assign(globalThis, globals);
    const scope = globalThis as { navigator?: object };
    if (scope.navigator) Object.defineProperty(scope.navigator, 'gpu', { value: gpu, configurable: true });
    else scope.navigator = { gpu };
    return importOptional('@tensorflow/tfjs-backend-webgpu');
  },
  wasm: () => import('@tensorflow/tfjs-backend-wasm'),
};

async function activate(backend: TfjsBackend): Promise<void> {
  const name = TFJS_NAME[backend];
  if (!(await tf.setBackend(name)))
    throw new Error(`tf.setBackend('${name}') failed (its warning above says why)`);
}

const attempts = new Map<TfjsBackend, Promise<BackendAttempt>>();
const outcomes = new Map<TfjsBackend, BackendAttempt>();

function attempt(backend: TfjsBackend): Promise<BackendAttempt> {
  let result = attempts.get(backend);
  if (!result) {
    result = loaders[backend]()
      .then(() => activate(backend))
      .then(
        (): BackendAttempt => ({ backend, ok: true }),
        (error: unknown): BackendAttempt => ({
          backend,
          ok: false,
          reason: error instanceof Error ? error.message : String(error),
        }),
      )
      .then((outcome) => {
        outcomes.set(backend, outcome);
        return outcome;
      });
    attempts.set(backend, result);
  }
  return result;
}

/** Makes `choice` (for 'auto' the first in PREFERENCE that loads) tfjs's backend; returns which. */
async function useBackend(choice: TfjsBackendChoice): Promise<TfjsBackend> {
  const failed: BackendAttempt[] = [];
  for (const backend of choice === 'auto' ? PREFERENCE : [choice]) {
    const outcome = await attempt(backend);
    if (!outcome.ok) {
      failed.push(outcome);
      continue;
    }
    // Another engine may have switched tfjs to a different backend since this one loaded.
    await activate(backend);
    return backend;
  }
  throw new Error(failed.map((a) => `tfjs-${a.backend} does not load: ${a.reason}`).join('; '));
}

/** The backends tried so far in this process, best first, with why each that failed did. */
export function tfjsBackendReport(): BackendAttempt[] {
  return PREFERENCE.flatMap((backend) => outcomes.get(backend) ?? []);
}

/**
 * The scores of every head on every image, [H·C, B·L], of features x [B, d, L] and the normalised
 * fused classifiers Ŵ [H·C, d]. Each of the two products takes the features as its left operand in
 * the layout it needs, X' = [B·L, d] forward (S = (X'·Ŵᵀ)ᵀ) and X = [d, B·L] for the weight
 * gradient (dŴ = (X·dSᵀ)ᵀ), so that neither has a transpose flag nor packs the features as its
 * right operand (see the header).
 */
function fusedScores(x: tf.Tensor3D): (normalised: tf.Tensor2D) => tf.Tensor2D {
  const [B, d, L] = x.shape;
  return tf.customGrad((normalised) => {
    const rows = tf.reshape(tf.transpose(x, [0, 2, 1]), [B * L, d]);
    return {
      value: tf.transpose(tf.matMul(rows, tf.transpose(normalised as tf.Tensor2D))),
      gradFunc: (dy) => {
        const columns = tf.reshape(tf.transpose(x, [1, 0, 2]), [d, B * L]);
        return tf.transpose(tf.matMul(columns, tf.transpose(dy)));
      },
    };
  });
}

export async function createTfjsEngine(
  options: EngineOptions,
  backend: TfjsBackendChoice = 'auto',
): Promise<StepEngine> {
  const { shape, init, optimiser } = options;
  checkParams(shape, init);
  const { classes: C, dim: d, locations: L, temperatures, lambda } = shape;
  const H = temperatures.length;
  init.weights.forEach((w, h) => {
    for (let c = 0; c < C; c++)
      if (w.subarray(c * d, (c + 1) * d).every((v) => v === 0))
        throw new RangeError(`head ${h}, class ${c}: a classifier row of zeros cannot be normalised`);
  });
  const name = await useBackend(backend);

  const fused = new Float32Array(H * C * d);
  init.weights.forEach((w, h) => fused.set(w, h * C * d));
  // In tidy: the tensors the variables start from would otherwise outlive dispose().
  const trainable = tf.tidy((): [tf.Variable, tf.Variable, tf.Variable] => [
    tf.variable(tf.tensor2d(fused, [H * C, d])),
    tf.variable(tf.tensor2d(init.classScale, [C, 1])),
    tf.variable(tf.tensor2d(init.classBias, [C, 1])),
  ]);
  const [W, scale, bias] = trainable;
  // SGD with momentum in PyTorch's form (engine.ts): v ← μv + g, p ← p − lr·v. tf.train.momentum
  // has the same form, but its dispose() leaves its learning-rate tensor behind.
  const velocity = tf.tidy(() => trainable.map((p) => tf.variable(tf.zerosLike(p), false)));
  // Per head, broadcast over [H, C, B, L]: the softmax temperature (1 stands in on ∞ heads, whose
  // softmax term is weighted 0) and the weight of each head's attention term of either kind.
  const infinite = temperatures.map((t) => isInfiniteTemperature(t));
  const softTemperature = tf.tensor4d(
    temperatures.map((t, h) => (infinite[h] ? 1 : t)),
    [H, 1, 1, 1],
  );
  const softLambda = tf.tensor3d(
    infinite.map((inf) => (inf ? 0 : lambda)),
    [H, 1, 1],
  );
  const maxLambda = tf.tensor3d(
    infinite.map((inf) => (inf ? lambda : 0)),
    [H, 1, 1],
  );

  /** The head (engine.ts): logits [B, C] of B images' features [B, d, L]. */
  const logitsOf = (x: tf.Tensor3D): tf.Tensor2D => {
    const B = x.shape[0];
    const normalised = tf.div<tf.Tensor2D>(W, tf.sqrt(tf.sum(tf.square(W), 1, true)));
    const scores = tf.reshape(fusedScores(x)(normalised), [H, C, B, L]);
    let pooled = tf.mean(scores, -1);
    if (infinite.includes(false)) {
      const weights = tf.softmax(tf.mul(scores, softTemperature));
      pooled = tf.add(pooled, tf.mul(tf.sum(tf.mul(weights, scores), -1), softLambda));
    }
    if (infinite.includes(true)) {
      // max_j s_j as Σ_j s_j·[j = argmax]: its gradient goes to the first maximal location, as the
      // oracle's does, and costs one product (tfjs's own gradient of max is an Equal against the
      // broadcast max, 60 ms a step on wasm).
      // (oneHot cast rather than asked for float32: wasm's OneHot writes int32 bits regardless.)
      const first = tf.cast(tf.oneHot(tf.argMax(scores, -1), L), 'float32');
      pooled = tf.add(pooled, tf.mul(tf.sum(tf.mul(first, scores), -1), maxLambda));
    }
    return tf.transpose(tf.add(tf.mul(tf.sum(pooled, 0), scale), bias)); // [C, B] → [B, C]
  };

  const upload = (x: Float32Array, size: number) => {
    if (x.length !== size * d * L)
      throw new RangeError(`features of ${size} images need ${size * d * L} values, not ${x.length}`);
    return tf.tensor3d(x, [size, d, L]);
  };

  return {
    backend: `tfjs-${name}`,
    async step(batch, lr) {
      const B = batch.size;
      if (batch.y.length !== B * C || batch.mask.length !== B * C)
        throw new RangeError(`labels and mask of ${B} images need ${B * C} values`);
      let known = 0;
      for (let i = 0; i < batch.mask.length; i++) known += batch.mask[i]!;
      const loss = tf.tidy(() => {
        const x = upload(batch.x, B);
        const y = tf.tensor2d(batch.y, [B, C]);
        const mask = tf.tensor2d(batch.mask, [B, C]);
        const { value, grads } = tf.variableGrads(() => {
          const z = logitsOf(x);
          // BCE with logits as softplus(z) − z·y: stable, and its tfjs gradient is exactly σ(z) − y.
          const bce = tf.sub(tf.softplus(z), tf.mul(z, y));
          return tf.div<tf.Scalar>(tf.sum(tf.mul(mask, bce)), Math.max(1, known));
        }, trainable);
        // Weight decay on the classifiers only, added to their gradient as PyTorch's SGD does.
        trainable.forEach((p, i) => {
          const g = grads[p.name]!;
          // Weight decay on the classifiers only, added to their gradient as PyTorch's SGD does.
          const decayed = p === W ? tf.add(g, tf.mul(p, optimiser.weightDecay)) : g;
          const v = velocity[i]!;
          v.assign(tf.add(tf.mul(v, optimiser.momentum), decayed));
          p.assign(tf.sub(p, tf.mul(v, lr)));
        });
        return value;
      });
      const [value] = await loss.data();
      loss.dispose();
      return value!;
    },
    async logits(x, size) {
      const logits = tf.tidy(() => logitsOf(upload(x, size)));
      const values = (await logits.data()) as Float32Array;
      logits.dispose();
      return values;
    },
    async params(): Promise<HeadParams> {
      const [weights, classScale, classBias] = (await Promise.all(
        trainable.map((p) => p.data()),
      )) as Float32Array[];
      return {
        weights: temperatures.map((_, h) => weights!.slice(h * C * d, (h + 1) * C * d)),
        // Some backends (cpu) hand out their own buffer.
        classScale: classScale!.slice(),
        classBias: classBias!.slice(),
      };
    },
    dispose() {
      tf.dispose([...trainable, ...velocity, softTemperature, softLambda, maxLambda]);
    },
  };
}
