/**
 * @module core/tensor
 * Tensor dtypes and validation: byte length must equal product(shape) × itemsize, within the configured limits.
 */
import type { DType, Tensor } from './types.ts';
import type { Limits } from './config.ts';
import { siraError } from './errors.ts';

/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Readonly<Record<DType, number>> = Object.freeze({
  f64: 8,
  f32: 4,
  f16: 2,
  bf16: 2,
  i64: 8,
  i32: 4,
  i16: 2,
  i8: 1,
  u8: 1,
  bool: 1,
});

export const DTYPES = Object.keys(DTYPE_SIZE) as DType[];

const ALIASES: Readonly<Record<string, DType>> = Object.freeze({
  float64: 'f64',
  float32: 'f32',
  float16: 'f16',
  bfloat16: 'bf16',
  int64: 'i64',
  int32: 'i32',
  int16: 'i16',
  int8: 'i8',
  uint8: 'u8',
  F64: 'f64',
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  I64: 'i64',
  I32: 'i32',
  I16: 'i16',
  I8: 'i8',
  U8: 'u8',
  BOOL: 'bool',
});

/** The dtype named by `name` (ours, numpy-style or safetensors-style), or undefined. */
export function parseDType(name: string): DType | undefined {
  if ((DTYPES as string[]).includes(name)) return name as DType;
  return ALIASES[name];
}

/** Number of elements of a shape (1 for a scalar `[]`). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Throw SIRA_ERR_TENSOR_INVALID / SIRA_ERR_TENSOR_TOO_LARGE unless `t` is a well-formed tensor within `limits`:
 * known dtype, integer dims ≥ 0, rank ≤ maxTensorRank, bytes = product(shape) × itemsize ≤ maxTensorBytes,
 * and bool bytes are 0 or 1.
 */
export function validateTensor(t: Tensor, limits: Pick<Limits, 'maxTensorBytes' | 'maxTensorRank'>): void {
  const size = DTYPE_SIZE[t.dtype];
  if (size === undefined) throw siraError('SIRA_ERR_TENSOR_INVALID', `unknown dtype ${String(t.dtype)}`);
  if (!Array.isArray(t.shape) || t.shape.length > limits.maxTensorRank) {
    throw siraError('SIRA_ERR_TENSOR_INVALID', `rank must be at most ${limits.maxTensorRank}`);
  }
  for (const d of t.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw siraError('SIRA_ERR_TENSOR_INVALID', `bad dimension ${d}`);
  }
  const expected = elementCount(t.shape) * size;
  if (!Number.isSafeInteger(expected) || expected > limits.maxTensorBytes) {
    throw siraError('SIRA_ERR_TENSOR_TOO_LARGE', `tensor of ${expected} bytes exceeds ${limits.maxTensorBytes}`);
  }
  if (!(t.data instanceof Uint8Array)) throw siraError('SIRA_ERR_TENSOR_INVALID', 'tensor data must be bytes');
  if (t.data.byteLength !== expected) {
    throw siraError(
      'SIRA_ERR_TENSOR_INVALID',
      `shape [${t.shape.join(',')}] of ${t.dtype} needs ${expected} bytes, got ${t.data.byteLength}`,
    );
  }
  if (t.dtype === 'bool') {
    for (const b of t.data) if (b > 1) throw siraError('SIRA_ERR_TENSOR_INVALID', 'bool elements must be 0 or 1');
  }
}
