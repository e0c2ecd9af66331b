/**
 * @module storage/nats/docs
 * Document collections in the docs bucket: `<tenant>.<collection>.<hex id>` → `encodeDoc(version, at, value)`.
 * A versioned put is a compare-and-set on the key's KV revision, retried when another put won the race without
 * changing the version the caller expected (so "exactly one wins per version" holds across instances). Values
 * above the inline limit go to a blob in the data bucket (`d.<tenant>.<collection>.<write>`), the doc holding
 * a reference (first byte 1). A delete leaves a KV delete marker (a compare-and-set base for the next create:
 * see ./blobs.ts `casPublish` on why revisions must not repeat).
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { KvEntry } from '@nats-io/kv';
import type { Page } from '../../core/types.ts';
import { checkDocKey, compareDocIds, decodeDoc, docConflict, docCursor, docPageStart, encodeDoc } from '../docs.ts';
import type { DocRecord, ListDocsOptions } from '../store.ts';
import { casPublish, CHUNK_BYTES, deleteBlob, getBlob, isWrongLastSequence, putBlob, type Bucket } from './blobs.ts';
import { writeId } from './head.ts';
import { hexId, token, unhexId, untoken } from './keys.ts';

const INLINE = 0;
const REF = 1;

/** Documents on NATS KV. */
export class NatsDocs {
  readonly #docs: Bucket;
  readonly #data: Bucket;
  readonly #clock: () => number;
  readonly #js: JetStreamClient;

  constructor(js: JetStreamClient, docs: Bucket, data: Bucket, clock: () => number) {
    this.#js = js;
    this.#docs = docs;
    this.#data = data;
    this.#clock = clock;
  }

  #key(tenant: string, collection: string, id: string): string {
    return `${token(tenant)}.${token(collection)}.${hexId(id)}`;
  }

  async #decode(id: string, e: KvEntry): Promise<DocRecord | undefined> {
    const v = e.value;
    if (v[0] === INLINE) return decodeDoc(id, v.subarray(1));
    const meta = decodeDoc(id, v.subarray(1));
    const value = await getBlob(this.#data.kv, new TextDecoder().decode(meta.value));
    return value === undefined ? undefined : { ...meta, value };
  }

  /** The live entry at `key` and the revision a write must expect (a delete marker's, or 0). */
  async #read(key: string): Promise<{ e: KvEntry | undefined; rev: number }> {
    const e = await this.#docs.kv.get(key);
    return { e: e === null || e.operation !== 'PUT' ? undefined : e, rev: e?.revision ?? 0 };
  }

  async #entry(key: string): Promise<KvEntry | undefined> {
    return (await this.#read(key)).e;
  }

  async put(tenant: string, collection: string, id: string, value: Uint8Array, expected?: number): Promise<DocRecord> {
    checkDocKey(collection, id);
    const key = this.#key(tenant, collection, id);
    let blob: string | undefined;
    if (value.byteLength > CHUNK_BYTES / 2) {
      blob = `d.${token(tenant)}.${token(collection)}.${writeId()}`;
      await putBlob(this.#data.kv, blob, value);
    }
    for (;;) {
      const { e, rev } = await this.#read(key);
      const current = e === undefined ? 0 : decodeDoc(id, e.value.subarray(1)).version;
      if (expected !== undefined && expected !== current) {
        if (blob !== undefined) await deleteBlob(this.#data, blob);
        throw docConflict(expected, current);
      }
      const now = this.#clock();
      const body = blob === undefined ? encodeDoc(current + 1, now, value) : encodeDoc(current + 1, now, new TextEncoder().encode(blob));
      const rec = Buffer.concat([Buffer.of(blob === undefined ? INLINE : REF), body]);
      try {
        await casPublish(this.#js, this.#docs, key, rec, rev);
      } catch (err) {
        if (isWrongLastSequence(err)) continue;
        throw err;
      }
      if (e !== undefined && e.value[0] === REF) await this.#dropBlob(id, e);
      return { id, version: current + 1, updated_at: now, value: Uint8Array.from(value) };
    }
  }

  async #dropBlob(id: string, e: KvEntry): Promise<void> {
    await deleteBlob(this.#data, new TextDecoder().decode(decodeDoc(id, e.value.subarray(1)).value));
  }

  async get(tenant: string, collection: string, id: string): Promise<DocRecord | undefined> {
    checkDocKey(collection, id);
    const e = await this.#entry(this.#key(tenant, collection, id));
    return e === undefined ? undefined : this.#decode(id, e);
  }

  async delete(tenant: string, collection: string, id: string): Promise<boolean> {
    checkDocKey(collection, id);
    const key = this.#key(tenant, collection, id);
    for (;;) {
      const { e, rev } = await this.#read(key);
      if (e === undefined) return false;
      try {
        await casPublish(this.#js, this.#docs, key, new Uint8Array(0), rev, undefined, true);
      } catch (err) {
        if (isWrongLastSequence(err)) continue;
        throw err;
      }
      if (e.value[0] === REF) await this.#dropBlob(id, e);
      return true;
    }
  }

  /** Ids (decoded) of a collection with the prefix, in byte order. */
  async #ids(tenant: string, collection: string, prefix = ''): Promise<string[]> {
    const base = `${token(tenant)}.${token(collection)}.`;
    const hexPrefix = hexId(prefix);
    const out = new Set<string>();
    // A Set: the listing is an ordered consumer, which can repeat keys when it is recreated midway.
    for await (const k of await this.#docs.kv.keys(`${base}>`)) {
      const h = k.slice(base.length);
      if (h.startsWith(hexPrefix)) out.add(h);
    }
    // Hex of UTF-8 sorts like the bytes themselves.
    return [...out].sort().map(unhexId);
  }

  async list(tenant: string, collection: string, opts?: ListDocsOptions): Promise<Page<DocRecord>> {
    checkDocKey(collection);
    const { limit, after } = docPageStart(opts);
    const ids = (await this.#ids(tenant, collection, opts?.prefix)).filter((id) => after === undefined || compareDocIds(id, after) > 0);
    const items: DocRecord[] = [];
    let i = 0;
    for (; i < ids.length && items.length < limit; i++) {
      const d = await this.get(tenant, collection, ids[i]!);
      if (d !== undefined) items.push(d);
    }
    return { items, cursor: i < ids.length && items.length > 0 ? docCursor(items[items.length - 1]!.id) : null };
  }

  /** The collections `tenant` has documents in (for tenant erasure). */
  async collections(tenant: string): Promise<string[]> {
    const base = `${token(tenant)}.`;
    const out = new Set<string>();
    for await (const k of await this.#docs.kv.keys(`${base}>`)) out.add(untoken(k.slice(base.length).split('.')[0]!));
    return [...out];
  }

  async deleteAll(tenant: string, collection: string, prefix?: string): Promise<number> {
    checkDocKey(collection);
    let n = 0;
    for (const id of await this.#ids(tenant, collection, prefix)) if (await this.delete(tenant, collection, id)) n++;
    return n;
  }
}
