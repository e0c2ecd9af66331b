/**
 * @module storage/codec/turn
 * The stored form of a turn, codec v2 (reads v1 too). Layout (all little-endian):
 *
 *   byte 0      codec version: 1 or 2 (the encoder writes 1 when every part fits v1, so v1 readers still read it)
 *   byte 1      flags: bit 0 = body is one zstd frame; bits 1-7 reserved (0)
 *   bytes 2-3   u16 id of the zstd dictionary the frame needs (0 = none; see ./zstd-dict.ts)
 *   bytes 4-7   u32 UTF-8 bytes of the turn's text (text, tool arguments, tool results) before compression
 *   bytes 8-    body: msgpack array [role, created_at, name, agent_id, metadata_json, importance, pinned, parts]
 *               (zstd-compressed when flag 0 is set). `seq` is not stored: it is the record's key.
 *
 * Parts are arrays tagged by a small integer (see ./parts.ts: v1 has tags 0-6, v2 adds 7-15 and optional fields
 * after the v1 ones). Media bytes are msgpack `bin`, never base64. Metadata is kept as its JSON text so it comes back exactly as the client sent it.
 */
import { Packr } from 'msgpackr';
import { compressorFor, decompressorFor, encodingDictionaryId } from './zstd-dict.ts';
import { siraError } from '../../core/errors.ts';
import { packPart, unpackPart, type PackedPart } from './parts.ts';
import type { JsonObject, NewTurn, Part, Role, Turn } from '../../core/types.ts';

/** The newest codec version (written when a turn needs it; see {@link encodeTurn}). */
export const TURN_CODEC_VERSION = 2;
const DECODES: ReadonlySet<number> = new Set([1, 2]);
const FLAG_ZSTD = 1;
const HEADER = 8;

const ROLE_CODE: Readonly<Record<Role, number>> = { system: 0, user: 1, assistant: 2, tool: 3 };
const ROLES_BY_CODE: readonly Role[] = ['system', 'user', 'assistant', 'tool'];
const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true });
const utf8 = new TextEncoder();

/** The text fields of a part that count as the turn's text (for compression statistics). */
function partTexts(p: Part): (string | undefined)[] {
  switch (p.type) {
    case 'text':
    case 'reasoning':
      return [p.text];
    case 'tool_call':
      return [p.arguments];
    case 'tool_result':
      return [p.content];
    case 'code':
      return [p.code];
    case 'document':
      return [p.text];
    case 'audio':
      return [p.transcript];
    case 'image':
      return [p.caption];
    case 'video':
      return [p.caption, p.transcript];
    case 'citation':
      return [p.snippet];
    default:
      return [];
  }
}

/** UTF-8 bytes of the text a turn carries (text, reasoning, code, tool arguments and results, transcripts…). */
export function turnTextBytes(parts: readonly Part[]): number {
  let n = 0;
  for (const p of parts) for (const s of partTexts(p)) if (s !== undefined) n += utf8.encode(s).byteLength;
  return n;
}

/**
 * Encode a turn for storage. Bodies of at least `compressMinBytes` are zstd-compressed when that makes them
 * smaller. Returns a fresh buffer the caller owns.
 */
export function encodeTurn(turn: NewTurn, createdAt: number, compressMinBytes: number): Uint8Array {
  const { body, version } = packTurnBody(turn, createdAt);
  let flags = 0;
  let dictId = 0;
  let payload: Uint8Array = body;
  if (body.byteLength >= compressMinBytes) {
    const id = encodingDictionaryId();
    const z = compressorFor(id).compress(body);
    if (z.byteLength < body.byteLength) {
      payload = z;
      flags |= FLAG_ZSTD;
      dictId = id;
    }
  }
  const out = new Uint8Array(HEADER + payload.byteLength);
  const dv = new DataView(out.buffer);
  out[0] = version;
  out[1] = flags;
  dv.setUint16(2, dictId, true);
  dv.setUint32(4, turnTextBytes(turn.parts), true);
  out.set(payload, HEADER);
  if (payload !== body) uncompressedBodies.set(out, body);
  return out;
}

/** The body each compressed record of {@link encodeTurn} was made from, so inflating a fresh record costs no decompression. */
const uncompressedBodies = new WeakMap<Uint8Array, Uint8Array>();

