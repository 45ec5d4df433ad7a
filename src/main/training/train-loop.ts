// The training loop of the CSRA head, engine-agnostic: standardise the features with the train
// split's statistics, start each class's classifier at the difference of its positive and
// negative means, train with SGD (warm-up, then the rate cut when val mAP stops improving, early
// stopping, best epoch kept), and choose heads and λ on val with short trials within a time
// budget; the winning trial goes on to the end. Runs inside the training worker.
import { csraTemperatures, sigmoid } from '$shared/csra';
import { averagePrecision, type Truth } from '$shared/metrics';
import type { Batch, HeadParams, HeadShape, StepEngine } from './head/engine';
import { fromFloat16 } from './float16';
import { seededRandom } from './splits';

export interface SampleSet {
  count: number;
  /** Views per photo: the photo, then its mirror image. */
  views: number;
  /** d, the backbone's channels */
  featureDim: number;
  /** [count, views, featureDim, locations] float16 bits */
  features: Uint16Array;
  /**
   * The class maps on the feature grid, read as more channels after the features: [count,
   * channels, locations] float16 bits of the photo, mirrored for the mirror view (the grid is
   * `width` locations wide).
   */
  maps?: { channels: number; width: number; data: Uint16Array };
  /** [count, classes]: 1 positive, 0 otherwise */
  y: Float32Array;
  /** [count, classes]: 1 where the label is known */
  mask: Float32Array;
}

export interface HeadConfig {
  heads: number;
  lambda: number;
  learningRate: number;
}

export interface TrainInput {
  dim: number;
  locations: number;
  classes: number;
  train: SampleSet;
  val: SampleSet;
  seed: number;
  /** Seconds the search and the final run may take together. */
  budgetSeconds: number;
  /** Candidates tried on val; the first alone skips the search. */
  candidates: HeadConfig[];
  batchSize: number;
  maxEpochs: number;
}

export interface EpochRecord {
  trial: string;
  epoch: number;
  loss: number;
  valMAP: number | null;
}

export interface TrainOutput {
  backend: string;
  config: HeadConfig;
  temperatures: number[];
  params: HeadParams;
  standardise: { mean: Float32Array; std: Float32Array };
  /** [val count, classes]: the kept parameters' logits, mean over the views */
  valLogits: Float32Array;
  valMAP: number | null;
  epochs: number;
  seconds: number;
}

export type EngineFactory = (shape: HeadShape, init: HeadParams) => Promise<StepEngine>;

export const optimiser = { momentum: 0.9, weightDecay: 1e-4 };

/** Per-channel mean and standard deviation over every train photo, view and location. */
export function featureStatistics(set: SampleSet, dim: number, locations: number) {
  const sum = new Float64Array(dim);
  const squares = new Float64Array(dim);
  const view = new Float32Array(dim * locations);
  for (let i = 0; i < set.count * set.views; i++) {
    readView(set, Math.floor(i / set.views), i % set.views, locations, view);
    for (let k = 0; k < dim; k++)
      for (let j = 0; j < locations; j++) {
        const v = view[k * locations + j]!;
        sum[k]! += v;
        squares[k]! += v * v;
      }
  }
  const n = set.count * set.views * locations;
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (let k = 0; k < dim; k++) {
    mean[k] = sum[k]! / n;
    // A channel that never varies would divide by zero: it carries nothing, so any scale will do.
    std[k] = Math.sqrt(Math.max(squares[k]! / n - mean[k]! ** 2, 0)) || 1;
  }
  return { mean, std };
}

/** The head's input for one view of a photo, [dim, locations]: features, then class maps if any. */
export function readView(
  set: SampleSet,
  photo: number,
  view: number,
  locations: number,
  out: Float32Array,
): void {
  const size = set.featureDim * locations;
  const at = (photo * set.views + view) * size;
  fromFloat16(set.features.subarray(at, at + size), out.subarray(0, size));
  if (!set.maps) return;
  const { channels, width, data } = set.maps;
  const maps = fromFloat16(data.subarray(photo * channels * locations, (photo + 1) * channels * locations));
  if (view === 0) {
    out.set(maps, size);
    return;
  }
  // The mirror image's features sit at mirrored locations: its class maps must too.
  for (let k = 0; k < channels; k++)
    for (let j = 0; j < locations; j++) {
      const row = Math.floor(j / width);
      const column = j % width;
      out[size + k * locations + j] = maps[k * locations + row * width + (width - 1 - column)]!;
    }
}

/**
 * Standardised features of (photo, view) pairs, [B, dim, locations], written into `out` (one buffer
 * every batch of the run reuses: a fresh one each step would be tens of MB of garbage a step).
 */
function gather(
  set: SampleSet,
  picks: readonly { photo: number; view: number }[],
  standardise: { mean: Float32Array; std: Float32Array },
  dim: number,
  locations: number,
  out: Float32Array,
): Float32Array {
  const size = dim * locations;
  const x = out.subarray(0, picks.length * size);
  picks.forEach(({ photo, view }, b) => {
    const one = x.subarray(b * size, (b + 1) * size);
    readView(set, photo, view, locations, one);
    for (let k = 0; k < dim; k++) {
      const m = standardise.mean[k]!;
      const s = standardise.std[k]!;
      for (let j = 0; j < locations; j++) one[k * locations + j] = (one[k * locations + j]! - m) / s;
    }
  });
  return x;
}

