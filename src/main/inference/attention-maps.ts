// What a photo's class attention overlay needs, stored with its prediction: the per-location score
// maps of its strongest classes over the photo itself (any letterbox border cut away), resampled
// to 64×64 and quantised to bytes against each map's own peak, deflated. A few kilobytes per
// photo, decoded in well under a millisecond.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { wholeFrame, type Frame } from './preprocess';

export interface ClassMap {
  /** Index of the class in the model's class list. */
  classIndex: number;
  size: number;
  /** The map's peak value: stored bytes are value / peak × 255. */
  peak: number;
  values: Uint8Array;
}

export const classMapSize = 64;
const format = 1;
const headerBytes = 4;
const entryBytes = 6;

export interface ClassMapSelection {
  /** At most this many classes per photo. */
  maxMaps: number;
  /** Classes below this probability are left out (the strongest class is always kept). */
  minProbability: number;
}

export const defaultSelection: ClassMapSelection = { maxMaps: 4, minProbability: 0.02 };

/**
 * Encodes the maps of one photo. `maps` is the model's [C, side, side] output for it, `frame`
 * where the photo lies in it, and `scores` its per-class probabilities, which choose the classes.
 */
export function encodeClassMaps(
  maps: Float32Array,
  side: number,
  scores: Float32Array,
  frame: Frame = wholeFrame,
  selection: ClassMapSelection = defaultSelection,
): Buffer {
  const order = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]!);
  const chosen = order
    .slice(0, selection.maxMaps)
    .filter((index, rank) => rank === 0 || scores[index]! >= selection.minProbability);
  const body = Buffer.alloc(headerBytes + chosen.length * (entryBytes + classMapSize * classMapSize));
  body.writeUInt8(format, 0);
  body.writeUInt8(chosen.length, 1);
  body.writeUInt16LE(classMapSize, 2);
  chosen.forEach((classIndex, slot) => {
    const pooled = resample(
      maps.subarray(classIndex * side * side, (classIndex + 1) * side * side),
      side,
      frame,
    );
    let peak = 0;
    for (const value of pooled) peak = Math.max(peak, value);
    const entry = headerBytes + slot * entryBytes;
    body.writeUInt16LE(classIndex, entry);
    body.writeFloatLE(peak, entry + 2);
    const offset = headerBytes + chosen.length * entryBytes + slot * classMapSize * classMapSize;
    for (let i = 0; i < pooled.length; i += 1) {
      body[offset + i] = peak > 0 ? Math.round((pooled[i]! / peak) * 255) : 0;
    }
  });
  return deflateRawSync(body, { level: 1 });
}

export function decodeClassMaps(blob: Buffer): ClassMap[] {
  const body = inflateRawSync(blob);
  if (body.readUInt8(0) !== format) throw new Error(`unknown class map format ${body.readUInt8(0)}`);
  const count = body.readUInt8(1);
  const size = body.readUInt16LE(2);
  return Array.from({ length: count }, (_, slot) => {
    const entry = headerBytes + slot * entryBytes;
    const offset = headerBytes + count * entryBytes + slot * size * size;
    return {
      classIndex: body.readUInt16LE(entry),
      size,
      peak: body.readFloatLE(entry + 2),
      values: new Uint8Array(body.buffer, body.byteOffset + offset, size * size),
    };
  });
}

/**
 * The frame's part of a side×side map on a classMapSize grid: each cell takes the maximum of the
 * source cells it covers (or the nearest one, when it covers less than one), so no peak is lost.
 */
function resample(map: Float32Array, side: number, frame: Frame): Float32Array {
  const out = new Float32Array(classMapSize * classMapSize);
  const span = (start: number, length: number, cell: number) => {
    const from = (start + (cell / classMapSize) * length) * side;
    const to = (start + ((cell + 1) / classMapSize) * length) * side;
    const first = Math.min(side - 1, Math.floor(from));
    return [first, Math.max(first + 1, Math.min(side, Math.ceil(to)))] as const;
  };
  for (let y = 0; y < classMapSize; y += 1) {
    const [y0, y1] = span(frame.top, frame.height, y);
    for (let x = 0; x < classMapSize; x += 1) {
      const [x0, x1] = span(frame.left, frame.width, x);
      let best = 0;
      for (let sy = y0; sy < y1; sy += 1) {
        for (let sx = x0; sx < x1; sx += 1) best = Math.max(best, map[sy * side + sx]!);
      }
      out[y * classMapSize + x] = best;
    }
  }
  return out;
}
