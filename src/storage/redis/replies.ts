/**
 * @module storage/redis/replies
 * Reading script replies (./scripts.ts): bulk strings arrive as Buffers, statuses and numbers as text.
 */
import type { JsonObject, Session, TurnRange } from '../../core/types.ts';

/** A reply element as text ('' for nil). */
export const str = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8') : v === null || v === undefined ? '' : String(v));

/** A flat field/value list as a map (field names as text, values as they came). */
export function pairs(a: readonly unknown[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (let i = 0; i + 1 < a.length; i += 2) m.set(str(a[i]), a[i + 1]);
  return m;
}

/** What a purge reports (scripts.ts `purge()`): enough to clean the indexes and the counters. */
export interface Purged {
  createdAt: number;
  userId: string | null;
  turns: number;
  tensors: number;
  rawBytes: number;
  storedBytes: number;
}

/** The purge fields of `reply` starting at index `at`. */
export function purged(reply: readonly unknown[], at: number): Purged {
  const uid = str(reply[at + 1]);
  return {
    createdAt: Number(str(reply[at])),
    userId: uid === '' ? null : uid,
    turns: Number(str(reply[at + 3])),
    tensors: Number(str(reply[at + 4])),
    rawBytes: Number(str(reply[at + 5])),
    storedBytes: Number(str(reply[at + 6])),
  };
}

/**
 * A session from its hash fields, or undefined when the hash is empty. Fields: id, tenant, uid, aid, md (metadata
 * JSON), ca, ua, exp, ttl, tc, sv (and rb, wb: text bytes raw and stored, for the counters). An absent uid, aid,
 * exp or ttl is null.
 */
export function sessionFromHash(h: Record<string, string>): Session | undefined {
  if (h.ca === undefined) return undefined;
  return {
    id: h.id ?? '',
    tenant: h.tenant ?? '',
    user_id: h.uid ?? null,
    agent_id: h.aid ?? null,
    metadata: JSON.parse(h.md ?? '{}') as JsonObject,
    created_at: Number(h.ca),
    updated_at: Number(h.ua),
    expires_at: h.exp === undefined ? null : Number(h.exp),
    ttl_seconds: h.ttl === undefined ? null : Number(h.ttl),
    turn_count: Number(h.tc),
    state_version: Number(h.sv),
  };
}

/** The seqs [from, to] a range covers in a session of `turnCount` turns (the same rule as GET_TURNS). */
export function span(range: TurnRange, turnCount: number): [number, number] {
  if ('last' in range) return [Math.max(1, turnCount - range.last + 1), turnCount];
  const from = Math.max(1, (range.after_seq ?? 0) + 1);
  let to = turnCount;
  if (range.before_seq !== undefined) to = Math.min(to, range.before_seq - 1);
  if (range.limit !== undefined) to = Math.min(to, from + range.limit - 1);
  return [from, to];
}
