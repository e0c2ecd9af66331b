/**
 * @module storage/redis/erase
 * Erasing a user or a tenant on Redis. A deleted key is gone from the server's dataset at once (streams included:
 * the event log is a key of the session); what the server already wrote to an RDB snapshot or the AOF stays there
 * until the next rewrite: that is the operator's (see docs/internals.md, "Erasure").
 */
import type { Store, TenantErasure } from '../store.ts';
import { eraseTenantByParts } from '../erase.ts';
import { parseIndexMember, type KeySpace } from './keys.ts';
import { USER_DOC_COLLECTIONS } from '../store.ts';
import type { RedisClient } from './scripts.ts';

/**
 * {@link Store.eraseUser} on Redis: every session the user's index lists whose hash still names the user — live,
 * or expired and not yet dropped by Redis (the grace period) — then the user-keyed documents. An index entry of a
 * session moved to another user is skipped (its hash names the other user). Returns the live sessions removed.
 */
export async function eraseUser(store: Store, client: RedisClient, keys: KeySpace, tenant: string, user: string): Promise<number> {
  let n = 0;
  for (const m of await client.zrange(keys.byUser(tenant, user), '0', '-1')) {
    const e = parseIndexMember(m);
    if (e === undefined) continue;
    if ((await client.hget(keys.session(tenant, e.id).session, 'uid')) !== user) continue;
    if (await store.deleteSession(tenant, e.id)) n++;
  }
  for (const c of USER_DOC_COLLECTIONS) await store.deleteDoc(tenant, c, user);
  return n;
}

/** The collections of a tenant that hold documents (SCAN over every master for the collections' id sets). */
async function collections(client: RedisClient, keys: KeySpace, tenant: string): Promise<string[]> {
  const probe = keys.docIds(tenant, '\u0001');
  const [head, tail] = probe.split('\u0001') as [string, string];
  const pattern = `${head.replace(/[*?[\]\\]/g, '\\$&')}*${tail}`;
  const nodes = 'nodes' in client && typeof client.nodes === 'function' ? client.nodes('master') : [client];
  const out = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      for (const k of batch) out.add(k.slice(head.length, k.length - tail.length));
      cursor = next;
    } while (cursor !== '0');
  }
  return [...out];
}

/** {@link Store.eraseTenant} on Redis: sessions, every collection's documents, API keys. */
export async function eraseTenant(store: Store, client: RedisClient, keys: KeySpace, tenant: string): Promise<TenantErasure> {
  return eraseTenantByParts(store, tenant, await collections(client, keys, tenant));
}
