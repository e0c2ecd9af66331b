/**
 * @module storage/redis/redis-sessions
 * Session records on Redis: create, read, update and delete (each one session script, then the cross-slot
 * indexes), and the sweeper, which purges due sessions found in the expiry index with bounded concurrency.
 */
import { siraError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { NewSession, Session, SessionPatch } from '../../core/types.ts';
import { newSession } from '../session-records.ts';
import { parseExpiryMember } from './keys.ts';
import { pairs, purged, sessionFromHash, str } from './replies.ts';
import type { RedisCore } from './redis-core.ts';
import * as S from './scripts.ts';

/** {@link Store.createSession} on Redis. */
export async function createSession(c: RedisCore, tenant: string, input: NewSession): Promise<Session> {
  const now = c.clock();
  const s = newSession(tenant, input.id ?? newId('s_', now), input, now);
  const reply = await c.write(S.CREATE, c.sk(tenant, s.id), [
    String(now),
    c.gc(),
    s.id,
    tenant,
    await c.sealMd(tenant, JSON.stringify(s.metadata)),
    s.user_id ?? '',
    s.agent_id ?? '',
    s.ttl_seconds === null ? '' : String(s.ttl_seconds),
    c.retention,
  ]);
  if (str(reply[0]) === 'exists') throw siraError('SIRA_ERR_SESSION_EXISTS');
  // An expired, not yet swept session of this id was purged by the script: drop its index entries.
  if (reply.length > 1) await c.purged(tenant, s.id, purged(reply, 1));
  await c.do(() => c.ix.added(s));
  return s;
}

/** {@link Store.getSession} on Redis. */
export async function getSession(c: RedisCore, tenant: string, id: string): Promise<Session | undefined> {
  const s = sessionFromHash(await c.do(async () => c.openHash(await c.r.hgetall(c.k.session(tenant, id).session))));
  return s === undefined || (s.expires_at !== null && s.expires_at <= c.clock()) ? undefined : s;
}

/** {@link Store.updateSession} on Redis: each field kept, deleted or set by the script, then the user index moved. */
export async function updateSession(c: RedisCore, tenant: string, id: string, patch: SessionPatch): Promise<Session | undefined> {
  const op = (v: string | null | undefined): [string, string] => (v === undefined ? ['k', ''] : v === null ? ['d', ''] : ['s', v]);
  const md = patch.metadata === undefined ? undefined : await c.sealMd(tenant, JSON.stringify(patch.metadata));
  const reply = await c.write(S.UPDATE, c.sk(tenant, id), [
    String(c.clock()),
    c.gc(),
    ...op(patch.user_id),
    ...op(patch.agent_id),
    ...op(md),
    ...op(patch.ttl_seconds === undefined || patch.ttl_seconds === null ? patch.ttl_seconds : String(patch.ttl_seconds)),
    c.retention,
  ]);
  if (str(reply[0]) === 'nf') return undefined;
  const oldUser = str(reply[1]) === '' ? null : str(reply[1]);
  const h: Record<string, string> = {};
  for (const [f, v] of pairs(reply.slice(2))) h[f] = str(v);
  const s = sessionFromHash(await c.openHash(h));
  if (s === undefined) return undefined;
  await c.do(() => c.ix.updated(s, oldUser));
  return s;
}

/** {@link Store.deleteSession} on Redis: an expired record is purged too, but reported as not existing. */
export async function deleteSession(c: RedisCore, tenant: string, id: string): Promise<boolean> {
  const reply = await c.write(S.DELETE, c.sk(tenant, id), [String(c.clock())]);
  if (str(reply[0]) === 'nf') return false;
  await c.purged(tenant, id, purged(reply, 2));
  return str(reply[1]) === '1';
}

/** {@link Store.sweepExpired} on Redis: up to `limit` due members of the expiry index, 64 sessions at a time. */
export async function sweepExpired(c: RedisCore, limit: number): Promise<number> {
  const now = c.clock();
  const due = await c.do(() => c.ix.due(now, limit));
  let removed = 0;
  const one = async ([member, score]: [string, string]): Promise<void> => {
    const e = parseExpiryMember(member);
    if (e === undefined) return c.ix.drop(member);
    const reply = await c.run(S.SWEEP_ONE, c.sk(e.tenant, e.id), [String(now), String(e.createdAt)]);
    const status = str(reply[0]);
    if (status === 'purged') {
      removed++;
      await c.purged(e.tenant, e.id, purged(reply, 1));
    } else if (status === 'gone') {
      await c.ix.gone(member, e.tenant, e.id, e.createdAt);
    } else {
      await c.ix.rescore(member, score, str(reply[1]));
    }
  };
  // Bounded concurrency: many sessions in flight at once, never the whole sweep.
  for (let i = 0; i < due.length; i += 64) await c.do(() => Promise.all(due.slice(i, i + 64).map(one)));
  return removed;
}
