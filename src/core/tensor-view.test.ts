import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DType, Tensor } from './types.ts';
import { DTYPES, DTYPE_SIZE, elementCount } from './tensor.ts';
import { isSiraError } from './errors.ts';
import { f16BitsToNumber, bf16BitsToNumber } from './half.ts';
import { assertLittleEndian, isZeroCopy, tensorFromTypedArray, tensorView, toFloat32 } from './tensor-view.ts';

const SEED = Number(process.env.SIRA_FC_SEED ?? 20_240_611);
fc.configureGlobal({ seed: SEED, numRuns: 200 });

/** A tensor of `dtype` and `shape` with random bytes (0/1 for bool), placed at byte `shift` of a larger buffer. */
const tensorAt = (shift: number): fc.Arbitrary<Tensor> =>
  fc
    .record({ dtype: fc.constantFrom(...DTYPES), shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }) })
    .chain(({ dtype, shape }) => {
      const n = elementCount(shape) * DTYPE_SIZE[dtype];
      const bytes =
        dtype === 'bool'
          ? fc.array(fc.constantFrom(0, 1), { minLength: n, maxLength: n }).map((a) => Uint8Array.from(a))
          : fc.uint8Array({ minLength: n, maxLength: n });
      return bytes.map((b) => {
        const backing = new Uint8Array(shift + n + 3);
        backing.set(b, shift);
        return { dtype, shape, data: backing.subarray(shift, shift + n) };
      });
    });

/** Element i of `t` read independently with a DataView (numbers; bigint for i64). */
function readElement(t: Tensor, i: number): number | bigint {
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const at = i * DTYPE_SIZE[t.dtype];
  const read: Record<DType, () => number | bigint> = {
    f64: () => dv.getFloat64(at, true),
    f32: () => dv.getFloat32(at, true),
    f16: () => dv.getUint16(at, true),
    bf16: () => dv.getUint16(at, true),
    i64: () => dv.getBigInt64(at, true),
    i32: () => dv.getInt32(at, true),
    i16: () => dv.getInt16(at, true),
    i8: () => dv.getInt8(at),
    u8: () => dv.getUint8(at),
    bool: () => dv.getUint8(at),
  };
  return read[t.dtype]();
}

describe(`core/tensor-view (fc seed ${SEED})`, () => {
  it('tensorView(t) holds exactly the little-endian elements of t.data, aligned or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }).chain(tensorAt), (t) => {
        const v = tensorView(t);
        expect(v.length).toBe(elementCount(t.shape));
        for (let i = 0; i < v.length; i++) expect(Object.is(v[i], readElement(t, i))).toBe(true);
      }),
    );
  });

  it('tensorView(t) shares memory exactly when isZeroCopy(t) (view when aligned, copy otherwise)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }).chain(tensorAt), (t) => {
        const v = tensorView(t);
        const aligned = t.data.byteOffset % DTYPE_SIZE[t.dtype] === 0;
        expect(isZeroCopy(t)).toBe(aligned);
        expect(v.buffer === t.data.buffer).toBe(aligned);
        if (aligned) expect(v.byteOffset).toBe(t.data.byteOffset);
      }),
    );
  });

  it('tensorView(t) of an aligned f32 tensor sees writes to t.data; of an unaligned one it does not', () => {
    const buf = new Uint8Array(13);
    const aligned = { dtype: 'f32' as const, shape: [2], data: buf.subarray(4, 12) };
    const unaligned = { dtype: 'f32' as const, shape: [2], data: buf.subarray(1, 9) };
    const a = tensorView(aligned);
    const u = tensorView(unaligned);
    new DataView(buf.buffer).setFloat32(4, 1.5, true);
    expect(a[0]).toBe(1.5);
    expect(u[0]).toBe(0);
    expect(isZeroCopy(aligned)).toBe(true);
    expect(isZeroCopy(unaligned)).toBe(false);
  });

  it('tensorView(t) throws SIRA_ERR_TENSOR_INVALID when the byte length does not match the shape', () => {
    const bad = { dtype: 'f32' as const, shape: [3], data: new Uint8Array(8) };
    expect(() => tensorView(bad)).toThrow(expect.objectContaining({ code: 'SIRA_ERR_TENSOR_INVALID' }));
  });

  it('tensorFromTypedArray(dtype, shape, arr) wraps arr without copying, and tensorView gives it back', () => {
    const backing = new Float32Array([0, 1, 2, 3, 4]);
    const arr = backing.subarray(1, 5);
    const t = tensorFromTypedArray('f32', [2, 2], arr);
    expect(t.data.buffer).toBe(backing.buffer);
    expect(t.data.byteOffset).toBe(4);
    expect(t.data.byteLength).toBe(16);
    const v = tensorView(t);
    expect(Array.from(v)).toEqual([1, 2, 3, 4]);
    v[0] = 42;
    expect(backing[1]).toBe(42);
    const big = tensorFromTypedArray('i64', [], BigInt64Array.of(-5n));
    expect(tensorView(big)[0]).toBe(-5n);
  });

  it('tensorFromTypedArray rejects a wrong array type, element count, dimension or bool value', () => {
    const cases: (() => unknown)[] = [
      () => tensorFromTypedArray('f32', [1], new Float64Array(1) as unknown as Float32Array),
      () => tensorFromTypedArray('u8', [1], new Int8Array(1) as unknown as Uint8Array),
      () => tensorFromTypedArray('f32', [3], new Float32Array(2)),
      () => tensorFromTypedArray('f32', [-1], new Float32Array(0)),
      () => tensorFromTypedArray('f32', [1.5], new Float32Array(1)),
      () => tensorFromTypedArray('bool', [2], Uint8Array.of(0, 2)),
    ];
    for (const f of cases) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(isSiraError(err, 'SIRA_ERR_TENSOR_INVALID')).toBe(true);
    }
  });

  it('toFloat32(t) converts every dtype element-wise into a new array', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }).chain(tensorAt), (t) => {
        const out = toFloat32(t);
        expect(out.buffer).not.toBe(t.data.buffer);
        expect(out.length).toBe(elementCount(t.shape));
        for (let i = 0; i < out.length; i++) {
          const raw = readElement(t, i);
          const want =
            t.dtype === 'f16'
              ? f16BitsToNumber(raw as number)
              : t.dtype === 'bf16'
                ? bf16BitsToNumber(raw as number)
                : Math.fround(Number(raw));
          expect(Object.is(out[i], want) || (Number.isNaN(out[i]) && Number.isNaN(want))).toBe(true);
        }
      }),
    );
  });

  it('toFloat32 of known values: f16, bf16, i64 and bool', () => {
    expect(Array.from(toFloat32(tensorFromTypedArray('f16', [3], Uint16Array.of(0x3c00, 0xc000, 0x7c00))))).toEqual([
      1, -2, Infinity,
    ]);
    expect(Array.from(toFloat32(tensorFromTypedArray('bf16', [1], Uint16Array.of(0x4049))))).toEqual([3.140625]);
    expect(Array.from(toFloat32(tensorFromTypedArray('i64', [2], BigInt64Array.of(-3n, 1n << 40n))))).toEqual([
      -3,
      2 ** 40,
    ]);
    expect(Array.from(toFloat32(tensorFromTypedArray('bool', [2], Uint8Array.of(1, 0))))).toEqual([1, 0]);
  });

  it('assertLittleEndian throws a clear SiraError for a big-endian CPU', () => {
    expect(() => assertLittleEndian('LE')).not.toThrow();
    expect(() => assertLittleEndian('BE')).toThrow(/little-endian/);
  });
});
