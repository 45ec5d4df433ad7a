// A photo's class maps as the viewer draws them: decoded from the contract's base64 bytes, colored
// with viridis (perceptually uniform, lighter where the model sees more of the class).
import type { ClassMaps } from '$shared/contract';
import type { Api } from '$shared/rpc';

export interface ClassMap {
  classId: number;
  probability: number;
  /** The map's peak score: a byte b stands for b / 255 × peak. */
  peak: number;
  /** Side of the map: `values` holds size × size bytes, row by row, top row first. */
  size: number;
  values: Uint8Array;
}

export function decodeClassMaps(answer: ClassMaps): ClassMap[] {
  const cells = answer.size * answer.size;
  return answer.maps.map((map) => {
    const values = fromBase64(map.values);
    if (values.length !== cells) {
      throw new Error(`the class map of class ${map.classId} has ${values.length} values, not ${cells}`);
    }
    return { classId: map.classId, probability: map.probability, peak: map.peak, size: answer.size, values };
  });
}

/**
 * The decoded class maps of the photos viewed last, at most `size` of them, read as they are asked
 * for. A failed read is not kept: the photo may be predicted by the next run.
 */
export class ClassMapCache {
  readonly #api: Pick<Api, 'getClassMaps'>;
  readonly #size: number;
  /** By photo id, the one asked for last at the end. */
  readonly #maps = new Map<number, Promise<ClassMap[]>>();

  constructor(api: Pick<Api, 'getClassMaps'>, size: number) {
    this.#api = api;
    this.#size = size;
  }

  /** The photo's maps, strongest class first; fails when the photo has no prediction. */
  get(imageId: number): Promise<ClassMap[]> {
    let maps = this.#maps.get(imageId);
    if (maps) {
      this.#maps.delete(imageId);
    } else {
      maps = this.#api.getClassMaps({ imageId }).then(decodeClassMaps);
      const asked = maps;
      asked.catch(() => {
        if (this.#maps.get(imageId) === asked) this.#maps.delete(imageId);
      });
      if (this.#maps.size >= this.#size) this.#maps.delete(this.#maps.keys().next().value!);
    }
    this.#maps.set(imageId, maps);
    return maps;
  }

  /** Forgets every map: photos predicted again, by a newer model, may have others. */
  clear(): void {
    this.#maps.clear();
  }
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Viridis (matplotlib's) at 0, 0.1, …, 1; the 256 colors in between are interpolated. */
const viridisStops = [
  '#440154',
  '#482475',
  '#414487',
  '#355f8d',
  '#2a788e',
  '#21918c',
  '#22a884',
  '#44bf70',
  '#7ad151',
  '#bddf26',
  '#fde725',
];

/** 256 RGB triples: entry b is the color of byte b. */
export const viridis: Uint8Array = (() => {
  const stops = viridisStops.map((hex) => [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)));
  const table = new Uint8Array(256 * 3);
  for (let b = 0; b < 256; b += 1) {
    const position = (b / 255) * (stops.length - 1);
    const low = Math.min(Math.floor(position), stops.length - 2);
    const t = position - low;
    for (let channel = 0; channel < 3; channel += 1) {
      const from = stops[low]![channel]!;
      const to = stops[low + 1]![channel]!;
      table[b * 3 + channel] = Math.round(from + (to - from) * t);
    }
  }
  return table;
})();

/**
 * Alpha of each byte: rising with the value, as the color does, so that where the model sees
 * nothing the photo shows through untouched (an opaque low end tinted the whole photo purple). The
 * square root lifts the middle: a linear ramp left all but the very peak too faint to find.
 */
export const overlayAlpha: Uint8Array = Uint8Array.from({ length: 256 }, (_, b) =>
  Math.round(Math.sqrt(b / 255) * 255),
);

/** The map as RGBA pixels, size × size, for an ImageData, transparent where it is low. */
export function colorize(map: ClassMap, table: Uint8Array = viridis): Uint8ClampedArray<ArrayBuffer> {
  const pixels = new Uint8ClampedArray(map.values.length * 4);
  for (let i = 0; i < map.values.length; i += 1) {
    const value = map.values[i]!;
    const entry = value * 3;
    pixels[i * 4] = table[entry]!;
    pixels[i * 4 + 1] = table[entry + 1]!;
    pixels[i * 4 + 2] = table[entry + 2]!;
    pixels[i * 4 + 3] = overlayAlpha[value]!;
  }
  return pixels;
}
