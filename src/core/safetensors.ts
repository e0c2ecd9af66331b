/**
 * @module core/safetensors
 * Multi-tensor blobs in the safetensors layout (DESIGN §2), so Python/Rust clients read them with the stock
 * libraries: an 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON header padded with spaces to a
 * multiple of 8, then the data buffer. The header maps each tensor name to `{"dtype","shape","data_offsets"}`
 * (offsets relative to the data start) and may hold a `__metadata__` string→string map. Byte layouts: docs/formats.md.
 *
 * Encoding is byte-identical to huggingface/safetensors `serialize` (which the Python package calls):
 * compact JSON, `__metadata__` first, then tensors in data order, sorted by descending dtype (I64, F64, F32, I32,
 * BF16, F16, I16, I8, U8, BOOL — the order of the library's `Dtype` enum, which keeps wide types aligned) and then
 * by name (code-point order, as Rust compares strings). The library writes metadata keys in hash-map order; we
 * sort them, which is the same bytes whenever there is at most one key. Decoding accepts any key order, any
 * padding and any tensor order, as the library does: it sorts by offsets and then checks them.
 */
import type { DType, Tensor } from './types.ts';
import { DTYPE_SIZE, elementCount, validateTensor } from './tensor.ts';
import { siraError } from './errors.ts';

/** Largest JSON header accepted, in bytes (the reference implementation's limit). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** Our dtype → the safetensors dtype name. */
export const SAFETENSORS_DTYPE: Readonly<Record<DType, string>> = Object.freeze({
  f64: 'F64',
  f32: 'F32',
  f16: 'F16',
  bf16: 'BF16',
  i64: 'I64',
  i32: 'I32',
  i16: 'I16',
  i8: 'I8',
  u8: 'U8',
  bool: 'BOOL',
});

const FROM_SAFETENSORS: ReadonlyMap<string, DType> = new Map(
  Object.entries(SAFETENSORS_DTYPE).map(([ours, theirs]) => [theirs, ours as DType]),
);

// Position in the reference library's `Dtype` enum ("increasing alignment order"); the writer sorts descending.
const DTYPE_ORDER: Readonly<Record<DType, number>> = Object.freeze({
  bool: 0,
  u8: 1,
  i8: 2,
  i16: 3,
  f16: 4,
  bf16: 5,
  i32: 6,
  f32: 7,
  f64: 8,
  i64: 9,
});

const METADATA_KEY = '__metadata__';
const UNLIMITED = { maxTensorBytes: Number.MAX_SAFE_INTEGER, maxTensorRank: Number.MAX_SAFE_INTEGER };
const LONE_SURROGATE = /\p{Cs}/u;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What {@link decodeSafetensors} returns. */
export interface SafetensorsContents {
  /** The tensors by name, in data order. Views into the input unless `copy` was asked for. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` map, or undefined when the header has none (`{}` when it is present but empty). */
  metadata: Record<string, string> | undefined;
}

/** Options of {@link decodeSafetensors}. */
export interface DecodeSafetensorsOptions {
  /** Copy each tensor's bytes instead of returning views into the input. @default false */
  copy?: boolean;
}

function invalid(detail: string): never {
  throw siraError('SIRA_ERR_TENSOR_INVALID', `safetensors: ${detail}`);
}

function compareCodePoints(a: string, b: string): number {
  for (let i = 0; i < a.length && i < b.length; ) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(i) as number;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

// Own, enumerable property even for names like "__proto__" (plain assignment would set the prototype).
function put<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function checkName(kind: string, s: unknown): string {
  if (typeof s !== 'string' || LONE_SURROGATE.test(s)) invalid(`${kind} must be a well-formed string`);
  return s;
}

/**
 * Encode `tensors` (and optional string `metadata`) as one safetensors blob, in a new buffer that shares nothing
 * with the inputs. Throws SIRA_ERR_TENSOR_INVALID for a malformed tensor, a name `__metadata__`, or a name or
 * metadata entry that is not a well-formed string; SIRA_ERR_TENSOR_TOO_LARGE if the header exceeds 100 MB.
 * No store limits are applied here (`validateTensor` with the configured limits is the caller's job).
 * @example
 * const bytes = encodeSafetensors({ w: { dtype: 'f32', shape: [2], data } }, { format: 'pt' });
 */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    checkName('tensor name', name);
    if (name === METADATA_KEY) invalid(`"${METADATA_KEY}" is reserved and cannot name a tensor`);
    validateTensor(t, UNLIMITED);
  }
  entries.sort(([an, a], [bn, b]) => DTYPE_ORDER[b.dtype] - DTYPE_ORDER[a.dtype] || compareCodePoints(an, bn));

  const fields: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(compareCodePoints);
    const pairs = keys.map((k) => {
      const v = checkName('metadata value', metadata[k]);
      return `${JSON.stringify(checkName('metadata key', k))}:${JSON.stringify(v)}`;
    });
    fields.push(`"${METADATA_KEY}":{${pairs.join(',')}}`);
  }
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + t.data.byteLength;
    const dtype = SAFETENSORS_DTYPE[t.dtype];
    const info = `{"dtype":"${dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`;
    fields.push(`${JSON.stringify(name)}:${info}`);
    offset = end;
  }
  const json = utf8.encode(`{${fields.join(',')}}`);
  const headerLen = Math.ceil(json.byteLength / 8) * 8;
  if (headerLen > SAFETENSORS_MAX_HEADER_BYTES) {
    throw siraError('SIRA_ERR_TENSOR_TOO_LARGE', `safetensors header of ${headerLen} bytes exceeds 100 MB`);
  }

  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLen);
  let at = 8 + headerLen;
  for (const [, t] of entries) {
    out.set(t.data, at);
    at += t.data.byteLength;
  }
  return out;
}