/**
 * Each class's classifier starts at the difference of its standardised positive and negative mean
 * features (plus a little seeded noise, so heads differ), its bias at the class's prior log-odds.
 */
export function initialParams(
  input: Pick<TrainInput, 'dim' | 'locations' | 'classes' | 'train'>,
  standardise: { mean: Float32Array; std: Float32Array },
  config: HeadConfig,
  seed: number,
): HeadParams {
  const { dim, locations, classes: C, train } = input;
  const positive = new Float64Array(C * dim);
  const negative = new Float64Array(C * dim);
  const counts = { positive: new Float64Array(C), negative: new Float64Array(C) };
  const view = new Float32Array(dim * locations);
  const pooled = new Float64Array(dim);
  for (let i = 0; i < train.count; i++) {
    readView(train, i, 0, locations, view);
    for (let k = 0; k < dim; k++) {
      let s = 0;
      for (let j = 0; j < locations; j++) s += view[k * locations + j]!;
      pooled[k] = (s / locations - standardise.mean[k]!) / standardise.std[k]!;
    }
    for (let c = 0; c < C; c++) {
      if (train.mask[i * C + c] === 0) continue;
      const target = train.y[i * C + c] === 1 ? positive : negative;
      (train.y[i * C + c] === 1 ? counts.positive : counts.negative)[c]! += 1;
      for (let k = 0; k < dim; k++) target[c * dim + k]! += pooled[k]!;
    }
  }
  const next = seededRandom(seed);
  const temperatures = csraTemperatures(config.heads);
  // Unit rows: the head divides by the norm, so a step moves a row's direction by lr / ||W||²; rows
  // as long as the mean difference (~7 here) would barely move.
  const weights = temperatures.map(() => {
    const w = new Float32Array(C * dim);
    for (let c = 0; c < C; c++) {
      let norm = 0;
      for (let k = 0; k < dim; k++) {
        const v =
          positive[c * dim + k]! / Math.max(1, counts.positive[c]!) -
          negative[c * dim + k]! / Math.max(1, counts.negative[c]!) +
          (next() - 0.5) * 0.02;
        w[c * dim + k] = v;
        norm += v * v;
      }
      for (let k = 0; k < dim; k++) w[c * dim + k]! /= Math.sqrt(norm) || 1;
    }
    return w;
  });
  const classBias = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const p = (counts.positive[c]! + 0.5) / (counts.positive[c]! + counts.negative[c]! + 1);
    classBias[c] = Math.log(p / (1 - p));
  }
  return { weights, classScale: new Float32Array(C).fill(1 / temperatures.length), classBias };
}

/** Mean AP over the classes with a positive and a negative among the known entries. */
export function meanAveragePrecision(logits: Float32Array, set: SampleSet, classes: number): number | null {
  const aps: number[] = [];
  for (let c = 0; c < classes; c++) {
    const scores = new Float64Array(set.count);
    const truth: Truth[] = [];
    let negatives = 0;
    for (let i = 0; i < set.count; i++) {
      // AP depends on the order alone; the metrics take probabilities.
      scores[i] = sigmoid(logits[i * classes + c]!);
      const known = set.mask[i * classes + c] === 1;
      truth.push(known ? (set.y[i * classes + c] as 0 | 1) : null);
      if (known && set.y[i * classes + c] === 0) negatives++;
    }
    const ap = negatives > 0 ? averagePrecision(scores, truth) : null;
    if (ap !== null) aps.push(ap);
  }
  return aps.length ? aps.reduce((a, b) => a + b, 0) / aps.length : null;
}

interface Trial {
  name: string;
  config: HeadConfig;
  engine: StepEngine;
  epoch: number;
  rate: number;
  best: { valMAP: number; params: HeadParams; logits: Float32Array; epoch: number } | null;
  sinceBest: number;
  cuts: number;
}

/** Epochs each candidate trains for in the search. */
export const searchEpochs = 4;

/** How a trial's rate moves: linear warm-up over the first epoch, then cut ×0.2 on a plateau. */
const plateauEpochs = 3;
const maxCuts = 2;

