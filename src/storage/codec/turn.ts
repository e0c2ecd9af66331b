/**
 * @module storage/codec/turn
 * The stored form of a turn, codec v1. Layout (all little-endian):
 *
 *   byte 0      codec version (1)
 *   byte 1      flags: bit 0 = body is one zstd frame; bits 1-7 reserved (0)
 *   bytes 2-3   u16 id of the zstd dictionary the frame needs (0 = none; see ./zstd-dict.ts)
 *   bytes 4-7   u32 UTF-8 bytes of the turn's text (text, tool arguments, tool results) before compression
 *   bytes 8-    body: msgpack array [role, created_at, name, agent_id, metadata_json, importance, pinned, parts]
 *               (zstd-compressed when flag 0 is set). `seq` is not stored: it is the record's key.
 *
 * Parts are arrays tagged by a small integer (see PART_TAG). Media bytes are msgpack `bin`, never base64.
 * Metadata is kept as its JSON text so it comes back exactly as the client sent it.
 */
import { Packr } from 'msgpackr';
import { compressorFor, decompressorFor, encodingDictionaryId } from './zstd-dict.ts';
import { siraError } from '../../core/errors.ts';
import type { JsonObject, NewTurn, Part, Role, Turn } from '../../core/types.ts';

export const TURN_CODEC_VERSION = 1;
const FLAG_ZSTD = 1;
const HEADER = 8;

const ROLE_CODE: Readonly<Record<Role, number>> = { system: 0, user: 1, assistant: 2, tool: 3 };
const ROLES_BY_CODE: readonly Role[] = ['system', 'user', 'assistant', 'tool'];
const PART_TAG = { text: 0, image: 1, audio: 2, file: 3, tool_call: 4, tool_result: 5, tensor: 6 } as const;

const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true });
const utf8 = new TextEncoder();

type PackedPart = unknown[];

function packPart(p: Part): PackedPart {
  switch (p.type) {
    case 'text':
      return [PART_TAG.text, p.text];
    case 'image':
    case 'audio':
    case 'file':
      return [PART_TAG[p.type], p.mime, p.data ?? null, p.url ?? null, p.name ?? null];
    case 'tool_call':
      return [PART_TAG.tool_call, p.id, p.name, p.arguments];
    case 'tool_result':
      return [PART_TAG.tool_result, p.tool_call_id, p.content, p.is_error ?? null];
    case 'tensor':
      return [PART_TAG.tensor, p.name];
  }
}

function bytesOf(v: unknown): Uint8Array {
  const b = v as Uint8Array;
  // Own the bytes: msgpack returns views into the decode buffer.
  return new Uint8Array(b);
}

function unpackPart(a: PackedPart): Part {
  switch (a[0]) {
    case PART_TAG.text:
      return { type: 'text', text: a[1] as string };
    case PART_TAG.image:
    case PART_TAG.audio:
    case PART_TAG.file: {
      const type = a[0] === PART_TAG.image ? 'image' : a[0] === PART_TAG.audio ? 'audio' : 'file';
      const out: Part = { type, mime: a[1] as string };
      if (a[2] !== null && a[2] !== undefined) out.data = bytesOf(a[2]);
      if (a[3] !== null && a[3] !== undefined) out.url = a[3] as string;
      if (a[4] !== null && a[4] !== undefined) out.name = a[4] as string;
      return out;
    }
    case PART_TAG.tool_call:
      return { type: 'tool_call', id: a[1] as string, name: a[2] as string, arguments: a[3] as string };
    case PART_TAG.tool_result: {
      const out: Part = { type: 'tool_result', tool_call_id: a[1] as string, content: a[2] as string };
      if (a[3] !== null && a[3] !== undefined) out.is_error = a[3] as boolean;
      return out;
    }
    case PART_TAG.tensor:
      return { type: 'tensor', name: a[1] as string };
    default:
      throw siraError('SIRA_ERR_CODEC_CORRUPT', `unknown part tag ${String(a[0])}`);
  }
}

/** UTF-8 bytes of the text a turn carries (text parts, tool arguments and results). */
export function turnTextBytes(parts: readonly Part[]): number {
  let n = 0;
  for (const p of parts) {
    if (p.type === 'text') n += utf8.encode(p.text).byteLength;
    else if (p.type === 'tool_call') n += utf8.encode(p.arguments).byteLength;
    else if (p.type === 'tool_result') n += utf8.encode(p.content).byteLength;
  }
  return n;
}

/**
 * Encode a turn for storage. Bodies of at least `compressMinBytes` are zstd-compressed when that makes them
 * smaller. Returns a fresh buffer the caller owns.
 */
export function encodeTurn(turn: NewTurn, createdAt: number, compressMinBytes: number): Uint8Array {
  const body = encodeTurnBody(turn, createdAt);
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
  out[0] = TURN_CODEC_VERSION;
  out[1] = flags;
  dv.setUint16(2, dictId, true);
  dv.setUint32(4, turnTextBytes(turn.parts), true);
  out.set(payload, HEADER);
  return out;
}

/** The uncompressed msgpack body of a turn (what dictionaries are trained on). */
export function encodeTurnBody(turn: NewTurn, createdAt: number): Uint8Array {
  return packr.pack([
    ROLE_CODE[turn.role],
    createdAt,
    turn.name ?? null,
    turn.agent_id ?? null,
    turn.metadata === undefined || turn.metadata === null ? null : JSON.stringify(turn.metadata),
    turn.importance ?? null,
    turn.pinned === true,
    turn.parts.map(packPart),
  ]);
}

/** UTF-8 text bytes recorded in an encoded turn's header (for compression statistics). */
export function encodedTurnTextBytes(bytes: Uint8Array): number {
  if (bytes.byteLength < HEADER || bytes[0] !== TURN_CODEC_VERSION) return 0;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
}

/** Decode a stored turn; `seq` comes from the key. Throws SIRA_ERR_CODEC_CORRUPT on a damaged record. */
export function decodeTurn(bytes: Uint8Array, seq: number): Turn {
  if (bytes.byteLength < HEADER || bytes[0] !== TURN_CODEC_VERSION) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `turn ${seq}: unknown codec version ${String(bytes[0])}`);
  }
  const flags = bytes[1] ?? 0;
  let body = bytes.subarray(HEADER);
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
  return {
    seq,
    role,
    parts: (a[7] as PackedPart[]).map(unpackPart),
    name: (a[2] as string | null) ?? null,
    agent_id: (a[3] as string | null) ?? null,
    metadata: a[4] === null || a[4] === undefined ? null : (JSON.parse(a[4] as string) as JsonObject),
    created_at: a[1] as number,
    importance: (a[5] as number | null) ?? null,
    pinned: a[6] === true,
  };
}
