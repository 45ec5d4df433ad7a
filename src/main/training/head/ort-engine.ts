// The head's step engine on onnxruntime's CPU provider: forward, backward and the momentum update of
// one SGD step run as ONE hand-built ONNX graph (the math of engine.ts, the backward of oracle.ts),
// so a step is a single native call. Nothing crosses into JavaScript but the loss and the small
// parameter and velocity tensors, which are fed straight back as the next step's inputs.
//
// Layout, chosen for speed: the features stay [B, d, L] as given. A first version transposed them
// in-graph to [d, B·L] (31 MB a step, copied on one thread) so that each product was one GEMM, with
// one product per head group: ~46 ms a step against ~16 ms now (batch 64 × 256 × 480, 2 heads, 2
// cores; the transpose alone took ~15 ms). All heads share ONE classifier matrix
// [H·C, d] (finite temperatures first, then ∞), so the features are read once by the forward
// product W·x = [B, H·C, L] and once by the weight gradient Σ_b x_b · dS_bᵀ (a batched product and
// a sum over the batch); in between the scores are [B, H, C, L] and each head's pooling reduces the
// last axis.
//
// Ties of the ∞ head's max: the gradient goes to the first maximal location (ArgMax), as in the
// oracle. A classifier row of zero has no direction to normalise; the oracle leaves it at zero,
// this graph would produce NaN, so such a start is refused.
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { isInfiniteTemperature } from '$shared/csra';
import { OnnxGraph } from '../../models/onnx-graph';
import { checkParams, type EngineOptions, type HeadParams, type HeadShape, type StepEngine } from './engine';

/** Heads of one kind, consecutive in the shared classifier. */
interface HeadGroup {
  name: 'finite' | 'max';
  /** Indices into the temperatures, in order. */
  heads: number[];
  temperatures: number[];
  /** The group's first head in the shared classifier. */
  offset: number;
}

function headGroups(temperatures: readonly number[]): HeadGroup[] {
  const finite = temperatures.flatMap((t, h) => (isInfiniteTemperature(t) ? [] : [h]));
  const max = temperatures.flatMap((t, h) => (isInfiniteTemperature(t) ? [h] : []));
  const group = (name: HeadGroup['name'], heads: number[], offset: number): HeadGroup => ({
    name,
    heads,
    temperatures: heads.map((h) => temperatures[h]!),
    offset,
  });
  return [group('finite', finite, 0), group('max', max, finite.length)].filter((g) => g.heads.length > 0);
}

/** The heads in the order of the shared classifier's row blocks. */
const classifierOrder = (temperatures: readonly number[]) => headGroups(temperatures).flatMap((g) => g.heads);

/** Graph input names; the step graph outputs each parameter and velocity again with `next/` in front. */
const velocityName = (name: string) => `velocity/${name}`;
const nextName = (name: string) => `next/${name}`;

/** What the backward pass needs of one group's forward. */
interface GroupForward {
  group: HeadGroup;
  /** Scores [B, G, C, L]. */
  scores: string;
  /** Finite heads: softmax_j(T s) [B, G, C, L] and att [B, G, C, 1]; ∞ heads: argmax [B, G, C]. */
  softmax?: string;
  attention?: string;
  argmax?: string;
}

interface Forward {
  /** Row norms [H·C, 1] and the row-normalised classifier [H·C, d]. */
  norms: string;
  normalised: string;
  groups: GroupForward[];
  /** Σ_h pool_h [B, C] and the logits [B, C]. */
  pooled: string;
  logits: string;
}

