/**
 * @module storage/lmdb/lmdb-sessions
 * Session records on LMDB: create (purging an expired one of the same id first), update (re-sealing when the
 * owner changes), delete, list newest first through the `by_time` / `by_user` indexes, and the sweeper's scan of
 * the `expiry` index. Each change is one write transaction (./lmdb-core.ts).
 */
import { siraError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { NewSession, Page, Session, SessionPatch } from '../../core/types.ts';
import { decodeSession } from '../codec/records.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { newSession, patchedSession, slideSession } from '../session-records.ts';
import type { ListSessionsOptions } from '../store.ts';
import { MAX_SEQ, type LmdbCore } from './lmdb-core.ts';
import { reseal } from './lmdb-erase.ts';
import type { Key } from './lmdb-open.ts';

/** {@link Store.createSession} on LMDB. */
export function createSession(c: LmdbCore, tenant: string, input: NewSession): Promise<Session> {
  const now = c.clock();
  const s = newSession(tenant, input.id ?? newId('s_', now), input, now);
  return c.txn(() => {
    const raw = c.db.sessions.getBinary([tenant, s.id]);
    if (raw !== undefined) {
      const old = decodeSession(raw);
      if (old.expires_at === null || old.expires_at > now) throw siraError('SIRA_ERR_SESSION_EXISTS');
      c.purge(old); // expired but not yet swept: its data must not leak into the new session
    }
    c.writeSession(s, undefined);
    c.event(tenant, s.id, 'session.created', now);
    return s;
  });
}

/** {@link Store.updateSession} on LMDB. */
export function updateSession(c: LmdbCore, tenant: string, id: string, patch: SessionPatch): Promise<Session | undefined> {
  return c.txn(() => {
    const now = c.clock();
    const prev = c.live(tenant, id, now);
    if (prev === undefined) return undefined;
    const s = slideSession(patchedSession(prev, patch), now);
    c.writeSession(s, prev);
    if (c.keyring !== undefined && prev.user_id !== s.user_id) reseal(c.db, tenant, id);
    c.event(tenant, id, 'session.updated', now);
    return s;
  });
}

/** {@link Store.deleteSession} on LMDB: an expired record is purged too, but reported as not existing. */
export function deleteSession(c: LmdbCore, tenant: string, id: string): Promise<boolean> {
  return c.txn(() => {
    const raw = c.db.sessions.getBinary([tenant, id]);
    if (raw === undefined) return false;
    const s = decodeSession(raw);
    const live = s.expires_at === null || s.expires_at > c.clock();
    c.purge(s);
    return live;
  });
}

/** {@link Store.listSessions} on LMDB: a reverse scan of the time index (the user's when `user_id` is given). */
export function listSessions(c: LmdbCore, tenant: string, opts: ListSessionsOptions): Page<Session> {
  c.check();
  const limit = opts.limit ?? 100;
  const now = c.clock();
  const prefix: Key = opts.user_id === undefined ? [tenant] : [tenant, opts.user_id];
  const index = opts.user_id === undefined ? c.db.byTime : c.db.byUser;
  let start: Key = [...prefix, MAX_SEQ];
  if (opts.cursor !== undefined) {
    const cur = decodeCursor(opts.cursor);
    if (!Array.isArray(cur) || cur.length !== 2 || typeof cur[0] !== 'number' || typeof cur[1] !== 'string') {
      throw siraError('SIRA_ERR_CURSOR_INVALID');
    }
    start = [...prefix, cur[0], cur[1]];
  }
  const items: Session[] = [];
  let last: Key | undefined;
  let more = false;
  for (const key of index.getKeys({ start, end: [...prefix, -1], reverse: true })) {
    const k = key as Key;
    const id = k[k.length - 1] as string;
    const createdAt = k[k.length - 2] as number;
    // The cursor names the last item of the previous page; the reverse scan starts on it inclusively.
    if (opts.cursor !== undefined && createdAt === start[start.length - 2] && id === start[start.length - 1]) continue;
    if (items.length === limit) {
      more = true;
      break;
    }
    const s = c.live(tenant, id, now);
    last = [createdAt, id];
    if (s !== undefined) items.push(s);
  }
  return { items, cursor: more && last !== undefined ? encodeCursor(last) : null };
}

/** {@link Store.sweepExpired} on LMDB: up to `limit` due entries of the expiry index, 500 per transaction. */
export async function sweepExpired(c: LmdbCore, limit: number): Promise<number> {
  c.check();
  const now = c.clock();
  const due: Key[] = [];
  for (const key of c.db.expiry.getKeys({ start: [0], end: [now + 1], limit })) due.push(key as Key);
  if (due.length === 0) return 0;
  let removed = 0;
  // Bounded transactions so a large sweep never holds the write lock for long.
  for (let i = 0; i < due.length; i += 500) {
    const chunk = due.slice(i, i + 500);
    removed += await c.txn(() => {
      let n = 0;
      for (const [exp, tenant, id] of chunk as [number, string, string][]) {
        const raw = c.db.sessions.getBinary([tenant, id]);
        const s = raw === undefined ? undefined : decodeSession(raw);
        if (s !== undefined && s.expires_at === exp) {
          c.purge(s);
          n++;
        } else {
          c.db.expiry.removeSync([exp, tenant, id]); // stale index entry (moved or deleted)
        }
      }
      return n;
    });
  }
  return removed;
}
