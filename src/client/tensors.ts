/**
 * @module client/tensors
 * Tensors of the client as typed arrays: the dtype of a typed array going out, and a typed array over the bytes
 * coming back. Little-endian, as the service stores them (DESIGN §2). f16 is a `Float16Array` where the runtime has
 * one (Node ≥ 24), else the raw bits as `Uint16Array`; bf16 is always raw bits (`Uint16Array`); bool is `Uint8Array`.
 */

/** The typed arrays a tensor can be read as or written from. */
export type TypedArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | BigInt64Array;

/** A tensor to write: a typed array and its shape (dtype inferred), or explicit dtype + raw little-endian bytes. */
export type TensorInput = { data: TypedArray; shape: readonly number[]; dtype?: string } | { data: Uint8Array; shape: readonly number[]; dtype: string };

/** A tensor read back: `data` holds its raw bytes (a copy owned by the caller), `array` a typed view of them. */
export interface ClientTensor {
  dtype: string;
  shape: number[];
  data: Uint8Array;
  array: TypedArray;
}

type Float16Ctor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => TypedArray;
const Float16 = (globalThis as unknown as { Float16Array?: Float16Ctor }).Float16Array;

function dtypeOf(a: TypedArray): string {
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Int16Array) return 'i16';
  if (a instanceof Int8Array) return 'i8';
  if (a instanceof BigInt64Array) return 'i64';
  if (Float16 !== undefined && a instanceof Float16) return 'f16';
  if (a instanceof Uint8Array) return 'u8';
  throw new TypeError('give a dtype for a Uint16Array tensor (f16 or bf16 bits)');
}

/** `{dtype, shape, data}` with the bytes of `t` (a view, no copy). */
export function fromTypedArray(t: TensorInput): { dtype: string; shape: readonly number[]; data: Uint8Array } {
  const dtype = t.dtype ?? dtypeOf(t.data);
  return { dtype, shape: t.shape, data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) };
}

/** A tensor over `bytes` (which the caller owns; the typed array is built on a copy aligned for its element size). */
export function toTypedArray(dtype: string, shape: number[], bytes: Uint8Array): ClientTensor {
  const data = bytes.slice(); // own, aligned buffer (byteOffset 0)
  const b = data.buffer;
  const n = (size: number) => data.byteLength / size;
  let array: TypedArray;
  switch (dtype) {
    case 'f64':
      array = new Float64Array(b, 0, n(8));
      break;
    case 'f32':
      array = new Float32Array(b, 0, n(4));
      break;
    case 'i64':
      array = new BigInt64Array(b, 0, n(8));
      break;
    case 'i32':
      array = new Int32Array(b, 0, n(4));
      break;
    case 'i16':
      array = new Int16Array(b, 0, n(2));
      break;
    case 'i8':
      array = new Int8Array(b, 0, n(1));
      break;
    case 'f16':
      array = Float16 === undefined ? new Uint16Array(b, 0, n(2)) : new Float16(b, 0, n(2));
      break;
    case 'bf16':
      array = new Uint16Array(b, 0, n(2));
      break;
    default:
      array = data; // u8, bool
  }
  return { dtype, shape, data, array };
}
