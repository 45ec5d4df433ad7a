// npm run bench:train-step [-- --steps N --warmup N] — milliseconds per SGD step of the trainable
// CSRA head at the reference shape (batch 64 × 256 locations × 480 channels, 20 classes, 2 heads),
// for every step engine that loads here: TensorFlow.js on each of its backends and the onnxruntime
// step graph. The median of N steps after a warm-up (the first steps compile, upload and allocate).
// Prints figures only.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { csraTemperatures } from '$shared/csra';
import type { Batch, EngineOptions, StepEngine } from '../src/main/training/head/engine';
import { createOrtEngine } from '../src/main/training/head/ort-engine';
import { createTfjsEngine, type TfjsBackend } from '../src/main/training/head/tfjs-engine';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '10' }, warmup: { type: 'string', default: '3' } },
});
const steps = Number(values.steps);
const warmup = Number(values.warmup);

const [B, L, d, C] = [64, 256, 480, 20];
const shape = { classes: C, dim: d, locations: L, temperatures: csraTemperatures(2), lambda: 0.2 };
// Deterministic, cheap stand-ins: the step's cost does not depend on the values.
const wave = (count: number, scale: number, phase: number) =>
  Float32Array.from({ length: count }, (_, i) => scale * Math.sin(i * 0.618 + phase));
const options: EngineOptions = {
  shape,
  init: {
    weights: shape.temperatures.map((_, h) => wave(C * d, 1 / Math.sqrt(d), h)),
    classScale: new Float32Array(C).fill(1),
    classBias: new Float32Array(C),
  },
  optimiser: { momentum: 0.9, weightDecay: 1e-4 },
};
const batch: Batch = {
  x: wave(B * d * L, 1, 0.5),
  y: Float32Array.from({ length: B * C }, (_, i) => (i % 7 === 0 ? 1 : 0)),
  mask: Float32Array.from({ length: B * C }, (_, i) => (i % 5 === 0 ? 0 : 1)),
  size: B,
};

console.log(
  `one step = batch ${B} × ${L} locations × ${d} channels, ${C} classes, ${shape.temperatures.length} heads; ` +
    `median of ${steps} after ${warmup} warm-up`,
);

const engines: [string, () => Promise<StepEngine>][] = [
  ...(['node-gpu', 'node', 'webgpu', 'wasm'] as TfjsBackend[]).map(
    (backend): [string, () => Promise<StepEngine>] => [
      `tfjs-${backend}`,
      () => createTfjsEngine(options, backend),
    ],
  ),
  ['onnxruntime', () => createOrtEngine(options)],
];
for (const [name, create] of engines) {
  let engine: StepEngine;
  try {
    engine = await create();
  } catch (error) {
    console.log(`${name.padEnd(18)} unavailable: ${(error as Error).message}`);
    continue;
  }
  try {
    for (let i = 0; i < warmup; i++) await engine.step(batch, 0.01);
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const started = performance.now();
      await engine.step(batch, 0.01);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    console.log(
      `${engine.backend.padEnd(18)} ${median.toFixed(0).padStart(5)} ms/step ` +
        `(fastest ${times[0]!.toFixed(0)}, slowest ${times.at(-1)!.toFixed(0)})`,
    );
  } finally {
    engine.dispose();
  }
}
