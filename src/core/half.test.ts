import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  HAS_NATIVE_F16,
  bf16BitsToF32Bits,
  bf16BitsToNumber,
  bf16ToF32,
  f16BitsToF32Bits,
  f16BitsToNumber,
  f16ToF32,
  f16ToF32Portable,
  f32BitsToBf16Bits,
  f32BitsToF16Bits,
  f32ToBf16,
  f32ToF16,
  f32ToF16Portable,
} from './half.ts';

const SEED = Number(process.env.SIRA_FC_SEED ?? 20_240_611);
fc.configureGlobal({ seed: SEED, numRuns: 200 });

const mathF16round = (Math as { f16round?: (x: number) => number }).f16round;

const ALL_F16 = Uint16Array.from({ length: 65536 }, (_, i) => i);
const isF16NaN = (h: number): boolean => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
const isBf16NaN = (h: number): boolean => (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
const f32Bits = (x: number): number => new Uint32Array(Float32Array.of(x).buffer)[0] as number;
const fromBits = (bits: number): number => new Float32Array(Uint32Array.of(bits).buffer)[0] as number;

/** Compare two arrays of 16-bit patterns, treating any two NaNs as equal (payloads may differ by path). */
function expectSameF16(actual: Uint16Array, expected: Uint16Array, isNaN16: (h: number) => boolean): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (isNaN16(e)) expect(isNaN16(a), `index ${i}`).toBe(true);
    else if (a !== e) expect(a.toString(16), `index ${i}`).toBe(e.toString(16));
  }
}

