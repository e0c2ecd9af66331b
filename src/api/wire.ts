/**
 * @module api/wire
 * Conversions between the store's types and the JSON wire format, done at the API edge only: times become ISO
 * 8601 strings, media bytes become base64 (and back), and a turn that is exactly one text part is sent as a string.
 */
import { siraError } from '../core/errors.ts';
import { isMediaPart, MEDIA_TYPES, type JsonObject, type Part, type Session, type StateRecord, type TensorInfo, type Turn } from '../core/types.ts';
import type { TurnInput } from '../core/validate.ts';
import type { WireNewTurn, WirePart, WireSession, WireTensorInfo, WireTurn } from './schemas.ts';

/** `o` without its undefined fields: request fields passed on as options under `exactOptionalPropertyTypes`. */
export function definedFields<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** ISO 8601 (UTC) of a time in ms since the epoch. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const MEDIA: ReadonlySet<unknown> = new Set(MEDIA_TYPES);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Bytes of a standard (padded) or URL-safe (unpadded) base64 string, or undefined when it is not base64. */
export function decodeBase64(s: string): Uint8Array | undefined {
  if (BASE64.test(s)) return new Uint8Array(Buffer.from(s, 'base64'));
  if (s.length % 4 !== 1 && BASE64URL.test(s)) return new Uint8Array(Buffer.from(s, 'base64url'));
  return undefined;
}

/** Standard base64 of `bytes` (no copy of the input). */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A session as sent to clients (the tenant is implied by the key and left out). */
export function toWireSession(s: Session): WireSession {
  return {
    id: s.id,
    user_id: s.user_id,
    agent_id: s.agent_id,
    metadata: s.metadata,
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
    expires_at: s.expires_at === null ? null : iso(s.expires_at),
    ttl_seconds: s.ttl_seconds,
    turn_count: s.turn_count,
    state_version: s.state_version,
  };
}

function toWirePart(p: Part): WirePart {
  // Media bytes are the one field whose wire form differs (base64); every other field is sent as stored.
  if (isMediaPart(p) && p.data !== undefined) return { ...p, data: encodeBase64(p.data) } as WirePart;
  return p as WirePart;
}

/** A stored turn as sent to clients: `content` is a string when the turn is exactly one text part. */
export function toWireTurn(t: Turn): WireTurn {
  const only = t.parts.length === 1 ? t.parts[0] : undefined;
  return {
    seq: t.seq,
    role: t.role,
    content: only?.type === 'text' ? only.text : t.parts.map(toWirePart),
    name: t.name,
    agent_id: t.agent_id,
    metadata: t.metadata,
    created_at: iso(t.created_at),
    pinned: t.pinned,
    importance: t.importance,
  };
}

/**
 * The JSON text of `{turns, next_cursor}` for a turns response, built by hand around each turn's JSON so the
 * envelope is not re-walked. (Turns used to be memoised per frozen turn of the tail cache; the cache now holds
 * encoded records and every read decodes fresh turns, so there is nothing shared to memoise on.)
 */
export function turnsResponseJson(turns: readonly Turn[], nextCursor: string | null): string {
  const parts = turns.map((t) => JSON.stringify(toWireTurn(t)));
  return `{"turns":[${parts.join(',')}],"next_cursor":${JSON.stringify(nextCursor)}}`;
}

/**
 * Turns from the wire, with base64 media `data` decoded to bytes; throws SIRA_ERR_TURN_INVALID naming a part whose
 * data is not base64. Content is otherwise passed through as sent: the facade validates it.
 */
export function fromWireTurns(turns: readonly WireNewTurn[]): TurnInput[] {
  return turns.map((t, i): TurnInput => {
    const raw: unknown = t.content;
    const content = Array.isArray(raw)
      ? raw.map((p: unknown, j) => {
          const part = p as { type?: unknown; data?: unknown };
          if (typeof p !== 'object' || p === null || typeof part.data !== 'string' || !MEDIA.has(part.type)) return p;
          const data = decodeBase64(part.data);
          if (data === undefined) throw siraError('SIRA_ERR_TURN_INVALID', `turns[${i}].content[${j}].data is not valid base64`);
          return { ...part, data };
        })
      : raw;
    return {
      role: t.role,
      content: content as TurnInput['content'],
      name: t.name,
      agent_id: t.agent_id,
      metadata: t.metadata as JsonObject | null | undefined,
      pinned: t.pinned,
      importance: t.importance,
    };
  });
}

/** Tensor metadata as sent to clients. */
export function toWireTensorInfo(i: TensorInfo): WireTensorInfo {
  return { name: i.name, dtype: i.dtype, shape: i.shape, byte_length: i.byte_length, updated_at: iso(i.updated_at) };
}

/** A state record as sent to clients. */
export function toWireState(r: StateRecord): { version: number; state: JsonObject; updated_at: string } {
  return { version: r.version, state: r.value, updated_at: iso(r.updated_at) };
}

/** The strong ETag of a state version: `"<version>"`. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * The version an `If-Match` header asks for: undefined when absent or `*` (any version), else the number in
 * `"<n>"` (weak `W/` prefix and bare digits tolerated); throws SIRA_ERR_REQUEST_INVALID for anything else.
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const h = header.trim();
  if (h === '*') return undefined;
  const m = /^(?:W\/)?(?:"(\d{1,15})"|(\d{1,15}))$/.exec(h);
  if (m === null) throw siraError('SIRA_ERR_REQUEST_INVALID', 'If-Match must be "*" or one ETag such as "3"');
  return Number(m[1] ?? m[2]);
}
