import { describe, expect, it } from 'vitest';
import { classMapSize, decodeClassMaps, encodeClassMaps } from './attention-maps';

/** A 128×128 map per class with one bright spot at (x, y) of the given height. */
function maps(spots: { x: number; y: number; height: number }[]): Float32Array {
  const side = 128;
  const data = new Float32Array(spots.length * side * side);
  spots.forEach(({ x, y, height }, c) => (data[c * side * side + y * side + x] = height));
  return data;
}

describe('stored class maps', () => {
  it('keep the strongest classes, max-pooled to 64×64 with the peak where it was', () => {
    const data = maps([
      { x: 10, y: 20, height: 0.9 },
      { x: 100, y: 50, height: 0.4 },
      { x: 64, y: 64, height: 0.001 },
    ]);
    const decoded = decodeClassMaps(encodeClassMaps(data, 128, Float32Array.from([0.3, 0.8, 0.01])));
    expect(decoded.map((map) => map.classIndex)).toEqual([1, 0]);
    const [strongest] = decoded;
    expect(strongest!.size).toBe(classMapSize);
    expect(strongest!.peak).toBeCloseTo(0.4, 6);
    const at = strongest!.values.indexOf(255);
    expect([at % 64, Math.floor(at / 64)]).toEqual([50, 25]);
    expect(strongest!.values.filter((value) => value > 0)).toHaveLength(1);
  });

  it('always keep the strongest class, even when every probability is low', () => {
    const decoded = decodeClassMaps(
      encodeClassMaps(
        maps([
          { x: 0, y: 0, height: 0.01 },
          { x: 1, y: 1, height: 0.02 },
        ]),
        128,
        Float32Array.from([0.001, 0.002]),
      ),
    );
    expect(decoded.map((map) => map.classIndex)).toEqual([1]);
  });

  it('take a few kilobytes per photo', () => {
    const spots = Array.from({ length: 80 }, (_, c) => ({ x: c, y: c, height: (c + 1) / 100 }));
    const scores = Float32Array.from(spots, (_, c) => (c + 1) / 80);
    expect(encodeClassMaps(maps(spots), 128, scores).length).toBeLessThan(4 * 1024);
  });
});

describe('stored class maps of a letterboxed photo', () => {
  it('cover the photo only, not the border around it', () => {
    // A wide photo fills the middle half of the model's square input, rows 32..95 of 128.
    const frame = { left: 0, top: 0.25, width: 1, height: 0.5 };
    const data = maps([{ x: 64, y: 64, height: 0.7 }]);
    const [map] = decodeClassMaps(encodeClassMaps(data, 128, Float32Array.from([0.9]), frame));
    const at = map!.values.indexOf(255);
    expect([at % 64, Math.floor(at / 64)]).toEqual([32, 32]);
  });
});