describe(`core/half (fc seed ${SEED})`, () => {
  it('f16ToF32 (native path) and f16ToF32Portable agree bit for bit on all 65536 f16 patterns, NaN aside', () => {
    const native = new Uint32Array(f16ToF32(ALL_F16).buffer);
    const portable = new Uint32Array(f16ToF32Portable(ALL_F16).buffer);
    for (let h = 0; h < 65536; h++) {
      if (isF16NaN(h)) expect(Number.isNaN(fromBits(portable[h] as number))).toBe(true);
      else if (native[h] !== portable[h]) expect(portable[h], `f16 0x${h.toString(16)}`).toBe(native[h]);
    }
    expect(f16ToF32(ALL_F16).every((x, h) => Number.isNaN(x) === isF16NaN(h))).toBe(true);
  });

  it('f32ToF16(f16ToF32(h)) returns h for every non-NaN f16 pattern, on both paths', () => {
    const back = f32ToF16(f16ToF32Portable(ALL_F16));
    const backPortable = f32ToF16Portable(f16ToF32Portable(ALL_F16));
    for (let h = 0; h < 65536; h++) {
      if (isF16NaN(h)) {
        expect(isF16NaN(back[h] as number) && isF16NaN(backPortable[h] as number)).toBe(true);
      } else if (back[h] !== h || backPortable[h] !== h) {
        expect([back[h], backPortable[h]], `f16 0x${h.toString(16)}`).toEqual([h, h]);
      }
    }
  });

  it('f32ToF16 rounds ties to even and near-ties to nearest at every f16 midpoint, on both paths', () => {
    // For each adjacent pair (h, h+1) of finite same-sign f16 values, the midpoint is exact in f32.
    const probes: number[] = [];
    const expected: number[] = [];
    for (let h = 0; h < 0x7c00; h++) {
      for (const sign of [0, 0x8000]) {
        const lo = f16BitsToNumber(h | sign);
        // Above the largest finite f16 the next step would be ±2^16; rounding to it gives Infinity.
        const hi = h + 1 === 0x7c00 ? (sign ? -65536 : 65536) : f16BitsToNumber((h + 1) | sign);
        const mid = f32Bits((lo + hi) / 2);
        const even = (h & 1) === 0 ? h : h + 1;
        probes.push(mid, mid - 1, mid + 1);
        expected.push(even | sign, h | sign, (h + 1) | sign);
      }
    }
    const src = new Float32Array(Uint32Array.from(probes).buffer);
    const want = Uint16Array.from(expected);
    expectSameF16(f32ToF16Portable(src), want, isF16NaN);
    expectSameF16(f32ToF16(src), want, isF16NaN);
  });

  it('f32ToF16Portable matches f32ToF16 (native) on 200k random f32 bit patterns', () => {
    const bits = new Uint32Array(200_000);
    let s = SEED >>> 0 || 1;
    for (let i = 0; i < bits.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      bits[i] = s >>> 0;
    }
    const src = new Float32Array(bits.buffer);
    expectSameF16(f32ToF16Portable(src), f32ToF16(src), isF16NaN);
  });

  // Math.f16round is the reference; Node versions without it (before 24) have nothing to compare against.
  it.skipIf(mathF16round === undefined)('f32BitsToF16Bits agrees with Math.f16round on arbitrary f32 values', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true }), (x) => {
        const want = (mathF16round as (v: number) => number)(x); // x is an f32, so this is one rounding
        expect(Object.is(f16BitsToNumber(f32BitsToF16Bits(f32Bits(x))), want)).toBe(true);
      }),
    );
  });

  it('f32BitsToF16Bits handles the edge cases: max, overflow, subnormals, zeros, infinities, NaN', () => {
    const cases: [number, number][] = [
      [65504, 0x7bff],
      [65519.99, 0x7bff],
      [65520, 0x7c00], // tie between max and 2^16 rounds to even = Infinity
      [1e10, 0x7c00],
      [-1e10, 0xfc00],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], // tie with zero rounds to even
      [1.5 * 2 ** -25, 0x0001],
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 subnormal units → even
      [2 ** -14 - 2 ** -25, 0x0400], // rounds up from the largest subnormal into the smallest normal
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      [0, 0x0000],
      [-0, 0x8000],
      [1e-40, 0x0000], // an f32 subnormal
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
    ];
    for (const [x, h] of cases) expect(f32BitsToF16Bits(f32Bits(x)).toString(16), String(x)).toBe(h.toString(16));
    expect(isF16NaN(f32BitsToF16Bits(0x7fc00000))).toBe(true);
    expect(isF16NaN(f32BitsToF16Bits(0x7f800001))).toBe(true); // payload only in low bits stays NaN
    expect(f32BitsToF16Bits(0xffc00000) & 0x8000).toBe(0x8000);
    expect(f16BitsToF32Bits(0x0001)).toBe(f32Bits(2 ** -24));
    expect(f16BitsToNumber(0x3555)).toBe(0.333251953125);
  });

  it('bf16 round trip is exact for all 65536 patterns, NaN aside', () => {
    const back = f32ToBf16(bf16ToF32(ALL_F16));
    expectSameF16(back, ALL_F16, isBf16NaN);
    const nanMismatch = Array.from(ALL_F16).filter((h) => isBf16NaN(h) !== Number.isNaN(bf16BitsToNumber(h)));
    expect(nanMismatch).toEqual([]);
  });

  it('f32BitsToBf16Bits rounds to nearest even: property against a by-value reference on random f32 bits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (bits) => {
        const x = fromBits(bits);
        const got = f32BitsToBf16Bits(bits);
        const lo = bits >>> 16; // truncation: the neighbour towards zero
        if (Number.isNaN(x)) {
          expect(isBf16NaN(got)).toBe(true);
          return;
        }
        if (!Number.isFinite(x)) {
          expect(got).toBe(lo);
          return;
        }
        // The neighbour away from zero; past the largest finite bf16 it is ±2^128 (reached means Infinity).
        const hiV = ((lo + 1) & 0x7f80) === 0x7f80 ? Math.sign(x) * 2 ** 128 : bf16BitsToNumber(lo + 1);
        const dLo = Math.abs(x - bf16BitsToNumber(lo));
        const dHi = Math.abs(hiV - x);
        const want = dLo < dHi || (dLo === dHi && (lo & 1) === 0) ? lo : lo + 1;
        expect(got.toString(16)).toBe(want.toString(16));
      }),
    );
  });

  it('bf16 edge cases: max finite rounds to Infinity past the midpoint, subnormals keep their bits', () => {
    expect(f32BitsToBf16Bits(0x7f7fffff)).toBe(0x7f80);
    expect(f32BitsToBf16Bits(0x7f7f7fff)).toBe(0x7f7f);
    expect(f32BitsToBf16Bits(0x00018000)).toBe(0x0002); // subnormal tie to even
    expect(f32BitsToBf16Bits(0x00008000)).toBe(0x0000);
    expect(f32BitsToBf16Bits(0x80000000)).toBe(0x8000);
    expect(f32BitsToBf16Bits(0xff800000)).toBe(0xff80);
    expect(bf16BitsToF32Bits(0x3f80)).toBe(f32Bits(1));
    expect(Array.from(f32ToBf16(Float32Array.of(1, -2, 3.140625)))).toEqual([0x3f80, 0xc000, 0x4049]);
  });

  it('bulk functions respect byteOffset and never share their input', () => {
    const backing = new Float32Array([9, 1, 2, 9]);
    const src = backing.subarray(1, 3);
    const h = f32ToF16(src);
    expect(Array.from(h)).toEqual([0x3c00, 0x4000]);
    expect(h.buffer).not.toBe(backing.buffer);
    const bits = new Uint16Array([0, 0x3c00, 0x4000]).subarray(1);
    expect(Array.from(f16ToF32(bits))).toEqual([1, 2]);
    expect(Array.from(f16ToF32Portable(bits))).toEqual([1, 2]);
    expect(typeof HAS_NATIVE_F16).toBe('boolean');
  });
});
