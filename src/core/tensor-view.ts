/**
 * @module core/tensor-view
 * Typed-array access to a {@link Tensor}'s bytes. `tensorView` gives a view when `data.byteOffset` is aligned for
 * the element size and a copy otherwise (`isZeroCopy` says which you will get); `tensorFromTypedArray` wraps an
 * array's memory without copying; `toFloat32` always copies. f16/bf16 elements are exposed as their raw bits in a
 * `Uint16Array` (see core/half for conversions), bool as 0/1 bytes in a `Uint8Array`.
 *
 * Tensor bytes are little-endian and typed arrays use the CPU's byte order, so this module refuses to load on a
 * big-endian machine.
 */
import { endianness } from 'node:os';
import type { DType, Tensor } from './types.ts';
import { DTYPE_SIZE, elementCount } from './tensor.ts';
import { siraError } from './errors.ts';
import { bf16ToF32, f16ToF32 } from './half.ts';

/** Throw unless `order` (default: this CPU's) is little-endian; typed-array views of tensor bytes rely on it. */
export function assertLittleEndian(order: 'LE' | 'BE' = endianness()): void {
  if (order !== 'LE') {
    throw siraError(
      'SIRA_ERR_INTERNAL',
      'Sira Session needs a little-endian CPU: tensor bytes are little-endian and are viewed as typed arrays',
    );
  }
}
assertLittleEndian();

/** The typed array `tensorView` returns for each dtype. */
export interface TypedArrayByDType {
  f64: Float64Array;
  f32: Float32Array;
  /** raw IEEE binary16 bits */
  f16: Uint16Array;
  /** raw bfloat16 bits */
  bf16: Uint16Array;
  i64: BigInt64Array;
  i32: Int32Array;
  i16: Int16Array;
  i8: Int8Array;
  u8: Uint8Array;
  /** 0 or 1 per element */
  bool: Uint8Array;
}

/** Any typed array a tensor can be viewed as. */
export type TensorArray = TypedArrayByDType[DType];

interface ArrayCtor {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorArray;
  readonly BYTES_PER_ELEMENT: number;
}

const CTORS: Readonly<Record<DType, ArrayCtor>> = Object.freeze({
  f64: Float64Array,
  f32: Float32Array,
  f16: Uint16Array,
  bf16: Uint16Array,
  i64: BigInt64Array,
  i32: Int32Array,
  i16: Int16Array,
  i8: Int8Array,
  u8: Uint8Array,
  bool: Uint8Array,
});

function checkLength(t: Tensor): number {
  const size = DTYPE_SIZE[t.dtype];
  if (size === undefined) throw siraError('SIRA_ERR_TENSOR_INVALID', `unknown dtype ${String(t.dtype)}`);
  const n = elementCount(t.shape);
  if (!(t.data instanceof Uint8Array) || t.data.byteLength !== n * size) {
    throw siraError(
      'SIRA_ERR_TENSOR_INVALID',
      `shape [${t.shape.join(',')}] of ${t.dtype} needs ${n * size} bytes, got ${String(t.data?.byteLength)}`,
    );
  }
  return n;
}

/** True when `tensorView(t)` will share `t.data`'s memory, i.e. `t.data.byteOffset` is a multiple of the item size. */
export function isZeroCopy(t: Tensor): boolean {
  return t.data.byteOffset % DTYPE_SIZE[t.dtype] === 0;
}

/**
 * The elements of `t` as a typed array (see {@link TypedArrayByDType}). View when aligned, copy otherwise: when
 * {@link isZeroCopy} is true the result shares `t.data`'s memory (writes go both ways, and it is only as long-lived
 * as that buffer; `slice()` it to keep it); otherwise it is a fresh copy. Throws SIRA_ERR_TENSOR_INVALID when the
 * byte length does not match the shape.
 * @example
 * const v = tensorView({ dtype: 'f32', shape: [2], data }); // Float32Array of 2
 */
export function tensorView<D extends DType>(t: Tensor & { dtype: D }): TypedArrayByDType[D] {
  const n = checkLength(t);
  const Ctor = CTORS[t.dtype];
  if (isZeroCopy(t)) return new Ctor(t.data.buffer, t.data.byteOffset, n) as TypedArrayByDType[D];
  // Typed arrays cannot start at an unaligned offset, so copy into a fresh (offset 0) buffer. Not `t.data.slice()`:
  // on a Node Buffer (a Redis reply) that is a view of the same memory, whose `.buffer` is the whole pool.
  return new Ctor(Uint8Array.prototype.slice.call(t.data).buffer, 0, n) as TypedArrayByDType[D];
}

/**
 * Wrap `arr` as a tensor without copying: the tensor's `data` is a `Uint8Array` over `arr`'s memory, so the two share
 * it. `arr` must be the array type `tensorView` gives for `dtype` (raw bits in a `Uint16Array` for f16/bf16, 0/1 in a
 * `Uint8Array` for bool) with product(shape) elements; otherwise throws SIRA_ERR_TENSOR_INVALID. Limits
 * (`validateTensor`) are the caller's business.
 */
export function tensorFromTypedArray<D extends DType>(
  dtype: D,
  shape: readonly number[],
  arr: TypedArrayByDType[D],
): Tensor & { dtype: D } {
  const Ctor = CTORS[dtype];
  if (Ctor === undefined) throw siraError('SIRA_ERR_TENSOR_INVALID', `unknown dtype ${String(dtype)}`);
  if (!(arr instanceof Ctor)) throw siraError('SIRA_ERR_TENSOR_INVALID', `${dtype} needs a ${Ctor.name}`);
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw siraError('SIRA_ERR_TENSOR_INVALID', `bad dimension ${d}`);
  }
  if (arr.length !== elementCount(shape)) {
    throw siraError('SIRA_ERR_TENSOR_INVALID', `shape [${shape.join(',')}] needs ${elementCount(shape)} elements`);
  }
  if (dtype === 'bool') {
    for (const b of arr as Uint8Array) {
      if (b > 1) throw siraError('SIRA_ERR_TENSOR_INVALID', 'bool elements must be 0 or 1');
    }
  }
  return { dtype, shape: [...shape], data: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength) };
}

/**
 * The elements of `t` converted to float32, always in a new array (never shares `t.data`). f64 and i32 round to
 * nearest even; i64 goes through a double (exact up to 2^53, then rounded twice); f16/bf16/i16/i8/u8/bool are exact.
 */
export function toFloat32(t: Tensor): Float32Array {
  switch (t.dtype) {
    case 'f16':
      return f16ToF32(tensorView(t as Tensor & { dtype: 'f16' }));
    case 'bf16':
      return bf16ToF32(tensorView(t as Tensor & { dtype: 'bf16' }));
    case 'i64': {
      const src = tensorView(t as Tensor & { dtype: 'i64' });
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
      return out;
    }
    default: {
      const src = tensorView(t) as Exclude<TensorArray, BigInt64Array>;
      // Float32Array.from copies (and rounds) even when src is itself a Float32Array view.
      return Float32Array.from(src);
    }
  }
}
