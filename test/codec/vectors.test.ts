/**
 * Golden vectors (test/fixtures/vectors, written once by scripts/gen-vectors.ts): every case must decode to the
 * tensors it lists and re-encode to exactly its bytes. A failure here means a stored or exchanged format changed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DType, Tensor } from '../../src/core/types.ts';
import { DTYPES } from '../../src/core/tensor.ts';
import { decodeSafetensors, encodeSafetensors } from '../../src/core/safetensors.ts';
import {
  TENSOR_RECORD_VERSION,
  decodeTensorInfo,
  decodeTensorRecord,
  encodeTensorRecord,
} from '../../src/storage/codec/tensor-record.ts';

interface TensorVector {
  dtype: DType;
  shape: number[];
  values_hex: string;
}
interface SafetensorsVector {
  name: string;
  description: string;
  metadata: Record<string, string> | null;
  tensors: Record<string, TensorVector>;
  hex: string;
}
interface RecordVector {
  name: string;
  description: string;
  updated_at: number;
  tensor: TensorVector;
  hex: string;
}

const load = <T>(file: string): { format: string; version?: number; cases: T[] } =>
  JSON.parse(readFileSync(new URL(`../fixtures/vectors/${file}`, import.meta.url), 'utf8'));

const safetensors = load<SafetensorsVector>('safetensors.json');
const records = load<RecordVector>('tensor-record.json');

const bytesOf = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const hexOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const tensorOf = (v: TensorVector): Tensor => ({ dtype: v.dtype, shape: v.shape, data: bytesOf(v.values_hex) });
const vectorOf = (t: Tensor): TensorVector => ({ dtype: t.dtype, shape: t.shape, values_hex: hexOf(t.data) });

describe('golden vectors: safetensors', () => {
  it('cover every dtype, a scalar, a zero-size tensor and metadata', () => {
    const all = safetensors.cases.flatMap((c) => Object.values(c.tensors));
    expect(new Set(all.map((t) => t.dtype))).toEqual(new Set(DTYPES));
    expect(all.some((t) => t.shape.length === 0)).toBe(true);
    expect(all.some((t) => t.shape.includes(0))).toBe(true);
    expect(safetensors.cases.some((c) => c.metadata !== null)).toBe(true);
  });

  const cases = safetensors.cases.map((c) => [c.name, c] as const);
  it.each(cases)('%s decodes to its tensors and re-encodes byte-exactly', (_, c) => {
    const out = decodeSafetensors(bytesOf(c.hex));
    expect(out.metadata === undefined ? null : { ...out.metadata }).toEqual(c.metadata);
    const got = Object.fromEntries(Object.entries(out.tensors).map(([k, t]) => [k, vectorOf(t)]));
    expect(got).toEqual(c.tensors);
    const tensors = Object.fromEntries(Object.entries(c.tensors).map(([k, v]) => [k, tensorOf(v)]));
    expect(hexOf(encodeSafetensors(tensors, c.metadata ?? undefined))).toBe(c.hex);
  });

  it('reference-attn.0 is the layout the reference implementation writes, spelled out byte by byte', () => {
    // huggingface/safetensors: u64 LE header size, compact JSON {"name":{"dtype","shape","data_offsets"}} padded
    // with spaces to a multiple of 8 (here 64, no padding), then the raw LE data (f32 0..5).
    const c = safetensors.cases.find((v) => v.name === 'reference-attn.0') as SafetensorsVector;
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    const expected = Buffer.concat([
      Buffer.from([64, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from(json, 'ascii'),
      Buffer.from([0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 0, 0, 0xa0, 0x40]),
    ]);
    expect(json.length).toBe(64);
    expect(c.hex).toBe(expected.toString('hex'));
  });
});

describe('golden vectors: tensor-record', () => {
  it(`are codec version ${TENSOR_RECORD_VERSION} and cover every dtype, a scalar and a zero-size tensor`, () => {
    expect(records.version).toBe(TENSOR_RECORD_VERSION);
    expect(new Set(records.cases.map((c) => c.tensor.dtype))).toEqual(new Set(DTYPES));
    expect(records.cases.some((c) => c.tensor.shape.length === 0)).toBe(true);
    expect(records.cases.some((c) => c.tensor.shape.includes(0))).toBe(true);
  });

  const cases = records.cases.map((c) => [c.name, c] as const);
  it.each(cases)('%s decodes to its tensor and re-encodes byte-exactly', (_, c) => {
    const bytes = bytesOf(c.hex);
    const out = decodeTensorRecord(bytes);
    expect(vectorOf(out.tensor)).toEqual(c.tensor);
    expect(out.updated_at).toBe(c.updated_at);
    expect(decodeTensorInfo(bytes)).toEqual({
      dtype: c.tensor.dtype,
      shape: c.tensor.shape,
      byte_length: c.tensor.values_hex.length / 2,
      updated_at: c.updated_at,
    });
    expect(hexOf(encodeTensorRecord(tensorOf(c.tensor), c.updated_at))).toBe(c.hex);
  });
});
