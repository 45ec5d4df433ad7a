// The search and final-training phase of a train run: in one worker, short trials of the head
// candidates on val within the budget, then the winner trained on to the end.
import { writeTransaction } from '../../db/transaction';
import type { TrainOutput } from '../train-loop';
import { trainSettings } from '../train-settings';
import { trainInWorker } from '../worker-client';
import type { TrainingData } from './features';
import type { TrainRun } from './run';

/** The trained head, or null when the job was cancelled meanwhile. Every epoch is stored as it ends. */
export async function searchAndTrain(run: TrainRun, data: TrainingData): Promise<TrainOutput | null> {
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
      engine: config.engine,
    },
    {
      onEngine: (backend, timings) => {
        result.backend = backend;
        result.engineTimings = timings;
        save();
      },
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
