import { describe, expect, it } from 'vitest';
import { colorize, decodeClassMaps, overlayAlpha, viridis } from './attention-overlay';

/** base64 of `bytes`, as main writes a map's values. */
function base64(bytes: number[]): string {
  return btoa(String.fromCharCode(...bytes));
}

function colorAt(table: Uint8Array, byte: number): string {
  return [0, 1, 2].map((channel) => table[byte * 3 + channel]!.toString(16).padStart(2, '0')).join('');
}

describe('class maps for the viewer', () => {
  it('decodes the base64 bytes of every map, row by row', () => {
    const values = [0, 64, 128, 255];
    const [map, other] = decodeClassMaps({
      imageId: 3,
      size: 2,
      maps: [
        { classId: 7, probability: 0.93, peak: 0.8, values: base64(values) },
        { classId: 2, probability: 0.4, peak: 0.1, values: base64([1, 2, 3, 4]) },
      ],
    });
    expect(map).toMatchObject({ classId: 7, probability: 0.93, peak: 0.8, size: 2 });
    expect([...map!.values]).toEqual(values);
    expect([...other!.values]).toEqual([1, 2, 3, 4]);
  });

  it('refuses a map whose bytes do not fill size × size', () => {
    expect(() =>
      decodeClassMaps({
        imageId: 3,
        size: 4,
        maps: [{ classId: 7, probability: 0.9, peak: 1, values: base64([1, 2, 3]) }],
      }),
    ).toThrow('the class map of class 7 has 3 values, not 16');
  });

  it('colors with viridis: dark purple for nothing, yellow for the peak, lighter all the way', () => {
    expect(viridis).toHaveLength(256 * 3);
    expect(colorAt(viridis, 0)).toBe('440154');
    expect(colorAt(viridis, 255)).toBe('fde725');
    // Perceived lightness (Rec. 709 luma) rises with the value: the brightest color is the peak.
    const luma = (byte: number) =>
      0.2126 * viridis[byte * 3]! + 0.7152 * viridis[byte * 3 + 1]! + 0.0722 * viridis[byte * 3 + 2]!;
    for (let byte = 1; byte < 256; byte += 1) expect(luma(byte)).toBeGreaterThanOrEqual(luma(byte - 1));
    for (let byte = 8; byte < 256; byte += 8) expect(luma(byte)).toBeGreaterThan(luma(byte - 8));
  });

  it('turns a map into RGBA pixels, one per value, transparent where the model sees nothing', () => {
    const pixels = colorize({
      classId: 1,
      probability: 1,
      peak: 1,
      size: 2,
      values: Uint8Array.of(0, 255, 64, 128),
    });
    expect(pixels).toHaveLength(16);
    expect([...pixels.slice(0, 4)]).toEqual([0x44, 0x01, 0x54, 0]);
    expect([...pixels.slice(4, 8)]).toEqual([0xfd, 0xe7, 0x25, 255]);
    // Alpha rises with the value: a low score lets the photo through, the peak covers it.
    const alphas = [3, 7, 11, 15].map((at) => pixels[at]!);
    expect(alphas).toEqual([0, 255, overlayAlpha[64], overlayAlpha[128]]);
    for (let byte = 1; byte < 256; byte += 1)
      expect(overlayAlpha[byte]).toBeGreaterThanOrEqual(overlayAlpha[byte - 1]!);
    expect(overlayAlpha[8]).toBeLessThan(overlayAlpha[128]!);
    expect(overlayAlpha[0]).toBe(0);
  });
});