function readIndex(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || Object.is(v, -0)) {
    invalid(`${what} must be a non-negative integer`);
  }
  return v;
}

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

function readEntry(name: string, raw: unknown): Entry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalid(`entry "${name}" must be an object`);
  const info = raw as Record<string, unknown>;
  for (const key of Object.keys(info)) {
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') {
      invalid(`entry "${name}" has unknown key "${key}"`);
    }
  }
  const dtype = typeof info.dtype === 'string' ? FROM_SAFETENSORS.get(info.dtype) : undefined;
  if (dtype === undefined) invalid(`entry "${name}" has unsupported dtype ${String(JSON.stringify(info.dtype))}`);
  if (!Array.isArray(info.shape)) invalid(`entry "${name}" needs a shape array`);
  const shape = info.shape.map((d: unknown) => readIndex(d, `shape of "${name}"`));
  const offsets = info.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2) invalid(`entry "${name}" needs data_offsets [begin, end]`);
  const begin = readIndex(offsets[0], `data_offsets of "${name}"`);
  const end = readIndex(offsets[1], `data_offsets of "${name}"`);
  if (end < begin) invalid(`entry "${name}" ends before it begins`);
  const bytes = elementCount(shape) * DTYPE_SIZE[dtype];
  if (!Number.isSafeInteger(bytes) || bytes !== end - begin) {
    const st = SAFETENSORS_DTYPE[dtype];
    invalid(`entry "${name}": shape [${shape.join(',')}] of ${st} needs ${bytes} bytes, offsets give ${end - begin}`);
  }
  return { name, dtype, shape, begin, end };
}

function readMetadata(raw: unknown): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalid(`"${METADATA_KEY}" must be an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') invalid(`"${METADATA_KEY}" value of "${k}" must be a string`);
    put(out, k, v);
  }
  return out;
}

/**
 * Decode a safetensors blob, validating it strictly: header length within bounds and the input, UTF-8 JSON object
 * starting with `{`, known dtypes, integer shapes and offsets, byte length = product(shape) × itemsize, and offsets
 * that tile the data buffer exactly (no gap, overlap or trailing byte). Anything wrong throws
 * SIRA_ERR_TENSOR_INVALID; no other error escapes.
 *
 * Ownership: by default each tensor's `data` is a view (`subarray`) into `bytes`: no copy, but it shares and pins
 * the input's buffer, and sees later writes to it. Pass `{ copy: true }` to get independent copies.
 */
export function decodeSafetensors(bytes: Uint8Array, opts: DecodeSafetensorsOptions = {}): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) invalid('input must be a Uint8Array');
  if (bytes.byteLength < 8) invalid(`input of ${bytes.byteLength} bytes is shorter than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) invalid(`header length ${n} exceeds 100 MB`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.byteLength) invalid(`header length ${headerLen} runs past the end of the input`);

  let text: string;
  try {
    text = utf8Strict.decode(bytes.subarray(8, 8 + headerLen));
  } catch (cause) {
    throw siraError('SIRA_ERR_TENSOR_INVALID', 'safetensors: header is not valid UTF-8', { cause });
  }
  if (!text.startsWith('{')) invalid('header must be a JSON object starting with "{"');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (cause) {
    throw siraError('SIRA_ERR_TENSOR_INVALID', 'safetensors: header is not valid JSON', { cause });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) invalid('header must be a JSON object');

  let metadata: Record<string, string> | undefined;
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = readMetadata(raw);
    else entries.push(readEntry(name, raw));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of entries) {
    if (e.begin !== cursor) {
      invalid(`entry "${e.name}" at offset ${e.begin} leaves a gap or overlaps (expected ${cursor})`);
    }
    cursor = e.end;
  }
  const dataStart = 8 + headerLen;
  if (dataStart + cursor !== bytes.byteLength) {
    invalid(`tensors cover ${cursor} data bytes but the input holds ${bytes.byteLength - dataStart}`);
  }

  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const view = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    if (e.dtype === 'bool') {
      for (const b of view) if (b > 1) invalid(`bool tensor "${e.name}" holds a byte other than 0 or 1`);
    }
    put(tensors, e.name, { dtype: e.dtype, shape: e.shape, data: opts.copy === true ? Uint8Array.prototype.slice.call(view) : view });
  }
  return { tensors, metadata };
}
