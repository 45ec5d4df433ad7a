// What the train panel says of a run, worked out from the store's figures: the phase it is in, its
// epochs grouped by trial for the chart, the chart's summary in words, and the report's times.
import type { TrainEpoch } from '$shared/contract';
import { formatAp, formatDuration, plural } from './format';

/** The epochs of one trial of the head's settings search ('final': the run that is kept). */
export interface Trial {
  name: string;
  epochs: TrainEpoch[];
}

/**
 * The epochs of each trial, in the order the trials ran, the final run last (once the search is
 * over, the winning trial's epochs are the final run's first): the last one is the run going on
 * (or kept).
 */
export function groupTrials(epochs: readonly TrainEpoch[]): Trial[] {
  const byTrial = new Map<string, TrainEpoch[]>();
  for (const epoch of epochs) {
    const list = byTrial.get(epoch.trial);
    if (list) list.push(epoch);
    else byTrial.set(epoch.trial, [epoch]);
  }
  const final = (name: string) => Number(name === 'final');
  return [...byTrial]
    .map(([name, epochs]) => ({ name, epochs }))
    .sort((a, b) => final(a.name) - final(b.name));
}

/** The last epoch of the last trial: where the run is (or ended); null before the first epoch. */
export function lastEpochOf(trials: readonly Trial[]): TrainEpoch | null {
  return trials.at(-1)?.epochs.at(-1) ?? null;
}

/** A trial as the chart names it: 'trial 2', 'final run'. */
export function trialName(name: string): string {
  return name === 'final' ? 'final run' : name;
}

/**
 * What a running job's phase reads as; `lastTrial`, the trial of the last epoch, tells the search
 * from the final run while it trains.
 */
export function trainPhaseText(phase: string, cancelling: boolean, lastTrial: string | null): string {
  if (cancelling) return 'Cancelling…';
  switch (phase) {
    case '':
      return 'Starting…';
    case 'assigning splits':
      return 'Assigning splits…';
    case 'features':
      return 'Computing features…';
    case 'training':
      // Short trials choose the head's settings on val; the best one then trains to the end.
      return lastTrial === 'final' ? 'Training the chosen head…' : 'Trying head settings…';
    case 'evaluating':
      return 'Evaluating on the val photos…';
    case 'building version':
      return 'Building the version…';
    default:
      return `${phase[0]!.toUpperCase()}${phase.slice(1)}…`;
  }
}

/** The loss and val mAP chart in words (its aria-label); '' before the first epoch. */
export function trainChartSummary(trials: readonly Trial[]): string {
  const lastEpoch = lastEpochOf(trials);
  if (!lastEpoch) return '';
  const count = trials.reduce((sum, trial) => sum + trial.epochs.length, 0);
  const map = lastEpoch.valMAP !== null ? `, val mAP ${formatAp(lastEpoch.valMAP)}` : '';
  return (
    `Training loss and val mAP per epoch, ${plural(count, 'epoch')} in ${plural(trials.length, 'trial')}; ` +
    `${trialName(lastEpoch.trial)}, epoch ${lastEpoch.epoch}: loss ${lastEpoch.loss.toFixed(3)}${map}`
  );
}

/** A stage's time in the report: "4.2 s", "42 s", "2 min 05 s"; '–' when it did not run. */
export function formatSeconds(value: number | null): string {
  if (value === null) return '–';
  return value < 60 ? `${value.toFixed(value < 10 ? 1 : 0)} s` : formatDuration(value);
}
