/**
 * @module storage/codec/records
 * Stored forms of sessions, state versions and API keys, codec v1: byte 0 is the codec version, the rest a
 * msgpack array. JSON documents (metadata, state) are kept as JSON text so they round-trip exactly.
 */
import { Packr } from 'msgpackr';
import { siraError } from '../../core/errors.ts';
import type { ApiKeyRecord, JsonObject, Session, SessionEvent, SessionEventType, StateRecord } from '../../core/types.ts';

export const RECORD_CODEC_VERSION = 1;
const packr = new Packr({ useRecords: false, moreTypes: false });

function withVersion(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.byteLength + 1);
  out[0] = RECORD_CODEC_VERSION;
  out.set(body, 1);
  return out;
}

function body(bytes: Uint8Array, what: string): unknown[] {
  if (bytes.byteLength < 2 || bytes[0] !== RECORD_CODEC_VERSION) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `${what}: unknown codec version ${String(bytes[0])}`);
  }
  try {
    const a = packr.unpack(bytes.subarray(1)) as unknown;
    if (!Array.isArray(a)) throw new Error('not an array');
    return a;
  } catch (cause) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `${what}: body does not decode`, { cause });
  }
}

/** Encode a session (tenant and id are in the key but kept here too for self-description). */
export function encodeSession(s: Session): Uint8Array {
  return withVersion(
    packr.pack([
      s.id,
      s.tenant,
      s.user_id,
      s.agent_id,
      JSON.stringify(s.metadata),
      s.created_at,
      s.updated_at,
      s.expires_at,
      s.ttl_seconds,
      s.turn_count,
      s.state_version,
    ]),
  );
}

/** Decode a session record. */
export function decodeSession(bytes: Uint8Array): Session {
  const a = body(bytes, 'session');
  return {
    id: a[0] as string,
    tenant: a[1] as string,
    user_id: (a[2] as string | null) ?? null,
    agent_id: (a[3] as string | null) ?? null,
    metadata: JSON.parse(a[4] as string) as JsonObject,
    created_at: a[5] as number,
    updated_at: a[6] as number,
    expires_at: (a[7] as number | null) ?? null,
    ttl_seconds: (a[8] as number | null) ?? null,
    turn_count: a[9] as number,
    state_version: a[10] as number,
  };
}

/** Encode a state version. */
export function encodeState(s: StateRecord): Uint8Array {
  return withVersion(packr.pack([s.version, s.updated_at, JSON.stringify(s.value)]));
}

/** Decode a state version. */
export function decodeState(bytes: Uint8Array): StateRecord {
  const a = body(bytes, 'state');
  return { version: a[0] as number, updated_at: a[1] as number, value: JSON.parse(a[2] as string) as JsonObject };
}

/** Encode an API key record (hash only; the key itself is never stored). */
export function encodeApiKey(r: ApiKeyRecord): Uint8Array {
  return withVersion(packr.pack([r.id, r.tenant, r.name, r.hash, r.created_at]));
}

/** Decode an API key record. */
export function decodeApiKey(bytes: Uint8Array): ApiKeyRecord {
  const a = body(bytes, 'api key');
  return { id: a[0] as string, tenant: a[1] as string, name: a[2] as string, hash: a[3] as string, created_at: a[4] as number };
}

/** An event log entry (the session id and event id are in the key): [type, at, data JSON]. */
export function encodeEvent(type: string, at: number, data: JsonObject): Uint8Array {
  return withVersion(packr.pack([type, at, JSON.stringify(data)]));
}

/** Decode an event log entry of session `sessionId` stored under event id `id`. */
export function decodeEvent(bytes: Uint8Array, sessionId: string, id: number): SessionEvent {
  const a = body(bytes, 'event');
  return { id, type: a[0] as SessionEventType, session_id: sessionId, at: a[1] as number, data: JSON.parse(a[2] as string) as JsonObject };
}
