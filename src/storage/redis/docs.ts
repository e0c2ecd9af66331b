/**
 * @module storage/redis/docs
 * Document collections on Redis: one hash (id → doc record, storage/docs) and one sorted set of ids (all scores
 * 0, so ZRANGEBYLEX lists in byte order) per tenant collection, both under the tag `{doc:<tenant>/<collection>}`
 * so a versioned put is one atomic script. A collection lives on one shard of a Cluster.
 */
import type { Page } from '../../core/types.ts';
import { checkDocKey, decodeDoc, docConflict, docCursor, docPageStart, encodeDoc } from '../docs.ts';
import type { DocRecord, ListDocsOptions } from '../store.ts';
import type { KeySpace } from './keys.ts';
import type { RedisSealer } from './sealing.ts';
import { DOC_DEL, DOC_PUT } from './scripts-aux.ts';
import { runScript, type RedisClient, type ReplicaWait } from './scripts.ts';

/** Escape a string for a ZRANGEBYLEX bound (the bound is raw bytes after `[` or `(`). */
const lexStart = (after: string | undefined, prefix: string): string =>
  after !== undefined && Buffer.compare(Buffer.from(after), Buffer.from(prefix)) >= 0 ? `(${after}` : prefix === '' ? '-' : `[${prefix}`;

function takeWhilePrefix(ids: string[], prefix: string): string[] {
  if (prefix === '') return ids;
  const end = ids.findIndex((id) => !id.startsWith(prefix));
  return end === -1 ? ids : ids.slice(0, end);
}

export class RedisDocs {
  readonly #r: RedisClient;
  readonly #k: KeySpace;
  readonly #now: () => number;
  readonly #wait: ReplicaWait | undefined;

  readonly #sealer: RedisSealer | undefined;

  constructor(client: RedisClient, keys: KeySpace, now: () => number, wait?: ReplicaWait, sealer?: RedisSealer) {
    this.#sealer = sealer;
    this.#r = client;
    this.#k = keys;
    this.#now = now;
    this.#wait = wait;
  }

  async put(tenant: string, collection: string, id: string, value: Uint8Array, expectedVersion: number | undefined): Promise<DocRecord> {
    checkDocKey(collection, id);
    const now = this.#now();
    // The script reads the current version from the record's first 4 bytes and writes the new record whole.
    const rec = encodeDoc(0, now, this.#sealer === undefined ? value : await this.#sealer.seal(tenant, 'docs', value));
    const reply = await runScript(this.#r, DOC_PUT, [this.#k.docs(tenant, collection), this.#k.docIds(tenant, collection)], [
      id,
      expectedVersion === undefined ? '' : String(expectedVersion),
      rec,
    ], this.#wait);
    const status = Number(reply[0]);
    const version = Number(reply[1]);
    if (status !== 1) throw docConflict(expectedVersion ?? -1, version);
    return { id, version, updated_at: now, value: Uint8Array.from(value) };
  }

  async get(tenant: string, collection: string, id: string): Promise<DocRecord | undefined> {
    checkDocKey(collection, id);
    const raw = await this.#r.hgetBuffer(this.#k.docs(tenant, collection), id);
    return raw === null ? undefined : this.#open(decodeDoc(id, raw));
  }

  /** The document with its value opened; undefined when its key was destroyed. */
  async #open(d: DocRecord): Promise<DocRecord | undefined> {
    if (this.#sealer === undefined) return d;
    const value = await this.#sealer.open('docs', Buffer.from(d.value.buffer, d.value.byteOffset, d.value.byteLength));
    return value === undefined ? undefined : { ...d, value: new Uint8Array(value) };
  }

  async delete(tenant: string, collection: string, id: string): Promise<boolean> {
    checkDocKey(collection, id);
    const reply = await runScript(this.#r, DOC_DEL, [this.#k.docs(tenant, collection), this.#k.docIds(tenant, collection)], [id], this.#wait);
    return Number(reply[0]) === 1;
  }

  async list(tenant: string, collection: string, opts: ListDocsOptions | undefined): Promise<Page<DocRecord>> {
    checkDocKey(collection);
    const { limit, after } = docPageStart(opts);
    const prefix = opts?.prefix ?? '';
    const items: DocRecord[] = [];
    let start = lexStart(after, prefix);
    let more = false;
    // Ids are sorted, so the first one outside the prefix ends the scan. Ids deleted between the range read and
    // the hash read are skipped, and the scan reads on until the page (plus one, to know there is more) is full.
    for (;;) {
      const want = limit + 1 - items.length;
      const got = await this.#r.zrangebylex(this.#k.docIds(tenant, collection), start, '+', 'LIMIT', 0, want);
      const ids = takeWhilePrefix(got, prefix);
      if (ids.length === 0) break;
      const raws = await this.#r.hmgetBuffer(this.#k.docs(tenant, collection), ...ids);
      for (let i = 0; i < ids.length && !more; i++) {
        const raw = raws[i];
        if (raw === null || raw === undefined) continue;
        if (items.length === limit) more = true;
        else {
          const d = await this.#open(decodeDoc(ids[i]!, raw));
          if (d !== undefined) items.push(d);
        }
      }
      if (more || ids.length < got.length || got.length < want) break;
      start = `(${ids[ids.length - 1]!}`;
    }
    return { items, cursor: more ? docCursor(items[items.length - 1]!.id) : null };
  }

  async deleteAll(tenant: string, collection: string, prefix: string | undefined): Promise<number> {
    checkDocKey(collection);
    let n = 0;
    const start = prefix === undefined || prefix === '' ? '-' : `[${prefix}`;
    for (;;) {
      const ids = takeWhilePrefix(await this.#r.zrangebylex(this.#k.docIds(tenant, collection), start, '+', 'LIMIT', 0, 500), prefix ?? '');
      if (ids.length === 0) return n;
      const reply = await runScript(this.#r, DOC_DEL, [this.#k.docs(tenant, collection), this.#k.docIds(tenant, collection)], ids, this.#wait);
      n += Number(reply[0]);
    }
  }
}
