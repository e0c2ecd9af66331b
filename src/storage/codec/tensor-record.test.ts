import { describe, expect, it } from 'vitest';
import { byteMutationArb, mutate, tensorArb as tensorArbOf } from '../../../test/helpers/tensor-arbitraries.ts';
import fc from 'fast-check';
import type { Tensor } from '../../core/types.ts';
import { validateTensor } from '../../core/tensor.ts';
import { isSiraError } from '../../core/errors.ts';
import { isZeroCopy } from '../../core/tensor-view.ts';
import {
  TENSOR_RECORD_DTYPE_CODE,
  decodeTensorInfo,
  decodeTensorInfoHeader,
  decodeTensorRecord,
  encodeTensorRecord,
  tensorRecordDataOffset,
} from './tensor-record.ts';

const SEED = Number(process.env.SIRA_FC_SEED ?? 20_240_611);
fc.configureGlobal({ seed: SEED, numRuns: 200 });

const tensorArb = tensorArbOf(5);
const timeArb = fc.double({ noNaN: true, noDefaultInfinity: true });

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe(`storage/codec/tensor-record (fc seed ${SEED})`, () => {
  it('decodeTensorRecord(encodeTensorRecord(t, at)) returns t and at, for any dtype, scalar and 0-size shapes', () => {
    fc.assert(
      fc.property(tensorArb, timeArb, (t, at) => {
        const bytes = encodeTensorRecord(t, at);
        const out = decodeTensorRecord(bytes);
        expect(out.tensor.dtype).toBe(t.dtype);
        expect(out.tensor.shape).toEqual(t.shape);
        expect(hex(out.tensor.data)).toBe(hex(t.data));
        expect(Object.is(out.updated_at, at)).toBe(true);
        expect(out.tensor.data.buffer).toBe(bytes.buffer); // a view by default
        expect(hex(encodeTensorRecord(out.tensor, out.updated_at))).toBe(hex(bytes));
      }),
    );
  });

  it('decodeTensorInfo(bytes) gives dtype, shape, byte_length and updated_at without the data', () => {
    fc.assert(
      fc.property(tensorArb, timeArb, (t, at) => {
        const info = decodeTensorInfo(encodeTensorRecord(t, at));
        expect(info).toEqual({ dtype: t.dtype, shape: t.shape, byte_length: t.data.byteLength, updated_at: at });
      }),
    );
  });

  it('decodeTensorInfoHeader(header) gives the same from only the first tensorRecordDataOffset(rank) bytes', () => {
    fc.assert(
      fc.property(tensorArb, timeArb, (t, at) => {
        const bytes = encodeTensorRecord(t, at);
        const header = bytes.slice(0, tensorRecordDataOffset(t.shape.length));
        expect(decodeTensorInfoHeader(header)).toEqual(decodeTensorInfo(bytes));
        expect(isSiraError(errorOf(() => decodeTensorInfoHeader(header.subarray(0, header.byteLength - 1))), 'SIRA_ERR_CODEC_CORRUPT')).toBe(true);
      }),
    );
  });

  it('encodeTensorRecord puts the data 8-byte aligned, so the decoded tensor is viewable without a copy', () => {
    fc.assert(
      fc.property(tensorArb, (t) => {
        const bytes = encodeTensorRecord(t, 0);
        const start = tensorRecordDataOffset(t.shape.length);
        expect(start % 8).toBe(0);
        expect(bytes.byteLength).toBe(start + t.data.byteLength);
        expect(bytes[0]).toBe(1);
        expect(bytes[1]).toBe(TENSOR_RECORD_DTYPE_CODE[t.dtype]);
        expect(isZeroCopy(decodeTensorRecord(bytes).tensor)).toBe(true);
      }),
    );
  });

  it('decodeTensorRecord(bytes, {copy: true}) returns a copy that does not share the input', () => {
    const bytes = encodeTensorRecord({ dtype: 'u8', shape: [2], data: Uint8Array.of(1, 2) }, 5);
    const copied = decodeTensorRecord(bytes, { copy: true }).tensor;
    const viewed = decodeTensorRecord(bytes).tensor;
    bytes[bytes.length - 1] = 9;
    expect(Array.from(copied.data)).toEqual([1, 2]);
    expect(Array.from(viewed.data)).toEqual([1, 9]);
  });

  it('decode never throws anything but SIRA_ERR_CODEC_CORRUPT on truncated, extended or mutated records', () => {
    fc.assert(
      fc.property(tensorArb, timeArb, byteMutationArb, (t, at, m) => {
        const bytes = encodeTensorRecord(t, at);
        const mutated = mutate(bytes, m);
        for (const decode of [() => decodeTensorRecord(mutated).tensor, () => decodeTensorInfo(mutated)]) {
          let out: unknown;
          try {
            out = decode();
          } catch (e) {
            expect(isSiraError(e, 'SIRA_ERR_CODEC_CORRUPT'), String(e)).toBe(true);
            continue;
          }
          if ('data' in (out as object)) validateTensor(out as Tensor, { maxTensorBytes: 2 ** 40, maxTensorRank: 255 });
        }
        if (m.kind !== 'flip') expect(errorOf(() => decodeTensorRecord(mutated))).toBeDefined();
      }),
    );
  });

  it('decode never throws anything but SIRA_ERR_CODEC_CORRUPT on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
        const e = errorOf(() => decodeTensorRecord(bytes));
        if (e !== undefined) expect(isSiraError(e, 'SIRA_ERR_CODEC_CORRUPT')).toBe(true);
      }),
    );
  });

  describe('decodeTensorRecord rejects with SIRA_ERR_CODEC_CORRUPT', () => {
    const good = (): Uint8Array => encodeTensorRecord({ dtype: 'i16', shape: [2], data: Uint8Array.of(1, 0, 2, 0) }, 1);
    const edit = (f: (b: Uint8Array) => void): Uint8Array => {
      const b = good();
      f(b);
      return b;
    };
    const boolTwo = (): Uint8Array => {
      const b = encodeTensorRecord({ dtype: 'bool', shape: [1], data: Uint8Array.of(1) }, 0);
      b[16] = 2;
      return b;
    };
    const cases: [string, Uint8Array][] = [
      ['an empty input', new Uint8Array(0)],
      ['an unknown codec version (0)', edit((b) => (b[0] = 0))],
      ['an unknown codec version (2)', edit((b) => (b[0] = 2))],
      ['an unknown dtype code', edit((b) => (b[1] = 11))],
      ['non-zero flags', edit((b) => (b[3] = 1))],
      ['non-zero padding', edit((b) => (b[15] = 1))],
      ['a NaN updated_at', edit((b) => new DataView(b.buffer).setFloat64(4, NaN, true))],
      ['a shape that does not match the data', edit((b) => (b[12] = 3))],
      ['a rank past the end', edit((b) => (b[2] = 9))],
      ['a truncated fixed header', good().slice(0, 11)],
      ['a truncated data section', good().slice(0, -1)],
      ['a trailing byte', Uint8Array.from([...good(), 0])],
      ['a bool byte other than 0/1', boolTwo()],
    ];
    it.each(cases)('%s', (_, bytes) => {
      expect(isSiraError(errorOf(() => decodeTensorRecord(bytes)), 'SIRA_ERR_CODEC_CORRUPT')).toBe(true);
    });
  });

  it('encodeTensorRecord rejects malformed tensors, rank over 255, dimensions over 2^32-1 and non-finite times', () => {
    const ok = { dtype: 'u8' as const, shape: [1], data: Uint8Array.of(1) };
    const mismatch = { ...ok, shape: [2] };
    expect(isSiraError(errorOf(() => encodeTensorRecord(mismatch, 0)), 'SIRA_ERR_TENSOR_INVALID')).toBe(true);
    const deep = { dtype: 'u8' as const, shape: new Array<number>(256).fill(1), data: Uint8Array.of(1) };
    expect(isSiraError(errorOf(() => encodeTensorRecord(deep, 0)), 'SIRA_ERR_TENSOR_INVALID')).toBe(true);
    const wide = { dtype: 'u8' as const, shape: [2 ** 32, 0], data: new Uint8Array(0) };
    expect(isSiraError(errorOf(() => encodeTensorRecord(wide, 0)), 'SIRA_ERR_TENSOR_INVALID')).toBe(true);
    expect(isSiraError(errorOf(() => encodeTensorRecord(ok, Infinity)), 'SIRA_ERR_INTERNAL')).toBe(true);
    const maxRank = { dtype: 'u8' as const, shape: new Array<number>(255).fill(1), data: Uint8Array.of(1) };
    expect(decodeTensorInfo(encodeTensorRecord(maxRank, 0)).shape).toHaveLength(255);
  });
});