/** The forward pass on x [B, d, L] with the inputs `weights` [H·C, d], `classScale`, `classBias`. */
function appendForward(graph: OnnxGraph, shape: HeadShape, x: string): Forward {
  const { classes: C, dim: d, locations: L, lambda, temperatures } = shape;
  const H = temperatures.length;
  const weights = graph.input('weights', [H * C, d]);
  const squares = graph.op('Mul', [weights, weights]);
  const norms = graph.op('Sqrt', [graph.op('ReduceSum', [squares, graph.int64s('axis1', [1])])]);
  const normalised = graph.op('Div', [weights, norms], {}, 'normalised');
  const flat = graph.op('MatMul', [normalised, x], {}, 'scores'); // [B, H·C, L]
  const all = graph.op('Reshape', [flat, graph.int64s('scores/shape', [0, H, C, L])]);

  const groups: GroupForward[] = [];
  let pooled: string | undefined;
  for (const group of headGroups(temperatures)) {
    const G = group.heads.length;
    const p = group.name;
    const scores =
      G === H
        ? all
        : graph.op('Slice', [
            all,
            graph.int64s(`${p}/start`, [group.offset]),
            graph.int64s(`${p}/end`, [group.offset + G]),
            graph.int64s(`${p}/axis`, [1]),
          ]);
    const forward: GroupForward = { group, scores };
    let pool = graph.op('ReduceMean', [scores], { axes: [3], keepdims: 1 }); // [B, G, C, 1]
    if (lambda !== 0) {
      if (group.name === 'max') {
        forward.attention = graph.op('ReduceMax', [scores], { axes: [3], keepdims: 1 });
        forward.argmax = graph.op('ArgMax', [scores], { axis: 3, keepdims: 0, select_last_index: 0 });
      } else {
        const scaled = group.temperatures.every((t) => t === 1)
          ? scores
          : graph.op('Mul', [scores, temperatureTensor(graph, group)]);
        forward.softmax = graph.op('Softmax', [scaled], { axis: 3 });
        const weighted = graph.op('Mul', [scores, forward.softmax]);
        forward.attention = graph.op('ReduceSum', [weighted, graph.int64s(`${p}/axis3`, [3])], {
          keepdims: 1,
        });
      }
      const lambdaAtt = graph.op('Mul', [forward.attention, graph.floats(`${p}/lambda`, [lambda], [])]);
      pool = graph.op('Add', [pool, lambdaAtt]);
    }
    // Σ over the group's heads: [B, C]
    const summed = graph.op('ReduceSum', [pool, graph.int64s(`${p}/axes13`, [1, 3])], { keepdims: 0 });
    pooled = pooled ? graph.op('Add', [pooled, summed]) : summed;
    groups.push(forward);
  }
  const scale = graph.input('classScale', [C]);
  const bias = graph.input('classBias', [C]);
  const logits = graph.op('Add', [graph.op('Mul', [pooled!, scale]), bias], {}, 'logits');
  return { norms, normalised, groups, pooled: pooled!, logits };
}

/** A finite group's temperatures, shaped to scale its [B, G, C, L] scores. */
const temperatureTensor = (graph: OnnxGraph, group: HeadGroup) =>
  graph.floats(`${group.name}/T`, group.temperatures, [1, group.heads.length, 1, 1]);

const featuresInput = (graph: OnnxGraph, shape: HeadShape) =>
  graph.input('x', ['B', shape.dim, shape.locations]);

function buildLogitsGraph(shape: HeadShape): Uint8Array {
  const graph = new OnnxGraph('csra_head_logits');
  const { logits } = appendForward(graph, shape, featuresInput(graph, shape));
  graph.node('Identity', [logits], {}, { outputNames: ['out/logits'] });
  graph.output('out/logits', ['B', shape.classes]);
  return graph.encode();
}

