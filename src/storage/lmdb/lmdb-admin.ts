/**
 * @module storage/lmdb/lmdb-admin
 * The LMDB backend's API key records and statistics.
 */
import type { Database } from 'lmdb';
import { siraError } from '../../core/errors.ts';
import { isValidId } from '../../core/ids.ts';
import type { ApiKeyRecord } from '../../core/types.ts';
import { decodeApiKey, encodeApiKey } from '../codec/records.ts';
import { encodedTurnTextBytes } from '../codec/turn.ts';
import type { StoreStats } from '../store.ts';
import type { Key, LmdbLayout } from './lmdb-open.ts';

type Txn = <T>(fn: () => T) => Promise<T>;

/** Store an API key record by its hash. */
export async function putApiKey(db: LmdbLayout, txn: Txn, record: ApiKeyRecord): Promise<void> {
  if (!isValidId(record.tenant)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'tenant is not a valid id');
  await txn(() => db.keys.putSync(record.hash, encodeApiKey(record)));
}

/** The record with this hash, or undefined. */
export function getApiKeyByHash(db: LmdbLayout, hash: string): ApiKeyRecord | undefined {
  const raw = db.keys.getBinary(hash);
  return raw === undefined ? undefined : decodeApiKey(raw);
}

/** Records of one tenant, or all (a scan: keys are few). */
export function listApiKeys(db: LmdbLayout, tenant?: string): ApiKeyRecord[] {
  const out: ApiKeyRecord[] = [];
  for (const { value } of db.keys.getRange({})) {
    const r = decodeApiKey(value);
    if (tenant === undefined || r.tenant === tenant) out.push(r);
  }
  return out;
}

/** Delete the record with this id; false when missing. */
export async function deleteApiKey(db: LmdbLayout, txn: Txn, id: string): Promise<boolean> {
  const match = listApiKeys(db).find((r) => r.id === id);
  if (match === undefined) return false;
  return txn(() => db.keys.removeSync(match.hash));
}

/**
 * Counters from LMDB's own statistics (O(1)); text compression from a bounded sample of 2,000 turn records
 * scaled to the whole (a full scan would be O(turns) per metrics scrape).
 */
export function lmdbStats(db: LmdbLayout): StoreStats {
  const entries = (d: Database<Uint8Array, Key>) => (d.getStats() as { entryCount: number }).entryCount;
  const env = db.env.getStats() as { pageSize?: number; lastPageNumber?: number };
  let textRaw = 0;
  let textStored = 0;
  let n = 0;
  for (const { value } of db.turns.getRange({ limit: 2000 })) {
    textRaw += encodedTurnTextBytes(value);
    textStored += value.byteLength;
    n++;
  }
  const turns = entries(db.turns);
  const scale = n === 0 ? 0 : turns / n;
  return {
    sessions: entries(db.sessions),
    turns,
    tensors: entries(db.tensors),
    bytes: ((env.lastPageNumber ?? 0) + 1) * (env.pageSize ?? 4096),
    text_raw_bytes: Math.round(textRaw * scale),
    text_stored_bytes: Math.round(textStored * scale),
  };
}
