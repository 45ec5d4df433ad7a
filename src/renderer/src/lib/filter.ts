// The grid's filter as the filter bar holds it, and the ImageFilter it stands for. A class's state
// and probability range only mean something with a class chosen; bounds left empty are no bound (a
// photo the model has not predicted has no probability, so "0 to 1" is not "any"). A class in any
// state and without a range is the photos it is on (labelled positive, or pre-labelled), and
// disagreement with a class is about that class: main reads the ImageFilter so.
import type { ClassInfo, ImageFilter, ImageSort, Split } from '$shared/contract';
import { formatProbability } from './format';

export type StateChoice = 'any' | 'positive' | 'negative' | 'unknown';

export interface GridFilter {
  classId: number | null;
  state: StateChoice;
  /** Probability bounds for the chosen class, in [0, 1]; null for no bound. */
  minProbability: number | null;
  maxProbability: number | null;
  unlabelled: boolean;
  disagreement: boolean;
  /** Photos of one split only; null for any split. */
  split: Split | null;
  /** Photos a person reviewed (true), not reviewed yet (false); null for either. */
  reviewed: boolean | null;
}

export const noFilter: GridFilter = {
  classId: null,
  state: 'any',
  minProbability: null,
  maxProbability: null,
  unlabelled: false,
  disagreement: false,
  split: null,
  reviewed: null,
};

export const splitChoices: { value: Split; label: string }[] = [
  { value: 'train', label: 'Train' },
  { value: 'val', label: 'Val' },
  { value: 'test', label: 'Test' },
  { value: 'none', label: 'No split' },
];

export const sortChoices: { value: ImageSort; label: string }[] = [
  { value: 'name', label: 'Name' },
  { value: 'date', label: 'Date' },
  { value: 'uncertainty', label: 'Uncertainty' },
  { value: 'confidence', label: 'Confidence' },
];

/** The ImageFilter the API takes for `filter`, or undefined when it selects every photo. */
export function toImageFilter(filter: GridFilter): ImageFilter | undefined {
  const result: ImageFilter = {};
  if (filter.classId !== null) {
    result.classId = filter.classId;
    if (filter.state !== 'any') result.state = filter.state;
    if (filter.minProbability !== null) result.minProbability = clamp01(filter.minProbability);
    if (filter.maxProbability !== null) result.maxProbability = clamp01(filter.maxProbability);
  }
  if (filter.unlabelled) result.unlabelled = true;
  if (filter.disagreement) result.disagreement = true;
  if (filter.split !== null) result.split = filter.split;
  if (filter.reviewed !== null) result.reviewed = filter.reviewed;
  return Object.keys(result).length > 0 ? result : undefined;
}

/** Whether the filter narrows the library at all. */
export function isFiltering(filter: GridFilter): boolean {
  return toImageFilter(filter) !== undefined;
}

/**
 * The filter on class `classId`, every other field as it was; no class (null) takes the state and
 * bounds away with it.
 */
export function withClass(filter: GridFilter, classId: number | null): GridFilter {
  return classId === null
    ? { ...filter, classId, state: 'any', minProbability: null, maxProbability: null }
    : { ...filter, classId };
}

/** The filter without the conditions a class no longer there (deleted, archived) held. */
export function withClasses(filter: GridFilter, classes: readonly ClassInfo[]): GridFilter {
  if (filter.classId === null || classes.some((item) => item.id === filter.classId)) return filter;
  return withClass(filter, null);
}

/** A probability typed into a field: a number in [0, 1], or null when the field is empty. */
export function parseProbability(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? clamp01(value) : null;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/** The filter in words, for the grid's heading and the selection bar. */
export function describeFilter(filter: GridFilter, classes: readonly ClassInfo[]): string {
  const parts: string[] = [];
  const item = classes.find((candidate) => candidate.id === filter.classId);
  const { minProbability: min, maxProbability: max } = filter;
  if (item) {
    if (filter.state !== 'any') parts.push(`${item.name} ${filter.state}`);
    if (min !== null && max !== null) {
      parts.push(`${item.name} ${formatProbability(min)}–${formatProbability(max)}`);
    } else if (min !== null) {
      parts.push(`${item.name} ≥ ${formatProbability(min)}`);
    } else if (max !== null) {
      parts.push(`${item.name} ≤ ${formatProbability(max)}`);
    } else if (filter.state === 'any' && !filter.disagreement) {
      parts.push(`${item.name} (label or pre-label)`);
    }
  }
  if (filter.unlabelled) parts.push('unlabelled');
  if (filter.disagreement) parts.push(item ? `disagreement about ${item.name}` : 'disagreement');
  if (filter.split !== null) parts.push(filter.split === 'none' ? 'no split' : `${filter.split} split`);
  if (filter.reviewed !== null) parts.push(filter.reviewed ? 'reviewed' : 'not reviewed');
  return parts.join(', ');
}