/** One SGD-with-momentum step: inputs x, y, mask, lr, the parameters and velocities; outputs the loss and `next/…`. */
function buildStepGraph(shape: HeadShape, optimiser: EngineOptions['optimiser']): Uint8Array {
  const { classes: C, dim: d, temperatures } = shape;
  const graph = new OnnxGraph('csra_head_step');
  const x = featuresInput(graph, shape);
  const forward = appendForward(graph, shape, x);
  const y = graph.input('y', ['B', C]);
  const mask = graph.input('mask', ['B', C]);
  const lr = graph.input('lr', []);
  const scalar = (hint: string, value: number) => graph.floats(hint, [value], []);

  // Loss: Σ mask · (max(z, 0) − z y + log(1 + e^−|z|)) / max(1, Σ mask)
  const z = forward.logits;
  const count = graph.op('Max', [graph.op('ReduceSum', [mask], { keepdims: 0 }), scalar('one', 1)]);
  const softplus = graph.op('Softplus', [graph.op('Neg', [graph.op('Abs', [z])])]);
  const bce = graph.op('Add', [graph.op('Sub', [graph.op('Relu', [z]), graph.op('Mul', [z, y])]), softplus]);
  const lossSum = graph.op('ReduceSum', [graph.op('Mul', [mask, bce])], { keepdims: 0 });
  graph.node('Div', [lossSum, count], {}, { outputNames: ['loss'] });
  graph.output('loss', []);

  // d loss / d logit = mask (σ(z) − y) / count
  const dLogit = graph.op('Div', [
    graph.op('Mul', [mask, graph.op('Sub', [graph.op('Sigmoid', [z]), y])]),
    count,
  ]);
  const batchAxis = graph.int64s('axis0', [0]);
  const dScale = graph.op('Mul', [dLogit, forward.pooled]);
  const updates: Update[] = [
    {
      name: 'classScale',
      dims: [C],
      gradient: graph.op('ReduceSum', [dScale, batchAxis], { keepdims: 0 }),
      decay: 0,
    },
    {
      name: 'classBias',
      dims: [C],
      gradient: graph.op('ReduceSum', [dLogit, batchAxis], { keepdims: 0 }),
      decay: 0,
    },
    {
      name: 'weights',
      dims: [temperatures.length * C, d],
      gradient: appendWeightGradient(graph, shape, forward, dLogit, x),
      decay: optimiser.weightDecay,
    },
  ];

  // v ← μ v + g (+ wd · W for the classifiers); p ← p − lr v
  for (const { name, dims, gradient, decay } of updates) {
    const velocity = graph.input(velocityName(name), dims);
    let step = graph.op('Add', [
      graph.op('Mul', [velocity, scalar(`${name}/momentum`, optimiser.momentum)]),
      gradient,
    ]);
    if (decay !== 0) step = graph.op('Add', [step, graph.op('Mul', [name, scalar(`${name}/decay`, decay)])]);
    graph.node('Identity', [step], {}, { outputNames: [nextName(velocity)] });
    graph.node('Sub', [name, graph.op('Mul', [step, lr])], {}, { outputNames: [nextName(name)] });
    graph.output(nextName(velocity), dims);
    graph.output(nextName(name), dims);
  }
  return graph.encode();
}

interface Update {
  /** The parameter's input name. */
  name: string;
  dims: number[];
  gradient: string;
  decay: number;
}

/** d loss / d W [H·C, d] from d loss / d logit [B, C]. */
function appendWeightGradient(
  graph: OnnxGraph,
  shape: HeadShape,
  forward: Forward,
  dLogit: string,
  x: string,
): string {
  const { classes: C, locations: L, lambda, temperatures } = shape;
  const H = temperatures.length;
  // d loss / d pool_h, laid out as the scores: [B, 1, C, 1]
  const dPool = graph.op('Reshape', [
    graph.op('Mul', [dLogit, 'classScale']),
    graph.int64s('dpool/shape', [0, 1, C, 1]),
  ]);
  const dScores = forward.groups.map(({ group, scores, softmax, attention, argmax }) => {
    const G = group.heads.length;
    const p = `${group.name}/grad`;
    const scalar = (hint: string, value: number) => graph.floats(`${p}/${hint}`, [value], []);
    // d pool / d s_j = 1/L + λ · d att / d s_j
    if (lambda === 0)
      return graph.op('Expand', [
        graph.op('Mul', [dPool, scalar('mean', 1 / L)]),
        graph.int64s(`${p}/expand`, [1, G, 1, L]),
      ]);
    if (group.name === 'max') {
      // The max's whole gradient at its (first) argmax: 1/L everywhere, 1/L + λ there.
      const depth = graph.int64s(`${p}/depth`, [L], []);
      const values = graph.floats(`${p}/values`, [1 / L, 1 / L + lambda]);
      return graph.op('Mul', [dPool, graph.op('OneHot', [argmax!, depth, values])]);
    }
    // d att / d s_j = p_j (1 + T (s_j − att))
    const centred = graph.op('Sub', [scores, attention!]);
    const tCentred = group.temperatures.every((t) => t === 1)
      ? centred
      : graph.op('Mul', [centred, temperatureTensor(graph, group)]);
    const dAtt = graph.op('Mul', [softmax!, graph.op('Add', [tCentred, scalar('one', 1)])]);
    const dPoolDs = graph.op('Add', [
      graph.op('Mul', [dAtt, scalar('lambda', lambda)]),
      scalar('mean', 1 / L),
    ]);
    return graph.op('Mul', [dPool, dPoolDs]);
  });
  const dAll = dScores.length === 1 ? dScores[0]! : graph.op('Concat', dScores, { axis: 1 }); // [B, H, C, L]
  // d loss / d Wn = Σ_b x_b · dS_bᵀ, as [B, d, H·C] summed over the batch, then transposed
  const dFlat = graph.op('Reshape', [dAll, graph.int64s('dscores/shape', [0, H * C, L])]);
  const dFlatT = graph.op('Transpose', [dFlat], { perm: [0, 2, 1] }); // [B, L, H·C]
  const perImage = graph.op('MatMul', [x, dFlatT], {}, 'dnormalised/per_image'); // [B, d, H·C]
  const summed = graph.op('ReduceSum', [perImage, graph.int64s('axis0/dn', [0])], { keepdims: 0 });
  const dNormalised = graph.op('Transpose', [summed], { perm: [1, 0] }, 'dnormalised'); // [H·C, d]
  // Through the row normalisation: dW = (dWn − wn (wn · dWn)) / ||W||
  const { normalised, norms } = forward;
  const product = graph.op('Mul', [normalised, dNormalised]);
  const dot = graph.op('ReduceSum', [product, graph.int64s('axis1/dn', [1])]);
  const tangential = graph.op('Sub', [dNormalised, graph.op('Mul', [normalised, dot])]);
  return graph.op('Div', [tangential, norms]);
}

