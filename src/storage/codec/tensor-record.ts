/**
 * @module storage/codec/tensor-record
 * The stored record of one named tensor, codec version 1 (all integers little-endian):
 *
 * | offset      | size | field                                                       |
 * |-------------|------|-------------------------------------------------------------|
 * | 0           | 1    | codec version, u8 = 1                                       |
 * | 1           | 1    | dtype code, u8 (see {@link TENSOR_RECORD_DTYPE_CODE})       |
 * | 2           | 1    | rank r, u8 (0 for a scalar)                                 |
 * | 3           | 1    | flags, u8 = 0 (reserved; decoders reject anything else)     |
 * | 4           | 8    | updated_at, f64 (ms since the Unix epoch, finite)           |
 * | 12          | 4·r  | dims, u32 each, outermost first                             |
 * | 12 + 4·r    | pad  | zero bytes up to D = the next multiple of 8                 |
 * | D           | len  | raw tensor bytes, len = product(dims) × itemsize            |
 *
 * Dims are u32: a tensor with any elements is far below 2^32 per dimension under any sane maxTensorBytes, and u32
 * halves the header against u64. The data starts 8-byte aligned from the record start, so when the record itself
 * sits at an aligned address `tensorView` can view it without a copy. There is no checksum: the store owns integrity.
 * A new layout gets a new version byte; old versions stay decodable, and test/fixtures/vectors pins each one.
 */
import type { DType, Tensor, TensorInfo } from '../../core/types.ts';
import { DTYPE_SIZE, elementCount, validateTensor } from '../../core/tensor.ts';
import { siraError } from '../../core/errors.ts';

/** The codec version this module writes. */
export const TENSOR_RECORD_VERSION = 1;

/** dtype → its code in byte 1 of a record (0 is never used). Stable: stored data depends on it. */
export const TENSOR_RECORD_DTYPE_CODE: Readonly<Record<DType, number>> = Object.freeze({
  f64: 1,
  f32: 2,
  f16: 3,
  bf16: 4,
  i64: 5,
  i32: 6,
  i16: 7,
  i8: 8,
  u8: 9,
  bool: 10,
});

const DTYPE_BY_CODE: ReadonlyMap<number, DType> = new Map(
  Object.entries(TENSOR_RECORD_DTYPE_CODE).map(([dtype, code]) => [code, dtype as DType]),
);

const FIXED_HEADER = 12;
const MAX_RANK = 255;
const MAX_DIM = 0xffff_ffff;
const UNLIMITED = { maxTensorBytes: Number.MAX_SAFE_INTEGER, maxTensorRank: MAX_RANK };

/** What {@link decodeTensorInfo} returns: a record's metadata, read without touching its data. */
export type TensorRecordInfo = Omit<TensorInfo, 'name'>;

/** What {@link decodeTensorRecord} returns. */
export interface DecodedTensorRecord {
  tensor: Tensor;
  /** ms since the Unix epoch */
  updated_at: number;
}

/** Options of {@link decodeTensorRecord}. */
export interface DecodeTensorRecordOptions {
  /** Copy the tensor bytes instead of returning a view into the record. @default false */
  copy?: boolean;
}

/** Byte offset of the data in a v1 record of rank `rank`: 12 + 4·rank rounded up to a multiple of 8. */
export function tensorRecordDataOffset(rank: number): number {
  return Math.ceil((FIXED_HEADER + 4 * rank) / 8) * 8;
}

/**
 * Encode `t` with its `updatedAt` time (ms since the epoch) as a v1 record, in a new buffer (offset 0, so its data
 * is 8-byte aligned) that shares nothing with `t`. Throws SIRA_ERR_TENSOR_INVALID / SIRA_ERR_TENSOR_TOO_LARGE for a
 * malformed tensor, rank above 255 or a dimension above 2^32 − 1; SIRA_ERR_INTERNAL for a non-finite `updatedAt`.
 * Store limits are the caller's job (`validateTensor`).
 */
