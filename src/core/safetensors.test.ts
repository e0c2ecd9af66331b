import { describe, expect, it } from 'vitest';
import { byteMutationArb, mutate, tensorArb as tensorArbOf } from '../../test/helpers/tensor-arbitraries.ts';
import fc from 'fast-check';
import type { Tensor } from './types.ts';
import { DTYPES, DTYPE_SIZE, validateTensor } from './tensor.ts';
import { isSiraError } from './errors.ts';
import { decodeSafetensors, encodeSafetensors } from './safetensors.ts';

const SEED = Number(process.env.SIRA_FC_SEED ?? 20_240_611);
fc.configureGlobal({ seed: SEED, numRuns: 150 });

const UNLIMITED = { maxTensorBytes: Number.MAX_SAFE_INTEGER, maxTensorRank: Number.MAX_SAFE_INTEGER };

const tensorArb = tensorArbOf(4);

const nameArb = fc.string({ unit: 'binary', maxLength: 8 }).filter((s) => s !== '__metadata__');
const tensorsArb = fc.dictionary(nameArb, tensorArb, { maxKeys: 5 });
const metadataArb = fc.option(
  fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'binary' }), { maxKeys: 3 }),
  { nil: undefined },
);

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const u64 = (n: number): string => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b.toString('hex');
};