/** The uncompressed msgpack body of a turn (what dictionaries are trained on). */
export function encodeTurnBody(turn: NewTurn, createdAt: number): Uint8Array {
  return packTurnBody(turn, createdAt).body;
}

/** The msgpack body and the lowest codec version that holds it (v1 when every part is a v1 part with v1 fields). */
function packTurnBody(turn: NewTurn, createdAt: number): { body: Uint8Array; version: number } {
  let v1 = true;
  const parts = turn.parts.map((p) => {
    const r = packPart(p);
    v1 &&= r.v1;
    return r.packed;
  });
  const body = packr.pack([
    ROLE_CODE[turn.role],
    createdAt,
    turn.name ?? null,
    turn.agent_id ?? null,
    turn.metadata === undefined || turn.metadata === null ? null : JSON.stringify(turn.metadata),
    turn.importance ?? null,
    turn.pinned === true,
    parts,
  ]);
  return { body, version: v1 ? 1 : TURN_CODEC_VERSION };
}

/** UTF-8 text bytes recorded in an encoded turn's header (for compression statistics). */
export function encodedTurnTextBytes(bytes: Uint8Array): number {
  if (bytes.byteLength < HEADER || !DECODES.has(bytes[0]!)) return 0;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
}

/**
 * The same record with its body stored uncompressed (flag 0 and the dictionary id cleared): what a cache that decodes
 * a record on every read keeps, so the frame is decompressed once (not at all for a record {@link encodeTurn} just
 * made: it remembers the body it compressed). A record that is not compressed, or whose frame
 * does not decompress, comes back as it is (decoding it then reports the damage as {@link decodeTurn} does).
 */
export function inflateTurnRecord(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength < HEADER || !DECODES.has(bytes[0]!) || ((bytes[1] ?? 0) & FLAG_ZSTD) === 0) return bytes;
  let body = uncompressedBodies.get(bytes);
  if (body === undefined) {
    try {
      body = decompressorFor(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(2, true)).decompress(bytes.subarray(HEADER));
    } catch {
      return bytes; // left for decodeTurn to refuse with SIRA_ERR_CODEC_CORRUPT when it is read
    }
  }
  const out = new Uint8Array(HEADER + body.byteLength);
  out.set(bytes.subarray(0, HEADER));
  out[1] = (bytes[1] ?? 0) & ~FLAG_ZSTD;
  out[2] = 0;
  out[3] = 0;
  out.set(body, HEADER);
  return out;
}

/** Decode a stored turn; `seq` comes from the key. Throws SIRA_ERR_CODEC_CORRUPT on a damaged record. */
export function decodeTurn(bytes: Uint8Array, seq: number): Turn {
  if (bytes.byteLength < HEADER || !DECODES.has(bytes[0]!)) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `turn ${seq}: unknown codec version ${String(bytes[0])}`);
  }
  const flags = bytes[1] ?? 0;
  let body = bytes.subarray(HEADER);
  const version = bytes[0]!;
  let a: unknown[];
  try {
    if ((flags & FLAG_ZSTD) !== 0) {
      const dictId = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(2, true);
      body = decompressorFor(dictId).decompress(body);
    }
    a = packr.unpack(body) as unknown[];
  } catch (cause) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `turn ${seq}: body does not decode`, { cause });
  }
  if (!Array.isArray(a) || a.length < 8) throw siraError('SIRA_ERR_CODEC_CORRUPT', `turn ${seq}: bad body`);
  const role = ROLES_BY_CODE[a[0] as number];
  if (role === undefined) throw siraError('SIRA_ERR_CODEC_CORRUPT', `turn ${seq}: bad role`);
  let parts: Part[];
  try {
    parts = (a[7] as PackedPart[]).map((p) => unpackPart(p, version));
  } catch (cause) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `turn ${seq}: a part does not decode`, { cause });
  }
  return {
    seq,
    role,
    parts,
    name: (a[2] as string | null) ?? null,
    agent_id: (a[3] as string | null) ?? null,
    metadata: a[4] === null || a[4] === undefined ? null : (JSON.parse(a[4] as string) as JsonObject),
    created_at: a[1] as number,
    importance: (a[5] as number | null) ?? null,
    pinned: a[6] === true,
  };
}
