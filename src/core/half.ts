/**
 * @module core/half
 * Exact conversions between float32 and the two 16-bit float formats a tensor may hold: IEEE 754 binary16 (`f16`)
 * and bfloat16 (`bf16`). f32 → 16-bit rounds to nearest, ties to even; overflow gives ±Infinity; subnormals and
 * signed zeros are kept; NaN stays NaN (quiet, sign kept, top payload bits kept where the platform allows).
 * 16-bit → f32 is exact. 16-bit values travel as their raw bits in a `Uint16Array` (little-endian in tensor bytes).
 *
 * The bulk f16 functions use the platform's `Float16Array` when it exists (Node ≥ 24) and the portable bit-level
 * code otherwise; both give the same bits for every non-NaN input (tests compare them on all 65536 f16 patterns).
 * Every function here returns a new array and keeps nothing of its input, except `f16Values`, a view over it.
 */

/** The subset of the ES2025 `Float16Array` constructor we use (the TS lib we target does not declare it). */
interface Float16ArrayLike extends ArrayLike<number> {
  readonly buffer: ArrayBufferLike;
  readonly byteOffset: number;
}
interface Float16ArrayCtor {
  new (values: ArrayLike<number>): Float16ArrayLike;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): Float16ArrayLike;
}

const NativeFloat16Array: Float16ArrayCtor | undefined = (globalThis as { Float16Array?: Float16ArrayCtor })
  .Float16Array;

/** True when the runtime has a native `Float16Array`, which the bulk f16 functions then use. */
export const HAS_NATIVE_F16: boolean = NativeFloat16Array !== undefined;

/**
 * The values of f16 bits read in place (a native `Float16Array` over the same memory, no copy), or undefined when the
 * runtime has none: element reads then cost no 256 KiB lookup table.
 */
export function f16Values(bits: Uint16Array): ArrayLike<number> | undefined {
  if (NativeFloat16Array === undefined) return undefined;
  return new NativeFloat16Array(bits.buffer, bits.byteOffset, bits.length) as unknown as ArrayLike<number>;
}

/**
 * f32 bits (a u32) → f16 bits (a u16), rounding to nearest, ties to even.
 * NaN keeps its sign and the top 10 payload bits, with the quiet bit set.
 */
export function f32BitsToF16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  const e = exp - 112; // f16 biased exponent: (exp - 127) + 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e >= 1) {
    let h = (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    // A carry out of the mantissa bumps the exponent, and from e = 30 lands exactly on Infinity (0x7c00).
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h += 1;
    return sign | h;
  }
  // Result is subnormal or zero: value = full × 2^(exp − 150), and the f16 subnormal unit is 2^−24.
  const shift = 126 - exp;
  if (shift > 24) return sign; // below half the smallest subnormal (f32 subnormals land here too)
  const full = mant | 0x800000;
  let h = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && (h & 1) === 1)) h += 1; // may round up to the smallest normal, 0x0400
  return sign | h;
}

/** f16 bits (a u16) → f32 bits (a u32), exactly. NaN payload bits are kept. */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const e = (h >>> 10) & 0x1f;
  let m = h & 0x3ff;
  if (e === 0x1f) return (sign | 0x7f800000 | (m << 13)) >>> 0;
  if (e !== 0) return (sign | ((e + 112) << 23) | (m << 13)) >>> 0;
  if (m === 0) return sign >>> 0;
  // Subnormal f16: normalise into an f32 normal (every f16 subnormal is an f32 normal).
  let exp = 113; // 1 − 15 + 127
  while ((m & 0x400) === 0) {
    m <<= 1;
    exp -= 1;
  }
  return (sign | (exp << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/**
 * f32 bits (a u32) → bf16 bits (a u16), rounding to nearest, ties to even.
 * NaN keeps its sign and the top 7 payload bits, with the quiet bit set.
 */
export function f32BitsToBf16Bits(bits: number): number {
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return ((bits >>> 16) | 0x0040) & 0xffff;
  // Adding 0x7fff plus the lowest kept bit rounds half to even; a carry into the exponent gives Infinity.
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** bf16 bits (a u16) → f32 bits (a u32), exactly. */
export function bf16BitsToF32Bits(h: number): number {
  return (h << 16) >>> 0;
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** The number an f16 bit pattern stands for (exact; NaN for any NaN pattern). */
export function f16BitsToNumber(h: number): number {
  scratchU32[0] = f16BitsToF32Bits(h);
  return scratchF32[0] as number;
}

/** The number a bf16 bit pattern stands for (exact; NaN for any NaN pattern). */
export function bf16BitsToNumber(h: number): number {
  scratchU32[0] = bf16BitsToF32Bits(h);
  return scratchF32[0] as number;
}

/** f32 values → f16 bits with the portable bit-level code only (no `Float16Array`). Returns a new array. */
export function f32ToF16Portable(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16Bits(bits[i] as number);
  return out;
}

/** f16 bits → f32 values with the portable bit-level code only (no `Float16Array`). Returns a new array. */
export function f16ToF32Portable(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) bits[i] = f16BitsToF32Bits(src[i] as number);
  return out;
}

/** f32 values → f16 bits (round to nearest even). Uses `Float16Array` when present. Returns a new array. */
export function f32ToF16(src: Float32Array): Uint16Array {
  if (NativeFloat16Array === undefined) return f32ToF16Portable(src);
  // Each f32 is exact as a double, so the native double → f16 conversion is a single correct rounding.
  const half = new NativeFloat16Array(src);
  return new Uint16Array(half.buffer, half.byteOffset, src.length);
}

/** f16 bits → f32 values (exact). Uses `Float16Array` when present. Returns a new array. */
export function f16ToF32(src: Uint16Array): Float32Array {
  if (NativeFloat16Array === undefined) return f16ToF32Portable(src);
  return Float32Array.from(new NativeFloat16Array(src.buffer, src.byteOffset, src.length));
}

/** f32 values → bf16 bits (round to nearest even). Returns a new array. */
export function f32ToBf16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToBf16Bits(bits[i] as number);
  return out;
}

/** bf16 bits → f32 values (exact). Returns a new array. */
export function bf16ToF32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) bits[i] = (src[i] as number) << 16;
  return out;
}