export function encodeTensorRecord(t: Tensor, updatedAt: number): Uint8Array {
  validateTensor(t, UNLIMITED);
  for (const d of t.shape) {
    if (d > MAX_DIM) throw siraError('SIRA_ERR_TENSOR_INVALID', `dimension ${d} exceeds the record limit 2^32 - 1`);
  }
  if (!Number.isFinite(updatedAt)) throw siraError('SIRA_ERR_INTERNAL', `updated_at must be finite, got ${updatedAt}`);
  const rank = t.shape.length;
  const start = tensorRecordDataOffset(rank);
  const out = new Uint8Array(start + t.data.byteLength);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, TENSOR_RECORD_VERSION);
  dv.setUint8(1, TENSOR_RECORD_DTYPE_CODE[t.dtype]);
  dv.setUint8(2, rank);
  dv.setFloat64(4, updatedAt, true);
  for (let i = 0; i < rank; i++) dv.setUint32(FIXED_HEADER + 4 * i, t.shape[i] as number, true);
  out.set(t.data, start);
  return out;
}

function corrupt(detail: string): never {
  throw siraError('SIRA_ERR_CODEC_CORRUPT', `tensor record: ${detail}`);
}

interface Header extends TensorRecordInfo {
  start: number;
}

function readHeader(bytes: Uint8Array, whole = true): Header {
  if (!(bytes instanceof Uint8Array)) corrupt('input must be a Uint8Array');
  if (bytes.byteLength < 1) corrupt('empty record');
  const version = bytes[0] as number;
  if (version !== TENSOR_RECORD_VERSION) corrupt(`unknown codec version ${version}`);
  if (bytes.byteLength < FIXED_HEADER) corrupt(`${bytes.byteLength} bytes is shorter than the fixed header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dtype = DTYPE_BY_CODE.get(dv.getUint8(1));
  if (dtype === undefined) corrupt(`unknown dtype code ${dv.getUint8(1)}`);
  const rank = dv.getUint8(2);
  if (dv.getUint8(3) !== 0) corrupt(`unknown flags ${dv.getUint8(3)}`);
  const updatedAt = dv.getFloat64(4, true);
  if (!Number.isFinite(updatedAt)) corrupt('updated_at is not finite');
  const start = tensorRecordDataOffset(rank);
  if (bytes.byteLength < start) corrupt(`${bytes.byteLength} bytes is shorter than the rank-${rank} header`);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(dv.getUint32(FIXED_HEADER + 4 * i, true));
  for (let i = FIXED_HEADER + 4 * rank; i < start; i++) if (bytes[i] !== 0) corrupt('non-zero padding');
  const byteLength = elementCount(shape) * DTYPE_SIZE[dtype];
  if (!Number.isSafeInteger(byteLength) || (whole && start + byteLength !== bytes.byteLength)) {
    const held = bytes.byteLength - start;
    corrupt(`shape [${shape.join(',')}] of ${dtype} needs ${byteLength} data bytes, record holds ${held}`);
  }
  return { dtype, shape, byte_length: byteLength, updated_at: updatedAt, start };
}

/**
 * Decode a record. Throws SIRA_ERR_CODEC_CORRUPT (and nothing else) for an unknown version, a truncated or
 * over-long record, an unknown dtype code, non-zero flags or padding, a non-finite time or a bool byte above 1.
 *
 * Ownership: by default `tensor.data` is a view (`subarray`) into `bytes`: no copy, but it shares and pins the
 * input's buffer and sees later writes to it. Pass `{ copy: true }` for an independent copy.
 */
export function decodeTensorRecord(bytes: Uint8Array, opts: DecodeTensorRecordOptions = {}): DecodedTensorRecord {
  const h = readHeader(bytes);
  const view = bytes.subarray(h.start);
  if (h.dtype === 'bool') for (const b of view) if (b > 1) corrupt('bool element other than 0 or 1');
  return {
    tensor: { dtype: h.dtype, shape: h.shape, data: opts.copy === true ? Uint8Array.prototype.slice.call(view) : view },
    updated_at: h.updated_at,
  };
}

/** A record's dtype, shape, data size (bytes) and time, without reading the data. Throws like decodeTensorRecord. */
export function decodeTensorInfo(bytes: Uint8Array): TensorRecordInfo {
  const { dtype, shape, byte_length, updated_at } = readHeader(bytes);
  return { dtype, shape, byte_length, updated_at };
}

/**
 * The same as {@link decodeTensorInfo} from only the record's header, the first
 * `tensorRecordDataOffset(rank)` bytes (a backend that keeps headers apart lists tensors without their data).
 */
export function decodeTensorInfoHeader(header: Uint8Array): TensorRecordInfo {
  const { dtype, shape, byte_length, updated_at } = readHeader(header, false);
  return { dtype, shape, byte_length, updated_at };
}
