// What a train run is asked for (TrainConfig, stored with the job so a resumed run is the same run)
// and the fixed numbers every run uses, gathered in `trainSettings` so they read in one place.
import type { ActivateRule } from '$shared/contract';
import { prelabelBatchSize } from '../inference/prelabel-job';
import type { EngineChoice } from './head/choose';
import { minTrainPhotos, minValPhotos } from './preflight';
import { searchEpochs, type HeadConfig } from './train-loop';

/** What the head reads: the backbone's features, or those and the COCO class maps on the same grid. */
export type HeadInputs = 'features' | 'features+maps';

export interface TrainConfig {
  activate: ActivateRule;
  inputs: HeadInputs;
  /** Seeds the splits of new photos, the shuffles and the initial noise. */
  seed: number;
  engine: EngineChoice;
  /** Seconds the search and the final run may take together. */
  budgetSeconds: number;
}

/** The train run's configuration: its defaults, and the constants no request changes. */
export const trainSettings = {
  /**
   * What a started run gets (the request names only `activate`). The class maps as more inputs won
   * on the VOC photos (612 train / 153 val, 20 VOC classes plus animal and vehicle): head alone 90.1
   * val mAP against 86.7 on the features alone, the version 91.0 against 89.8 (zero-shot 86.6).
   */
  defaults: {
    seed: 1,
    engine: 'auto',
    budgetSeconds: 45,
    inputs: 'features+maps',
  } as const satisfies Omit<TrainConfig, 'activate'>,
  /**
   * The split new labelled photos get (seeded with the run's seed, existing splits kept): the rule
   * trainPreflight plans with (preflight.ts).
   */
  splits: { val: 0.2, test: 0 },
  /**
   * Train and val photos the run needs once unreadable photos are left out (the preflight's
   * minimums, preflight.ts).
   */
  minimums: { trainPhotos: minTrainPhotos, valPhotos: minValPhotos },
  /**
   * Photos per inference batch (the pre-label job's): the features the cache lacks, and the active
   * version's predictions on val where it has none stored.
   */
  inferenceBatchSize: prelabelBatchSize,
  /**
   * Tried on val in this order while the budget allows (train-loop.ts). Measured on the VOC photos
   * (612 train / 153 val, head alone): 1 head, λ 0.1 reached 86.5 val mAP at lr 0.5 in 23 epochs
   * and 86.4 at lr 0.1 in 40; 2 heads (with the max head), λ 0.5 only 62 in 27 epochs — on frozen
   * features the max-pooled head learns slowly, so it is tried only with a small λ.
   */
  headCandidates: [
    { heads: 1, lambda: 0.1, learningRate: 0.5 },
    { heads: 1, lambda: 0.1, learningRate: 0.15 },
    { heads: 2, lambda: 0.1, learningRate: 0.5 },
    { heads: 1, lambda: 0.5, learningRate: 0.5 },
  ] satisfies HeadConfig[],
  /** Epochs each candidate trains for in the search (train-loop.ts). */
  searchEpochs,
  /** Epochs of the final run at most (early stopping may end it sooner). */
  maxEpochs: 40,
  /** Photos per training step. */
  batchSize: 64,
  /** Blend weights of the head tried on val: 0 (zero-shot alone) to 1 (head alone) in tenths. */
  blendWeights: Array.from({ length: 11 }, (_, i) => i / 10),
};