export async function trainHead(
  input: TrainInput,
  createEngine: EngineFactory,
  events: {
    onEpoch(record: EpochRecord): void;
    /** The search is over: this trial goes on as the final run (its epochs so far are the final run's). */
    onWinner(trial: string): void;
  },
): Promise<TrainOutput> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const { dim, locations, classes: C, train, val, batchSize } = input;
  const standardise = featureStatistics(train, dim, locations);
  const next = seededRandom(input.seed);
  // The features stay float16 in the sets, held once; each batch, train or val, is decoded into
  // this one buffer. Val decoded and standardised once for the run would be another copy of it at
  // twice the bytes (~175 MB for 153 VOC photos).
  const batchX = new Float32Array(batchSize * dim * locations);
  const valPicks = Array.from({ length: val.count * val.views }, (_, i) => ({
    photo: Math.floor(i / val.views),
    view: i % val.views,
  }));

  const valLogits = async (engine: StepEngine) => {
    const out = new Float32Array(val.count * C);
    for (let start = 0; start < valPicks.length; start += batchSize) {
      const end = Math.min(valPicks.length, start + batchSize);
      const x = gather(val, valPicks.slice(start, end), standardise, dim, locations, batchX);
      const logits = await engine.logits(x, end - start);
      for (let i = start; i < end; i++)
        for (let c = 0; c < C; c++)
          out[valPicks[i]!.photo * C + c]! += logits[(i - start) * C + c]! / val.views;
    }
    return out;
  };

  let lastEpochSeconds = 0;
  const runEpoch = async (trial: Trial) => {
    const epochStarted = performance.now();
    const order = Array.from({ length: train.count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const steps = Math.ceil(order.length / batchSize);
    let lossSum = 0;
    for (let s = 0; s < steps; s++) {
      const photos = order.slice(s * batchSize, (s + 1) * batchSize);
      // Each photo is read as itself or as its mirror image, at random: the flip augmentation.
      const picks = photos.map((photo) => ({ photo, view: Math.floor(next() * train.views) }));
      const batch: Batch = {
        x: gather(train, picks, standardise, dim, locations, batchX),
        y: new Float32Array(photos.length * C),
        mask: new Float32Array(photos.length * C),
        size: photos.length,
      };
      photos.forEach((photo, b) => {
        batch.y.set(train.y.subarray(photo * C, (photo + 1) * C), b * C);
        batch.mask.set(train.mask.subarray(photo * C, (photo + 1) * C), b * C);
      });
      const warm = trial.epoch === 0 ? (s + 1) / steps : 1;
      lossSum += await trial.engine.step(batch, trial.rate * warm);
    }
    trial.epoch += 1;
    const logits = await valLogits(trial.engine);
    lastEpochSeconds = (performance.now() - epochStarted) / 1000;
    const valMAP = meanAveragePrecision(logits, val, C);
    events.onEpoch({ trial: trial.name, epoch: trial.epoch, loss: lossSum / steps, valMAP });
    if (valMAP !== null && (!trial.best || valMAP > trial.best.valMAP)) {
      trial.best = { valMAP, params: await trial.engine.params(), logits, epoch: trial.epoch };
      trial.sinceBest = 0;
    } else {
      trial.sinceBest += 1;
      if (trial.sinceBest >= plateauEpochs) {
        trial.rate *= 0.2;
        trial.cuts += 1;
        trial.sinceBest = 0;
      }
    }
  };
  const finished = (trial: Trial) => trial.cuts > maxCuts || trial.epoch >= input.maxEpochs;

  const start = async (config: HeadConfig, name: string): Promise<Trial> => {
    const temperatures = csraTemperatures(config.heads);
    const init = initialParams(input, standardise, config, input.seed);
    const engine = await createEngine(
      { classes: C, dim, locations, temperatures, lambda: config.lambda },
      init,
    );
    return { name, config, engine, epoch: 0, rate: config.learningRate, best: null, sinceBest: 0, cuts: 0 };
  };

  // The search: every candidate for a few epochs, as long as the budget allows each a fair share;
  // the best on val trains on, the others stop. Only the best so far keeps its engine: a trial
  // that falls behind frees its sessions at once rather than at the end of the search.
  let winner = await start(input.candidates[0]!, 'trial 1');
  if (input.candidates.length > 1) {
    const first = winner;
    for (let e = 0; e < searchEpochs; e++) await runEpoch(winner);
    const epochSeconds = elapsed() / searchEpochs;
    const score = (t: Trial) => t.best?.valMAP ?? -1;
    for (const [i, config] of input.candidates.slice(1).entries()) {
      // Heads cost in proportion to their number; stop when the rest could not also be finished.
      const cost = (epochSeconds * searchEpochs * config.heads) / first.config.heads;
      if (elapsed() + cost > input.budgetSeconds * 0.5) break;
      const trial = await start(config, `trial ${i + 2}`);
      for (let e = 0; e < searchEpochs; e++) await runEpoch(trial);
      // Ties go to the earlier trial.
      const [kept, dropped] = score(trial) > score(winner) ? [trial, winner] : [winner, trial];
      dropped.engine.dispose();
      winner = kept;
    }
  }
  events.onWinner(winner.name);
  winner.name = 'final';
  // Another epoch only when it fits in the budget, judged by the last one.
  while (!finished(winner) && elapsed() + lastEpochSeconds <= input.budgetSeconds) await runEpoch(winner);

  const best = winner.best ?? {
    valMAP: null,
    params: await winner.engine.params(),
    logits: await valLogits(winner.engine),
    epoch: winner.epoch,
  };
  const backend = winner.engine.backend;
  winner.engine.dispose();
  return {
    backend,
    config: winner.config,
    temperatures: csraTemperatures(winner.config.heads),
    params: best.params,
    standardise,
    valLogits: best.logits,
    valMAP: best.valMAP,
    epochs: winner.epoch,
    seconds: elapsed(),
  };
}