/** Rebuild a blob with the header JSON replaced by `text` (padded with spaces unless `pad` is false). */
function withHeader(text: string, data: Uint8Array, pad = true): Uint8Array {
  const json = Buffer.from(text, 'utf8');
  const len = pad ? Math.ceil(json.length / 8) * 8 : json.length;
  const out = Buffer.alloc(8 + len + data.length, 0x20);
  out.writeBigUInt64LE(BigInt(len));
  json.copy(out, 8);
  out.set(data, 8 + len);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Decoding `bytes` either throws SIRA_ERR_TENSOR_INVALID or gives well-formed tensors that lie inside `bytes`. */
function decodesSafely(bytes: Uint8Array): void {
  let out: ReturnType<typeof decodeSafetensors>;
  try {
    out = decodeSafetensors(bytes);
  } catch (e) {
    expect(isSiraError(e, 'SIRA_ERR_TENSOR_INVALID'), String(e)).toBe(true);
    return;
  }
  for (const t of Object.values(out.tensors)) {
    validateTensor(t, UNLIMITED);
    expect(t.data.buffer).toBe(bytes.buffer);
    expect(t.data.byteOffset + t.data.byteLength).toBeLessThanOrEqual(bytes.byteOffset + bytes.byteLength);
  }
}

describe(`core/safetensors (fc seed ${SEED})`, () => {
  it('decodeSafetensors(encodeSafetensors(x)) returns x: tensors and metadata, any dtype, scalar and 0-size', () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
        const bytes = encodeSafetensors(tensors, metadata);
        const out = decodeSafetensors(bytes);
        expect(Object.keys(out.tensors).sort()).toEqual(Object.keys(tensors).sort());
        for (const [name, t] of Object.entries(tensors)) {
          const got = out.tensors[name] as Tensor;
          expect(got.dtype).toBe(t.dtype);
          expect(got.shape).toEqual(t.shape);
          expect(hex(got.data)).toBe(hex(t.data));
          expect(got.data.buffer).toBe(bytes.buffer); // a view by default
        }
        expect(out.metadata === undefined ? undefined : { ...out.metadata }).toEqual(
          metadata === undefined ? undefined : { ...metadata },
        );
        // Canonical: re-encoding what was decoded gives the same bytes.
        expect(hex(encodeSafetensors(out.tensors, out.metadata))).toBe(hex(bytes));
      }),
    );
  });

  it('encodeSafetensors pads the header to a multiple of 8 so the data starts 8-byte aligned', () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
        const bytes = encodeSafetensors(tensors, metadata);
        const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
        expect(n % 8).toBe(0);
        expect(bytes[8]).toBe(0x7b); // '{'
      }),
    );
  });

  it('decodeSafetensors(bytes, {copy: true}) returns copies that do not share the input', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'u8', shape: [2], data: Uint8Array.of(1, 2) } });
    const copied = decodeSafetensors(bytes, { copy: true }).tensors.a as Tensor;
    const viewed = decodeSafetensors(bytes).tensors.a as Tensor;
    bytes[bytes.length - 1] = 9;
    expect(Array.from(copied.data)).toEqual([1, 2]);
    expect(Array.from(viewed.data)).toEqual([1, 9]);
  });

  it('decodeSafetensors accepts any key order, unpadded headers and tensors in any data order', () => {
    fc.assert(
      fc.property(tensorsArb, fc.boolean(), fc.nat(), (tensors, pad, rot) => {
        const bytes = encodeSafetensors(tensors, { k: 'v' });
        const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
        const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')) as Record<string, unknown>;
        const keys = Object.keys(header);
        const shift = keys.length === 0 ? 0 : rot % keys.length;
        const reordered = [...keys.slice(shift), ...keys.slice(0, shift)];
        const text = `{${reordered.map((k) => `${JSON.stringify(k)}:${JSON.stringify(header[k])}`).join(',')}}`;
        const out = decodeSafetensors(withHeader(text, bytes.subarray(8 + n), pad));
        expect(hex(encodeSafetensors(out.tensors, out.metadata))).toBe(hex(bytes));
      }),
    );
  });

  it('decodeSafetensors never throws anything but SIRA_ERR_TENSOR_INVALID on truncated or mutated input', () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, byteMutationArb, (tensors, metadata, m) => {
        const bytes = encodeSafetensors(tensors, metadata);
        const mutated = mutate(bytes, m);
        decodesSafely(mutated);
      }),
    );
  });

  it('decodeSafetensors throws only SIRA_ERR_TENSOR_INVALID on random bytes or random JSON headers', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), decodesSafely));
    fc.assert(
      fc.property(fc.json(), fc.uint8Array({ maxLength: 32 }), (text, data) => decodesSafely(withHeader(text, data))),
    );
  });

  it('encodes byte-exactly what the reference implementation writes (layout from the spec, by hand)', () => {
    // Empty: "{}" padded with six spaces.
    expect(hex(encodeSafetensors({}))).toBe(u64(8) + ascii('{}      '));
    // Metadata only.
    expect(hex(encodeSafetensors({}, { framework: 'pt' }))).toBe(
      u64(40) + ascii('{"__metadata__":{"framework":"pt"}}     '),
    );
    // One f32 tensor [1,2,3] = 0..5: a 64-byte header needs no padding.
    const f32 = (vals: number[]): Uint8Array => new Uint8Array(Float32Array.from(vals).buffer);
    const data = f32([0, 1, 2, 3, 4, 5]);
    expect(hex(encodeSafetensors({ 'attn.0': { dtype: 'f32', shape: [1, 2, 3], data } }))).toBe(
      u64(64) + ascii('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}') + hex(data),
    );
    // A 57-byte header is padded with seven spaces.
    expect(hex(encodeSafetensors({ attn0: { dtype: 'f32', shape: [1, 1, 2, 3], data } }))).toBe(
      u64(72) + ascii('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ') + hex(data),
    );
  });

  it('lays tensors out by descending dtype (I64 F64 F32 I32 BF16 F16 I16 I8 U8 BOOL), then by name', () => {
    const one = (dtype: Tensor['dtype']): Tensor => ({ dtype, shape: [1], data: new Uint8Array(DTYPE_SIZE[dtype]) });
    const tensors: Record<string, Tensor> = {};
    for (const d of DTYPES) tensors[`t_${d}`] = one(d);
    tensors.a_f32 = one('f32');
    tensors['\u{1F600}'] = one('u8'); // astral: sorts after U+FFFD by code point (JS '<' would put it before)
    tensors['\uFFFD'] = one('u8');
    const bytes = encodeSafetensors(tensors);
    const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
    const names = Object.keys(JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')) as object);
    expect(names).toEqual([
      't_i64', 't_f64', 'a_f32', 't_f32', 't_i32', 't_bf16', 't_f16', 't_i16', 't_i8', 't_u8', '\uFFFD',
      '\u{1F600}', 't_bool',
    ]);
    expect(Object.keys(decodeSafetensors(bytes).tensors)).toEqual(names);
  });

  it('round-trips awkward names: "__proto__", "", quotes, backslashes, control characters, non-ASCII', () => {
    const names = ['__proto__', '', '"q"', 'back\\slash', 'line\nfeed\u0001', 'é中\u{1F600}', 'constructor'];
    const tensors: Record<string, Tensor> = {};
    for (const [i, name] of names.entries()) {
      Object.defineProperty(tensors, name, {
        value: { dtype: 'u8', shape: [1], data: Uint8Array.of(i) },
        enumerable: true,
      });
    }
    const out = decodeSafetensors(encodeSafetensors(tensors, { ['__proto__']: 'x' }));
    expect(Object.getPrototypeOf(out.tensors)).toBe(Object.prototype);
    for (const [i, name] of names.entries()) {
      expect(Object.hasOwn(out.tensors, name)).toBe(true);
      expect(Array.from((out.tensors[name] as Tensor).data)).toEqual([i]);
    }
    expect(Object.getOwnPropertyDescriptor(out.metadata, '__proto__')?.value).toBe('x');
  });

  it('accepts several zero-size tensors sharing one offset', () => {
    const z = (dtype: Tensor['dtype']): Tensor => ({ dtype, shape: [0, 2], data: new Uint8Array(0) });
    const c: Tensor = { dtype: 'u8', shape: [], data: Uint8Array.of(7) };
    const out = decodeSafetensors(encodeSafetensors({ a: z('f32'), b: z('i8'), c }));
    expect(Object.keys(out.tensors).sort()).toEqual(['a', 'b', 'c']);
    expect(Array.from((out.tensors.c as Tensor).data)).toEqual([7]);
  });

  describe('decodeSafetensors rejects with SIRA_ERR_TENSOR_INVALID', () => {
    const e = (name: string, dtype: string, shape: number[], offsets: [number, number]): string =>
      `${JSON.stringify(name)}:${JSON.stringify({ dtype, shape, data_offsets: offsets })}`;
    const patched = (text: string, at: number, bytes: number[]): Uint8Array => {
      const b = withHeader(text, new Uint8Array(0));
      b.set(bytes, at);
      return b;
    };
    const none = new Uint8Array(0);
    const bytes6 = new Uint8Array(6);
    const one = Uint8Array.of(1);
    const cases: [string, Uint8Array][] = [
      ['fewer than 8 bytes', new Uint8Array(7)],
      ['a header length past the end', patched('{}', 0, [9])],
      ['a header length over 100 MB', patched('{}', 0, [0, 0, 0, 0, 0, 0, 0, 1])],
      ['a shape that does not match the byte length', withHeader(`{${e('a', 'F32', [3], [0, 8])}}`, new Uint8Array(8))],
      ['overlapping offsets', withHeader(`{${e('a', 'U8', [4], [0, 4])},${e('b', 'U8', [4], [2, 6])}}`, bytes6)],
      ['a gap', withHeader(`{${e('a', 'U8', [2], [0, 2])},${e('b', 'U8', [2], [3, 5])}}`, new Uint8Array(5))],
      ['data not starting at 0', withHeader(`{${e('a', 'U8', [2], [1, 3])}}`, new Uint8Array(3))],
      ['trailing data bytes', withHeader(`{${e('a', 'U8', [2], [0, 2])}}`, new Uint8Array(3))],
      ['missing data bytes', withHeader(`{${e('a', 'U8', [2], [0, 2])}}`, new Uint8Array(1))],
      ['end before begin', withHeader(`{${e('a', 'U8', [0], [2, 1])}}`, new Uint8Array(2))],
      ['an unsupported dtype', withHeader(`{${e('a', 'U16', [1], [0, 2])}}`, new Uint8Array(2))],
      ['a lower-case dtype', withHeader(`{${e('a', 'f32', [1], [0, 4])}}`, new Uint8Array(4))],
      ['a negative dimension', withHeader(`{${e('a', 'U8', [-1], [0, 0])}}`, none)],
      ['a fractional dimension', withHeader('{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}', one)],
      ['an unknown entry key', withHeader('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1}}', one)],
      ['three data offsets', withHeader('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,1]}}', new Uint8Array(1))],
      ['an entry that is not an object', withHeader('{"a":[1]}', none)],
      ['a non-string metadata value', withHeader('{"__metadata__":{"k":1}}', none)],
      ['a bool byte other than 0/1', withHeader(`{${e('a', 'BOOL', [1], [0, 1])}}`, Uint8Array.of(2))],
      ['a JSON array header', withHeader('[]', none)],
      ['a header not starting with {', withHeader(' {}', none)],
      ['a byte-order mark', withHeader('\uFEFF{}', none)],
      ['invalid JSON', withHeader('{"a":', none)],
      ['invalid UTF-8', patched('{"a\u00e9":1}', 12, [0xff])],
    ];
    it.each(cases)('%s', (_, bytes) => {
      expect(isSiraError(errorOf(() => decodeSafetensors(bytes)), 'SIRA_ERR_TENSOR_INVALID')).toBe(true);
    });
  });

  it('encodeSafetensors rejects a malformed tensor, the reserved name and lone surrogates', () => {
    const ok: Tensor = { dtype: 'u8', shape: [1], data: Uint8Array.of(1) };
    const bad: (() => unknown)[] = [
      () => encodeSafetensors({ a: { dtype: 'f32', shape: [2], data: new Uint8Array(4) } }),
      () => encodeSafetensors({ a: { dtype: 'bool', shape: [1], data: Uint8Array.of(3) } }),
      () => encodeSafetensors({ __metadata__: ok }),
      () => encodeSafetensors({ ['\uD800']: ok }),
      () => encodeSafetensors({ a: ok }, { k: '\uDC00' }),
    ];
    for (const f of bad) expect(isSiraError(errorOf(f), 'SIRA_ERR_TENSOR_INVALID')).toBe(true);
  });
});
