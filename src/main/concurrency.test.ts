import { describe, expect, it } from 'vitest';
import { mapOrdered } from './concurrency';

describe('mapOrdered', () => {
  it('yields results in input order with at most `window` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const results: number[] = [];
    const slowFirst = async (n: number) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, n === 0 ? 30 : 1));
      inFlight -= 1;
      return n * 10;
    };
    for await (const result of mapOrdered([0, 1, 2, 3, 4, 5], 3, slowFirst)) results.push(result);
    expect(results).toEqual([0, 10, 20, 30, 40, 50]);
    expect(most).toBe(3);
  });

  it('when the consumer stops early, ends only after the calls it started have finished', async () => {
    const finished: number[] = [];
    const work = async (n: number) => {
      await new Promise((resolve) => setTimeout(resolve, 5 * n));
      finished.push(n);
      return n;
    };
    for await (const result of mapOrdered([0, 1, 2, 3, 4, 5, 6, 7], 4, work)) if (result === 0) break;
    // 0 was consumed; 1–4 were in flight when the loop stopped: all are done, none was started after.
    expect(finished.sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
