import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeatureCache, featureEntry } from './feature-cache';
import { fromFloat16, toFloat16 } from './float16';

const dim = 8;
const locations = 4;

function entry(seed: number) {
  const view = (offset: number) =>
    Float32Array.from({ length: dim * locations }, (_, i) => Math.sin(seed + offset + i));
  return featureEntry(
    {
      views: [view(0), view(100)],
      pooledClassMap: Float32Array.from({ length: 3 * locations }, (_, i) => i / 10),
      zeroShot: Float32Array.from([seed, -seed, 0.5]),
    },
    { dim, locations },
  );
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csra-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('float16', () => {
  it('keeps about three significant digits, and the special values', () => {
    const values = [1, -2.5, 65504, 3.14159, 0.001234, -123.456];
    const back = fromFloat16(toFloat16(values));
    values.forEach((v, i) => expect(Math.abs(back[i]! - v) / Math.abs(v)).toBeLessThan(1e-3));
    expect(Array.from(fromFloat16(toFloat16([0, Infinity, -Infinity])))).toEqual([0, Infinity, -Infinity]);
    expect(Number.isNaN(fromFloat16(toFloat16([NaN]))[0])).toBe(true);
    expect(fromFloat16(toFloat16([70000]))[0]).toBe(Infinity);
  });
});

describe('the feature cache', () => {
  it('gives back what was written, per view, at half precision', async () => {
    const cache = new FeatureCache(dir);
    await cache.write('a', entry(1), () => true);
    const read = (await new FeatureCache(dir).read('a'))!;
    expect(read).toMatchObject({ views: 2, dim, locations });
    expect(Array.from(read.zeroShot)).toEqual([1, -1, 0.5]);
    const mirror = fromFloat16(read.features.subarray(dim * locations, 2 * dim * locations));
    expect(mirror[5]).toBeCloseTo(Math.sin(1 + 100 + 5), 3);
  });

  it('treats a truncated, corrupt or foreign file as missing and removes it', async () => {
    const cache = new FeatureCache(dir);
    for (const name of ['a', 'b', 'c']) await cache.write(name, entry(2), () => true);
    await truncate(join(dir, 'a.f16'), 40);
    const bytes = await readFile(join(dir, 'b.f16'));
    bytes[60] = bytes[60]! ^ 0xff;
    await writeFile(join(dir, 'b.f16'), bytes);
    await writeFile(join(dir, 'c.f16'), 'not a cache entry');
    const fresh = new FeatureCache(dir);
    for (const name of ['a', 'b', 'c']) expect(await fresh.read(name)).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });

  it('stays under its limit: unlabelled photos leave first, then the least recently used; pinned ones never', async () => {
    const size = await (async () => {
      const probe = new FeatureCache(join(dir, 'probe'));
      await probe.write('x', entry(0), () => true);
      return probe.size();
    })();
    const labelled = new Set(['l1', 'l2', 'l3']);
    const cache = new FeatureCache(join(dir, 'lru'), size * 3);
    const isLabelled = (sha: string) => labelled.has(sha);
    await cache.write('l1', entry(1), isLabelled);
    await cache.write('u1', entry(2), isLabelled);
    await cache.write('l2', entry(3), isLabelled);
    await cache.write('l3', entry(4), isLabelled); // evicts u1, unlabelled though newer than l1
    expect(await cache.has('u1')).toBe(false);
    await cache.read('l1'); // l1 is now more recent than l2
    await cache.write('l4', entry(5), isLabelled); // evicts l2, the least recently used
    expect([await cache.has('l1'), await cache.has('l2'), await cache.has('l3')]).toEqual([
      true,
      false,
      true,
    ]);

    const release = cache.pin(['l1', 'l3', 'l4']);
    const another = cache.pin(['l1']);
    await expect(cache.write('l5', entry(6), isLabelled)).rejects.toThrow(
      /feature cache is full: its limit of .* raise it with CSRA_FEATURE_CACHE_GB/,
    );
    expect(await cache.has('l5')).toBe(false);
    // Pins are counted: l1 stays while another holder keeps it.
    release();
    await cache.write('l5', entry(6), isLabelled);
    expect([await cache.has('l1'), await cache.has('l5')]).toEqual([true, true]);
    another();
  });

  it('lets two writers store the same photo at once, and drops what a killed writer left', async () => {
    const cache = new FeatureCache(dir);
    await Promise.all([cache.write('a', entry(1), () => true), cache.write('a', entry(1), () => true)]);
    expect(await cache.read('a')).toBeDefined();
    await writeFile(join(dir, 'b.f16.123.abcd.partial'), 'half an entry');
    expect(await new FeatureCache(dir).has('b')).toBe(false);
    expect(await readdir(dir)).toEqual(['a.f16']);
  });
});
