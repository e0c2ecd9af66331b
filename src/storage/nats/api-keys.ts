/**
 * @module storage/nats/api-keys
 * API key records in the keys bucket: `h.<sha256 hex>` → the record (codec v1, binary). Keys are few: listing
 * and delete-by-id read them all.
 */
import type { ApiKeyRecord } from '../../core/types.ts';
import { decodeApiKey, encodeApiKey } from '../codec/records.ts';
import { purgeKeys, type Bucket } from './blobs.ts';

/** Store, find, list and delete API key records. */
export class NatsApiKeys {
  readonly #b: Bucket;

  constructor(keys: Bucket) {
    this.#b = keys;
  }

  async put(record: ApiKeyRecord): Promise<void> {
    await this.#b.kv.put(`h.${record.hash}`, encodeApiKey(record));
  }

  async byHash(hash: string): Promise<ApiKeyRecord | undefined> {
    if (!/^[0-9a-f]{1,128}$/i.test(hash)) return undefined;
    const e = await this.#b.kv.get(`h.${hash}`);
    return e === null || e.operation !== 'PUT' ? undefined : decodeApiKey(e.value);
  }

  /** All records (of one tenant when given), by hash. */
  async list(tenant?: string): Promise<ApiKeyRecord[]> {
    const seen = new Set<string>(); // the listing can repeat keys (an ordered consumer recreated midway)
    for await (const k of await this.#b.kv.keys('h.>')) seen.add(k.slice(2));
    const hashes = [...seen].sort();
    const recs = await Promise.all(hashes.map((h) => this.byHash(h)));
    return recs.filter((r): r is ApiKeyRecord => r !== undefined && (tenant === undefined || r.tenant === tenant));
  }

  async delete(id: string): Promise<boolean> {
    const match = (await this.list()).find((r) => r.id === id);
    if (match === undefined) return false;
    return (await purgeKeys(this.#b, `h.${match.hash}`)) > 0;
  }
}
