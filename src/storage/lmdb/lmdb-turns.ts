/**
 * @module storage/lmdb/lmdb-turns
 * A session's log on LMDB: turns appended under `[tenant, id, seq]` (encoded and compressed before the write
 * transaction, served from the tail cache when it holds the range) and the event log read by id.
 */
import { siraError } from '../../core/errors.ts';
import type { NewTurn, SessionEvent, Turn, TurnRange } from '../../core/types.ts';
import { decodeEvent } from '../codec/records.ts';
import { decodeTurn, encodeTurn } from '../codec/turn.ts';
import { appendedTurns, eventsGap, sessionKey, slideSession } from '../session-records.ts';
import type { EventPage } from '../store.ts';
import { tailVersion } from '../tail-cache.ts';
import { MAX_SEQ, type LmdbCore } from './lmdb-core.ts';
import type { Key } from './lmdb-open.ts';
import { putScoped, scopeOf } from './lmdb-seal.ts';

/** {@link Store.appendTurns} on LMDB. */
export async function appendTurns(c: LmdbCore, tenant: string, sessionId: string, turns: NewTurn[]): Promise<Turn[]> {
  const now = c.clock();
  // Encode (and compress) outside the write transaction; only key assignment happens under the lock.
  const records = turns.map((t) => encodeTurn(t, now, c.compressMin));
  let prevVersion = '';
  let version = '';
  const stored = await c.txn(() => {
    const prev = c.live(tenant, sessionId, now);
    if (prev === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
    const first = prev.turn_count + 1;
    const scope = scopeOf(tenant, prev);
    for (let i = 0; i < records.length; i++) putScoped(c.db.turns, [tenant, sessionId, first + i], records[i]!, scope);
    const s = slideSession({ ...prev, turn_count: prev.turn_count + records.length }, now);
    c.writeSession(s, prev);
    c.event(tenant, sessionId, 'turns.appended', now, { first_seq: first, count: records.length });
    prevVersion = tailVersion(prev.created_at, prev.turn_count);
    version = tailVersion(s.created_at, s.turn_count);
    return appendedTurns(turns, first, now);
  });
  // After the commit: the cache only ever holds acknowledged turns, as the records just written (it copies them).
  c.tail?.appended(sessionKey(tenant, sessionId), prevVersion, version, stored[0]!.seq, records);
  return stored;
}

/** {@link Store.getTurns} on LMDB. */
export function getTurns(c: LmdbCore, tenant: string, sessionId: string, range: TurnRange): Turn[] | undefined {
  c.check();
  const s = c.live(tenant, sessionId);
  if (s === undefined) return undefined;
  let from: number;
  let to: number; // inclusive
  if ('last' in range) {
    to = s.turn_count;
    from = Math.max(1, to - range.last + 1);
  } else {
    from = Math.max(1, (range.after_seq ?? 0) + 1);
    to = Math.min(s.turn_count, (range.before_seq ?? MAX_SEQ) - 1);
    if (range.limit !== undefined) to = Math.min(to, from + range.limit - 1);
  }
  if (from > to) return [];
  const key = sessionKey(tenant, sessionId);
  const version = tailVersion(s.created_at, s.turn_count);
  const cached = c.tail?.range(key, version, from, to);
  if (cached !== undefined) return cached;
  const out: Turn[] = [];
  const records: Uint8Array[] = [];
  for (const { key: k, value } of c.db.turns.getRange({ start: [tenant, sessionId, from], end: [tenant, sessionId, to + 1] })) {
    out.push(decodeTurn(value, (k as Key)[2] as number));
    records.push(value);
  }
  if (to === s.turn_count && out.length > 0) c.tail?.filled(key, version, out[0]!.seq, records);
  return out;
}

/** {@link Store.readEvents} on LMDB. */
export function readEvents(c: LmdbCore, tenant: string, sessionId: string, afterId: number, limit: number): EventPage | undefined {
  c.check();
  if (c.live(tenant, sessionId) === undefined) return undefined;
  // Synchronous reads in one turn share lmdb-js's read snapshot: first, last and the page agree.
  const last = c.lastEventId(tenant, sessionId);
  let first = last + 1;
  for (const k of c.db.events.getKeys({ start: [tenant, sessionId, 0], end: [tenant, sessionId, MAX_SEQ], limit: 1 })) first = (k as Key)[2] as number;
  if (afterId + 1 < first) throw eventsGap(afterId, first);
  const events: SessionEvent[] = [];
  for (const { key, value } of c.db.events.getRange({ start: [tenant, sessionId, afterId + 1], end: [tenant, sessionId, MAX_SEQ], limit })) {
    events.push(decodeEvent(value, sessionId, (key as Key)[2] as number));
  }
  return { events, last_id: last };
}
