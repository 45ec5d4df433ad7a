// What the train panel says of a run: its phase, its epochs grouped by trial, the chart's summary
// and the report's times.
import { describe, expect, it } from 'vitest';
import type { TrainEpoch } from '$shared/contract';
import {
  formatSeconds,
  groupTrials,
  lastEpochOf,
  trainChartSummary,
  trainPhaseText,
  trialName,
} from './train-view';

const epoch = (trial: string, number: number, loss: number, valMAP: number | null): TrainEpoch => ({
  trial,
  epoch: number,
  loss,
  valMAP,
});

describe('the epochs of a run by trial', () => {
  it('groups the epochs of each trial in the order the trials ran, the final run last', () => {
    const epochs = [
      epoch('trial 1', 1, 0.9, 0.2),
      epoch('final', 1, 0.9, 0.2),
      epoch('trial 2', 1, 0.8, 0.3),
      epoch('trial 1', 2, 0.7, 0.4),
      epoch('final', 2, 0.6, 0.5),
    ];
    const trials = groupTrials(epochs);
    expect(trials.map((trial) => [trial.name, trial.epochs.map((item) => item.epoch)])).toEqual([
      ['trial 1', [1, 2]],
      ['trial 2', [1]],
      ['final', [1, 2]],
    ]);
    expect(lastEpochOf(trials)).toBe(epochs[4]);
  });

  it('has no trial and no last epoch before the first epoch', () => {
    expect(groupTrials([])).toEqual([]);
    expect(lastEpochOf([])).toBeNull();
  });

  it("names the final trial 'final run' and the others as they are", () => {
    expect(trialName('final')).toBe('final run');
    expect(trialName('trial 3')).toBe('trial 3');
  });
});

describe('the phase of a running training job', () => {
  it('reads each phase the studio reports as a sentence', () => {
    expect(trainPhaseText('', false, null)).toBe('Starting…');
    expect(trainPhaseText('assigning splits', false, null)).toBe('Assigning splits…');
    expect(trainPhaseText('features', false, null)).toBe('Computing features…');
    expect(trainPhaseText('evaluating', false, 'final')).toBe('Evaluating on the val photos…');
    expect(trainPhaseText('building version', false, 'final')).toBe('Building the version…');
    expect(trainPhaseText('saving weights', false, null)).toBe('Saving weights…');
  });

  it('tells the search for head settings from the final run while it trains', () => {
    expect(trainPhaseText('training', false, null)).toBe('Trying head settings…');
    expect(trainPhaseText('training', false, 'trial 2')).toBe('Trying head settings…');
    expect(trainPhaseText('training', false, 'final')).toBe('Training the chosen head…');
  });

  it('says it is cancelling whatever the phase', () => {
    expect(trainPhaseText('training', true, 'final')).toBe('Cancelling…');
  });
});

describe("the train chart's summary", () => {
  it('counts the epochs and trials and gives the last epoch’s loss and val mAP', () => {
    const trials = groupTrials([
      epoch('trial 1', 1, 0.9, 0.25),
      epoch('final', 1, 0.8, 0.375),
      epoch('final', 2, 0.61234, 0.5),
    ]);
    expect(trainChartSummary(trials)).toBe(
      'Training loss and val mAP per epoch, 3 epochs in 2 trials; final run, epoch 2: loss 0.612, val mAP 50.0',
    );
  });

  it('leaves val mAP out of an epoch not measured on val, and says nothing before the first epoch', () => {
    expect(trainChartSummary(groupTrials([epoch('trial 1', 1, 0.5, null)]))).toBe(
      'Training loss and val mAP per epoch, 1 epoch in 1 trial; trial 1, epoch 1: loss 0.500',
    );
    expect(trainChartSummary([])).toBe('');
  });
});

describe("the report's times", () => {
  it('gives seconds to one decimal below 10, whole below a minute, and minutes above', () => {
    expect(formatSeconds(4.25)).toBe('4.3 s');
    expect(formatSeconds(42.4)).toBe('42 s');
    expect(formatSeconds(125)).toBe('2 min 05 s');
    expect(formatSeconds(null)).toBe('–');
  });
});
