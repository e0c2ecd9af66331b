/**
 * @module storage/lmdb/lmdb-docs
 * Document collections on LMDB: `docs [tenant, collection, id] → doc record` (storage/docs), one range scan per
 * page, in ordered-binary (UTF-8 byte) order of the id.
 */
import type { Page } from '../../core/types.ts';
import { checkDocKey, compareDocIds, decodeDoc, docConflict, docCursor, docPageStart, encodeDoc } from '../docs.ts';
import type { DocRecord, ListDocsOptions } from '../store.ts';
import type { LmdbLayout } from './lmdb-open.ts';
import { putScoped } from './lmdb-seal.ts';
import { userScope } from '../crypto/keyring.ts';

type Txn = <T>(fn: () => T) => Promise<T>;

export async function putDoc(
  db: LmdbLayout,
  txn: Txn,
  now: number,
  k: { tenant: string; collection: string; id: string },
  value: Uint8Array,
  expectedVersion: number | undefined,
  owner?: string,
): Promise<DocRecord> {
  checkDocKey(k.collection, k.id);
  const key = [k.tenant, k.collection, k.id];
  return txn(() => {
    const raw = db.docs.getBinary(key);
    const current = raw === undefined ? 0 : decodeDoc(k.id, raw).version;
    if (expectedVersion !== undefined && expectedVersion !== current) throw docConflict(expectedVersion, current);
    putScoped(db.docs, key, encodeDoc(current + 1, now, value), owner === undefined ? undefined : userScope(k.tenant, owner));
    return { id: k.id, version: current + 1, updated_at: now, value: Uint8Array.from(value) };
  });
}

export function getDoc(db: LmdbLayout, tenant: string, collection: string, id: string): DocRecord | undefined {
  checkDocKey(collection, id);
  const raw = db.docs.getBinary([tenant, collection, id]);
  return raw === undefined ? undefined : decodeDoc(id, raw);
}

export function deleteDoc(db: LmdbLayout, txn: Txn, tenant: string, collection: string, id: string): Promise<boolean> {
  checkDocKey(collection, id);
  return txn(() => db.docs.removeSync([tenant, collection, id]));
}

export function listDocs(db: LmdbLayout, tenant: string, collection: string, opts: ListDocsOptions | undefined): Page<DocRecord> {
  checkDocKey(collection);
  const { limit, after } = docPageStart(opts);
  const prefix = opts?.prefix ?? '';
  const start = after !== undefined && compareDocIds(after, prefix) >= 0 ? after : prefix;
  const items: DocRecord[] = [];
  let more = false;
  for (const { key, value } of db.docs.getRange({ start: [tenant, collection, start], end: [tenant, collection + '\u0000'] })) {
    const id = (key as [string, string, string])[2];
    if (id === after) continue;
    if (!id.startsWith(prefix)) break;
    if (items.length === limit) {
      more = true;
      break;
    }
    items.push(decodeDoc(id, value));
  }
  return { items, cursor: more ? docCursor(items[items.length - 1]!.id) : null };
}

export function deleteDocs(db: LmdbLayout, txn: Txn, tenant: string, collection: string, prefix: string | undefined): Promise<number> {
  checkDocKey(collection);
  return txn(() => {
    let n = 0;
    for (const key of db.docs.getKeys({ start: [tenant, collection, prefix ?? ''], end: [tenant, collection + '\u0000'] })) {
      const id = (key as [string, string, string])[2];
      if (prefix !== undefined && !id.startsWith(prefix)) break;
      db.docs.removeSync(key);
      n++;
    }
    return n;
  });
}