async function createSession(model: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: availableParallelism(),
    logSeverityLevel: 3,
  });
}

export async function createOrtEngine(options: EngineOptions): Promise<StepEngine> {
  const { shape, init, optimiser } = options;
  checkParams(shape, init);
  const { classes: C, dim: d, locations: L } = shape;
  init.weights.forEach((w, h) => {
    for (let c = 0; c < C; c++)
      if (w.subarray(c * d, (c + 1) * d).every((v) => v === 0))
        throw new RangeError(`head ${h}, class ${c}: a classifier row of zeros cannot be normalised`);
  });
  const order = classifierOrder(shape.temperatures);
  const tensor = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

  // The parameters and velocities as the step graph's inputs; each step's outputs replace them.
  const weights = new Float32Array(order.length * C * d);
  order.forEach((h, i) => weights.set(init.weights[h]!, i * C * d));
  let state: Record<string, ort.Tensor> = {
    weights: tensor(weights, [order.length * C, d]),
    classScale: tensor(init.classScale.slice(), [C]),
    classBias: tensor(init.classBias.slice(), [C]),
    [velocityName('weights')]: tensor(new Float32Array(weights.length), [order.length * C, d]),
    [velocityName('classScale')]: tensor(new Float32Array(C), [C]),
    [velocityName('classBias')]: tensor(new Float32Array(C), [C]),
  };

  const [stepSession, logitsSession] = await Promise.all([
    createSession(buildStepGraph(shape, optimiser)),
    createSession(buildLogitsGraph(shape)),
  ]);
  const features = (x: Float32Array, size: number) => {
    if (x.length !== size * d * L)
      throw new RangeError(`features of ${size} images need ${size * d * L} values, not ${x.length}`);
    return tensor(x, [size, d, L]);
  };

  return {
    backend: 'onnxruntime-cpu',
    async step(batch, lr) {
      const B = batch.size;
      if (batch.y.length !== B * C || batch.mask.length !== B * C)
        throw new RangeError(`labels and mask of ${B} images need ${B * C} values`);
      const result = await stepSession.run({
        ...state,
        x: features(batch.x, B),
        y: tensor(batch.y, [B, C]),
        mask: tensor(batch.mask, [B, C]),
        lr: tensor(Float32Array.of(lr), []),
      });
      state = Object.fromEntries(Object.keys(state).map((name) => [name, result[nextName(name)]!]));
      return (result.loss!.data as Float32Array)[0]!;
    },
    async logits(x, size) {
      const inputs = logitsSession.inputNames.filter((name) => name !== 'x');
      const result = await logitsSession.run({
        ...Object.fromEntries(inputs.map((name) => [name, state[name]!])),
        x: features(x, size),
      });
      return result['out/logits']!.data as Float32Array;
    },
    async params(): Promise<HeadParams> {
      const stacked = state.weights!.data as Float32Array;
      const weights = new Array<Float32Array>(order.length);
      order.forEach((h, i) => (weights[h] = stacked.slice(i * C * d, (i + 1) * C * d)));
      return {
        weights,
        classScale: (state.classScale!.data as Float32Array).slice(),
        classBias: (state.classBias!.data as Float32Array).slice(),
      };
    },
    dispose() {
      void stepSession.release();
      void logitsSession.release();
    },
  };
}
