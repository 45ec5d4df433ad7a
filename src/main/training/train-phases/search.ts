// The engine and training phases of a train run: the step engine chosen by timing, then in one
// worker short trials of the head candidates on val within the budget, and the winner trained on
// to the end.
import { writeTransaction } from '../../db/transaction';
import type { TrainOutput } from '../train-loop';
import { trainSettings } from '../train-settings';
import { chooseEngineInWorker, trainInWorker } from '../worker-client';
import type { EngineKind } from '../head/choose';
import { defaultPackDir } from '../../models/default-pack';
import { readManifest } from '../../models/manifest';
import { headInputShape, type TrainingData } from './features';
import type { TrainRun } from './run';

/**
 * The engine that trains, timed at the head's shape (from the default pack's manifest) before the
 * features are read: the timing takes a few hundred MB for a moment, which then does not come on
 * top of the features. Null when the job was cancelled meanwhile.
 */
export async function chooseTrainingEngine(run: TrainRun): Promise<EngineKind | null> {
  const { config, context, classes, result, save } = run;
  context.progress('choosing the engine', 0, 0);
  const { dim, locations } = headInputShape(await readManifest(defaultPackDir()), config.inputs);
  const { headCandidates, batchSize } = trainSettings;
  const shape = {
    classes: classes.length,
    dim,
    locations,
    temperatures: [1, 99],
    lambda: headCandidates[0]!.lambda,
  };
  const chosen = await chooseEngineInWorker(config.engine, shape, batchSize, context.signal);
  if (!chosen) return null;
  result.backend = chosen.backend;
  result.engineTimings = chosen.timings;
  save();
  return chosen.kind;
}

/** The trained head, or null when the job was cancelled meanwhile. Every epoch is stored as it ends. */
export async function searchAndTrain(
  run: TrainRun,
  data: TrainingData,
  engine: EngineKind,
): Promise<TrainOutput | null> {
  const { config, context, classes, result, save } = run;
  const { db } = run.project;
  const { headCandidates, searchEpochs, maxEpochs, batchSize } = trainSettings;
  // Every epoch of every trial counts: the search's and the final run's (early stopping may end sooner).
  const maxTrainingEpochs = maxEpochs + searchEpochs * (headCandidates.length - 1);
  context.progress('training', 0, maxTrainingEpochs);
  const output = await trainInWorker(
    {
      dim: data.dim,
      locations: data.locations,
      classes: classes.length,
      train: data.sets.train.set,
      val: data.sets.val.set,
      seed: config.seed,
      budgetSeconds: config.budgetSeconds,
      candidates: headCandidates,
      batchSize,
      maxEpochs,
      engine,
    },
    {
      onEpoch: (record) => {
        result.epochs.push(record);
        writeTransaction(db, () => {
          save();
          context.progress('training', result.epochs.length, maxTrainingEpochs);
        });
      },
      // The winning trial's epochs are the start of the final run: one line in the chart.
      onWinner: (trial) => {
        for (const record of result.epochs) if (record.trial === trial) record.trial = 'final';
        save();
      },
    },
    context.signal,
  );
  if (!output) return null;
  result.backend = output.backend;
  result.trainSeconds = output.seconds;
  save();
  return output;
}
