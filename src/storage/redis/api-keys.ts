/**
 * @module storage/redis/api-keys
 * API key records under the `{keys}` tag: `…{keys}:h:<sha256 hex>` → the record (codec v1, binary), and the set
 * `…{keys}:all` of every hash, both in one slot so a put or delete changes them together.
 */
import type { ApiKeyRecord } from '../../core/types.ts';
import { decodeApiKey, encodeApiKey } from '../codec/records.ts';
import type { KeySpace } from './keys.ts';
import { API_KEY } from './scripts-aux.ts';
import { buf, runScript, type RedisClient } from './scripts.ts';

/** Store, find, list and delete API key records. */
export class RedisApiKeys {
  readonly #r: RedisClient;
  readonly #k: KeySpace;

  constructor(client: RedisClient, keys: KeySpace) {
    this.#r = client;
    this.#k = keys;
  }

  async put(record: ApiKeyRecord): Promise<void> {
    await runScript(this.#r, API_KEY, [this.#k.apiKey(record.hash), this.#k.apiKeys()], [record.hash, buf(encodeApiKey(record))]);
  }

  async byHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const raw = await this.#r.getBuffer(this.#k.apiKey(hash));
    return raw === null ? undefined : decodeApiKey(raw);
  }

  /** All records (of one tenant when given), by hash. */
  async list(tenant?: string): Promise<ApiKeyRecord[]> {
    const hashes = (await this.#r.smembers(this.#k.apiKeys())).sort();
    const out: ApiKeyRecord[] = [];
    for (let i = 0; i < hashes.length; i += 500) {
      const raws = await this.#r.mgetBuffer(...hashes.slice(i, i + 500).map((h) => this.#k.apiKey(h)));
      for (const raw of raws) {
        if (raw === null) continue;
        const r = decodeApiKey(raw);
        if (tenant === undefined || r.tenant === tenant) out.push(r);
      }
    }
    return out;
  }

  /** Delete by key id (a scan of the records, as in LMDB: keys are few); false when missing. */
  async delete(id: string): Promise<boolean> {
    const match = (await this.list()).find((r) => r.id === id);
    if (match === undefined) return false;
    return Number(await runScript(this.#r, API_KEY, [this.#k.apiKey(match.hash), this.#k.apiKeys()], [match.hash, ''])) === 1;
  }
}
