// The filter bar's filter and the API filter it stands for.
import { describe, expect, it } from 'vitest';
import type { ClassInfo } from '$shared/contract';
import {
  describeFilter,
  isFiltering,
  noFilter,
  parseProbability,
  toImageFilter,
  withClass,
  withClasses,
} from './filter';

const dog: ClassInfo = {
  id: 4,
  name: 'dog',
  color: '#3cb44b',
  hotkey: '1',
  position: 0,
  threshold: 0.5,
  manualThreshold: 0.5,
  tunedThreshold: null,
  thresholdSource: 'manual',
  archived: false,
};

describe('the grid filter', () => {
  it('is no API filter at all when it narrows nothing', () => {
    expect(toImageFilter(noFilter)).toBeUndefined();
    expect(isFiltering(noFilter)).toBe(false);
  });

  it('sends a class in any state alone: main shows the photos it is on, and says so in words', () => {
    expect(toImageFilter({ ...noFilter, classId: 4 })).toEqual({ classId: 4 });
    expect(isFiltering({ ...noFilter, classId: 4 })).toBe(true);
    expect(describeFilter({ ...noFilter, classId: 4 }, [dog])).toBe('dog (label or pre-label)');
    expect(describeFilter({ ...noFilter, classId: 4, unlabelled: true }, [dog])).toBe(
      'dog (label or pre-label), unlabelled',
    );
  });

  it('says disagreement with a class is about that class', () => {
    expect(toImageFilter({ ...noFilter, classId: 4, disagreement: true })).toEqual({
      classId: 4,
      disagreement: true,
    });
    expect(describeFilter({ ...noFilter, classId: 4, disagreement: true }, [dog])).toBe(
      'disagreement about dog',
    );
    expect(describeFilter({ ...noFilter, classId: 4, state: 'positive', disagreement: true }, [dog])).toBe(
      'dog positive, disagreement about dog',
    );
  });

  it('sends a class’s state and bounds only with the class, and leaves empty bounds out', () => {
    expect(toImageFilter({ ...noFilter, classId: 4, state: 'unknown', minProbability: 0.7 })).toEqual({
      classId: 4,
      state: 'unknown',
      minProbability: 0.7,
    });
    expect(toImageFilter({ ...noFilter, state: 'positive', maxProbability: 0.2 })).toBeUndefined();
    expect(toImageFilter({ ...noFilter, unlabelled: true, disagreement: true })).toEqual({
      unlabelled: true,
      disagreement: true,
    });
    expect(toImageFilter({ ...noFilter, classId: 4, minProbability: 0, maxProbability: 1 })).toEqual({
      classId: 4,
      minProbability: 0,
      maxProbability: 1,
    });
  });

  it('sends a split, alone or with the rest, and says it in words', () => {
    expect(toImageFilter({ ...noFilter, split: 'val' })).toEqual({ split: 'val' });
    expect(isFiltering({ ...noFilter, split: 'none' })).toBe(true);
    expect(toImageFilter({ ...noFilter, classId: 4, state: 'positive', split: 'train' })).toEqual({
      classId: 4,
      state: 'positive',
      split: 'train',
    });
    expect(describeFilter({ ...noFilter, classId: 4, state: 'positive', split: 'test' }, [dog])).toBe(
      'dog positive, test split',
    );
    expect(describeFilter({ ...noFilter, split: 'none' }, [dog])).toBe('no split');
    // A class that is gone takes its conditions, not the split.
    expect(withClasses({ ...noFilter, classId: 9, state: 'negative', split: 'val' }, [dog])).toEqual({
      ...noFilter,
      split: 'val',
    });
  });

  it('sends reviewed or not reviewed, alone or with the rest, and says it in words', () => {
    expect(toImageFilter({ ...noFilter, reviewed: true })).toEqual({ reviewed: true });
    expect(toImageFilter({ ...noFilter, reviewed: false })).toEqual({ reviewed: false });
    expect(isFiltering({ ...noFilter, reviewed: false })).toBe(true);
    expect(toImageFilter({ ...noFilter, split: 'val', reviewed: false })).toEqual({
      split: 'val',
      reviewed: false,
    });
    expect(describeFilter({ ...noFilter, reviewed: true }, [dog])).toBe('reviewed');
    expect(describeFilter({ ...noFilter, classId: 4, state: 'positive', reviewed: false }, [dog])).toBe(
      'dog positive, not reviewed',
    );
  });

  it('reads probabilities typed into a field, clamped to [0, 1]; empty or not a number is no bound', () => {
    expect(parseProbability(' 0.25 ')).toBe(0.25);
    expect(parseProbability('1.5')).toBe(1);
    expect(parseProbability('-1')).toBe(0);
    expect(parseProbability('')).toBeNull();
    expect(parseProbability('high')).toBeNull();
  });

  it('chooses a class and changes no other field; another keeps the state and bounds', () => {
    const chosen = withClass({ ...noFilter, unlabelled: true }, 4);
    expect(chosen).toEqual({ ...noFilter, unlabelled: true, classId: 4 });
    const narrowed = { ...chosen, state: 'unknown' as const, minProbability: 0.3 };
    expect(withClass(narrowed, 7)).toEqual({ ...narrowed, classId: 7 });
    expect(withClass(narrowed, null)).toEqual({ ...noFilter, unlabelled: true });
  });

  it('drops the conditions of a class that is gone, and keeps the rest', () => {
    const filter = { ...noFilter, classId: 9, state: 'positive' as const, unlabelled: true };
    expect(withClasses(filter, [dog])).toEqual({ ...noFilter, unlabelled: true });
    const kept = { ...filter, classId: 4 };
    expect(withClasses(kept, [dog])).toBe(kept);
  });

  it('says what it selects in words', () => {
    expect(describeFilter({ ...noFilter, classId: 4, state: 'negative', minProbability: 0.5 }, [dog])).toBe(
      'dog negative, dog ≥ 0.50',
    );
    expect(describeFilter({ ...noFilter, classId: 4, minProbability: 0.2, maxProbability: 0.8 }, [dog])).toBe(
      'dog 0.20–0.80',
    );
    expect(describeFilter({ ...noFilter, unlabelled: true, disagreement: true }, [dog])).toBe(
      'unlabelled, disagreement',
    );
  });
});
