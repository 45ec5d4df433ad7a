// Which engine trains: the faster of TensorFlow.js (on its best backend) and the onnxruntime step
// graph, timed on this machine at the run's own shape, so a GPU backend wins where there is one
// and the CPU graph wins on a laptop without one.
import { createOrtEngine } from './ort-engine';
import { createTfjsEngine, tfjsBackendReport } from './tfjs-engine';
import type { EngineOptions, HeadShape, StepEngine } from './engine';

export type EngineChoice = 'auto' | 'tfjs' | 'onnxruntime';

export type EngineKind = Exclude<EngineChoice, 'auto'>;

export const createEngine = (kind: EngineKind, options: EngineOptions): Promise<StepEngine> =>
  kind === 'tfjs' ? createTfjsEngine(options) : createOrtEngine(options);

export interface EngineTiming {
  kind: EngineKind;
  backend: string;
  msPerStep: number | null;
  error: string | null;
  /** Better backends of this engine that did not load here, each with why. */
  skipped: string[];
}

const skippedBackends = (kind: EngineKind): string[] =>
  kind === 'tfjs' ? tfjsBackendReport().flatMap((a) => (a.ok ? [] : [`tfjs-${a.backend}: ${a.reason}`])) : [];

/** Times two steps of each engine on a batch of the run's shape; the fastest that works wins. */
export async function chooseEngine(
  choice: EngineChoice,
  shape: HeadShape,
  batchSize: number,
  optimiser: EngineOptions['optimiser'],
): Promise<{ kind: EngineKind; timings: EngineTiming[] }> {
  if (choice !== 'auto') return { kind: choice, timings: [] };
  const { classes: C, dim: d, locations: L } = shape;
  const init = {
    weights: shape.temperatures.map(() => Float32Array.from({ length: C * d }, (_, i) => Math.sin(i + 1))),
    classScale: new Float32Array(C).fill(1),
    classBias: new Float32Array(C),
  };
  const batch = {
    x: Float32Array.from({ length: batchSize * d * L }, (_, i) => Math.cos(i)),
    y: new Float32Array(batchSize * C),
    mask: new Float32Array(batchSize * C).fill(1),
    size: batchSize,
  };
  const timings: EngineTiming[] = [];
  for (const kind of ['onnxruntime', 'tfjs'] as const) {
    let engine: StepEngine | undefined;
    try {
      engine = await createEngine(kind, { shape, init, optimiser });
      await engine.step(batch, 0); // the first step compiles and uploads
      const started = performance.now();
      await engine.step(batch, 0);
      await engine.step(batch, 0);
      timings.push({
        kind,
        backend: engine.backend,
        msPerStep: (performance.now() - started) / 2,
        error: null,
        skipped: skippedBackends(kind),
      });
    } catch (error) {
      timings.push({
        kind,
        backend: kind,
        msPerStep: null,
        error: (error as Error).message,
        skipped: skippedBackends(kind),
      });
    } finally {
      engine?.dispose();
    }
  }
  const working = timings.filter((t) => t.msPerStep !== null).sort((a, b) => a.msPerStep! - b.msPerStep!);
  if (working.length === 0)
    throw new Error(
      `no training engine works here: ${timings.map((t) => `${t.kind}: ${t.error}`).join('; ')}`,
    );
  return { kind: working[0]!.kind, timings };
}
