/**
 * @module storage/redis/erase
 * Erasing a user or a tenant on Redis. A deleted key is gone from the server's dataset at once (streams included:
 * the event log is a key of the session); what the server already wrote to an RDB snapshot or the AOF stays there
 * until the next rewrite: that is the operator's (see docs/internals.md, "Erasure").
 */
import type { Store, TenantErasure } from '../store.ts';
import { sessionIdsOf } from '../erase.ts';
import type { KeySpace } from './keys.ts';
import type { RedisClient } from './scripts.ts';

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
  let sessions = 0;
  for (const id of await sessionIdsOf(store, tenant, undefined)) if (await store.deleteSession(tenant, id)) sessions++;
  let docs = 0;
  for (const c of await collections(client, keys, tenant)) docs += await store.deleteDocs(tenant, c);
  let apiKeys = 0;
  for (const k of await store.listApiKeys(tenant)) if (await store.deleteApiKey(k.id)) apiKeys++;
  return { sessions, docs, api_keys: apiKeys, data_keys: 0 };
}
