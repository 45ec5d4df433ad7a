// IEEE 754 half precision for the feature cache (Node 20 has no Float16Array). Backbone features
// are hard-swish activations of modest range: half precision keeps ~3 significant digits at half
// the bytes, far below the noise of training on a few hundred photos.

const floatView = new Float32Array(1);
const intView = new Uint32Array(floatView.buffer);

/** Round-to-nearest-even float32 → float16 bits. */
export function toFloat16(
  values: ArrayLike<number>,
  out: Uint16Array = new Uint16Array(values.length),
): Uint16Array {
  for (let i = 0; i < values.length; i++) {
    floatView[0] = values[i]!;
    const x = intView[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exponent = (x >>> 23) & 0xff;
    let mantissa = x & 0x7fffff;
    if (exponent === 0xff) {
      out[i] = sign | 0x7c00 | (mantissa ? 0x200 : 0);
      continue;
    }
    const e = exponent - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
    } else if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mantissa |= 0x800000;
      const shift = 14 - e;
      const half = 1 << (shift - 1);
      const rest = mantissa & ((1 << shift) - 1);
      let bits = mantissa >>> shift;
      if (rest > half || (rest === half && bits & 1)) bits++;
      out[i] = sign | bits;
    } else {
      let bits = (e << 10) | (mantissa >>> 13);
      const rest = mantissa & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && bits & 1)) bits++;
      out[i] = sign | bits;
    }
  }
  return out;
}

const table = (() => {
  const values = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    values[h] =
      exponent === 0
        ? sign * 2 ** -14 * (mantissa / 1024)
        : exponent === 0x1f
          ? mantissa
            ? NaN
            : sign * Infinity
          : sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
  }
  return values;
})();

/** float16 bits → float32, by table. */
export function fromFloat16(
  bits: Uint16Array,
  out: Float32Array = new Float32Array(bits.length),
): Float32Array {
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!;
  return out;
}
