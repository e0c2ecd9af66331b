/**
 * @module storage/redis/keys
 * The Redis key layout. Every key of one session carries the hash tag `{<tenant>/<id>}`, so a session lives in
 * one hash slot (one shard of a Cluster) and a Lua script can update all of it atomically. Indexes that cross
 * sessions have their own tags: `{idx:<tenant>}` (a tenant's listing indexes), `{expiry}`, `{keys}`, `{stats:N}`.
 *
 * Tenants and ids may hold `:` (see core/ids), so the tag separates them with `/`, which they cannot hold; `%`,
 * `/`, `{` and `}` are percent-escaped in any part that is not a valid id, so no two (tenant, id) pairs share a
 * key and no part can end a hash tag early.
 */
import { siraError } from '../../core/errors.ts';

/** Number of counter shards (`{stats:0}` … `{stats:15}`): spreads counter writes over the cluster. */
export const STATS_SHARDS = 16;

const esc = (s: string): string => s.replace(/[%/{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The keys of one session, in the order every session script takes them (KEYS[1] … KEYS[6]). */
export interface SessionKeys {
  /** Hash: the session's fields. */
  session: string;
  /** Hash: seq → turn record. */
  turns: string;
  /** Hash: v, at, val (the state document as JSON text). */
  state: string;
  /** Hash: name → tensor record (header and raw bytes). */
  tensors: string;
  /** Hash: name → tensor record header only (listing without reading the data). */
  tinfo: string;
  /** Stream: the session's event log, entry ids `<event id>-0` (fields t, at, d). */
  events: string;
}

/** Builds every key under one prefix. */
export class KeySpace {
  readonly prefix: string;

  constructor(prefix: string) {
    if (/[{}]/.test(prefix)) throw siraError('SIRA_ERR_CONFIG_INVALID', 'the Redis key prefix must not hold { or }');
    this.prefix = prefix;
  }

  /** The six keys of a session. */
  session(tenant: string, id: string): SessionKeys {
    const base = `${this.prefix}{${esc(tenant)}/${esc(id)}}`;
    return { session: `${base}:s`, turns: `${base}:turns`, state: `${base}:state`, tensors: `${base}:tensors`, tinfo: `${base}:tinfo`, events: `${base}:events` };
  }

  /** Sorted set (all scores 0) of `indexMember(created_at, id)`: a tenant's sessions, newest first by lex order. */
  byTime(tenant: string): string {
    return `${this.prefix}{idx:${esc(tenant)}}:time`;
  }

  /** The same for one user of a tenant (same slot as {@link byTime}). */
  byUser(tenant: string, user: string): string {
    return `${this.prefix}{idx:${esc(tenant)}}:user:${esc(user)}`;
  }

  /** Sorted set: `expiryMember(...)` scored by the session's expires_at (a lower bound; see docs/internals.md). */
  expiry(): string {
    return `${this.prefix}{expiry}`;
  }

  /** String: API key record, by the key's SHA-256 hex. */
  apiKey(hash: string): string {
    return `${this.prefix}{keys}:h:${esc(hash)}`;
  }

  /** Set of the hashes of all API keys (same slot as {@link apiKey}). */
  apiKeys(): string {
    return `${this.prefix}{keys}:all`;
  }

  /** Hash: document id → doc record (storage/docs) of one tenant's collection. */
  docs(tenant: string, collection: string): string {
    return `${this.prefix}{doc:${esc(tenant)}/${collection}}:h`;
  }

  /** Sorted set (all scores 0) of the collection's ids, for listing in byte order (same slot as {@link docs}). */
  docIds(tenant: string, collection: string): string {
    return `${this.prefix}{doc:${esc(tenant)}/${collection}}:z`;
  }

  /** Hash of counters, shard `n` of {@link STATS_SHARDS}. */
  stats(n: number): string {
    return `${this.prefix}{stats:${n}}`;
  }
}

const PAD = 16;

/** Index member: created_at zero-padded to 16 digits, `:`, the id; lex order = (created_at, id). */
export function indexMember(createdAt: number, id: string): string {
  return `${String(createdAt).padStart(PAD, '0')}:${id}`;
}

/** Parse an index member; undefined when it is not one. */
export function parseIndexMember(m: string): { createdAt: number; id: string } | undefined {
  if (m.length < PAD + 2 || m[PAD] !== ':') return undefined;
  const createdAt = Number(m.slice(0, PAD));
  return Number.isSafeInteger(createdAt) ? { createdAt, id: m.slice(PAD + 1) } : undefined;
}

/** Member of the expiry set: one per session incarnation, so a re-created id never collides with the old one. */
export function expiryMember(tenant: string, id: string, createdAt: number): string {
  return JSON.stringify([tenant, id, createdAt]);
}

/** Parse an expiry member; undefined when it is not one. */
export function parseExpiryMember(m: string): { tenant: string; id: string; createdAt: number } | undefined {
  try {
    const a = JSON.parse(m) as unknown;
    if (Array.isArray(a) && typeof a[0] === 'string' && typeof a[1] === 'string' && typeof a[2] === 'number') {
      return { tenant: a[0], id: a[1], createdAt: a[2] };
    }
  } catch {
    // not ours
  }
  return undefined;
}
