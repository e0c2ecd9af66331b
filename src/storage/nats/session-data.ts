/**
 * @module storage/nats/session-data
 * The data bucket side of a session: rolling the head's pending commit forward into per-turn and per-event keys,
 * reading turns and events back (the pending commit from the head itself), and trimming the event log to its
 * retention. Readers that race a writer can find a blob the writer just replaced; they report `undefined` and
 * the store reads the head again.
 */
import type { JsonObject, SessionEvent } from '../../core/types.ts';
import { getBlob, putBlob, type Bucket, isWrongLastSequence } from './blobs.ts';
import { pendingEvent, type Head } from './head.ts';
import { GenKeys } from './keys.ts';

/** Stored form of an event in the data bucket. */
interface StoredEvent {
  i: number;
  t: SessionEvent['type'];
  a: number;
  d: JsonObject;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Turns of a pending batch, decoded from the head or read from its batch blob; undefined when it is gone. */
export async function pendingRecords(data: Bucket, keys: GenKeys, h: Head): Promise<Uint8Array[] | undefined> {
  const t = h.p?.t;
  if (t === undefined) return [];
  if (t.recs !== undefined) return t.recs.map((r) => Buffer.from(r, 'base64'));
  const raw = await getBlob(data.kv, keys.batch(t.b!));
  return raw === undefined ? undefined : splitBatch(raw);
}

/** Length-prefixed records in one buffer (u32 LE length, bytes). */
export function joinBatch(recs: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const r of recs) n += 4 + r.byteLength;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  let at = 0;
  for (const r of recs) {
    dv.setUint32(at, r.byteLength, true);
    out.set(r, at + 4);
    at += 4 + r.byteLength;
  }
  return out;
}

/** Inverse of {@link joinBatch} (views into `raw`). */
export function splitBatch(raw: Uint8Array): Uint8Array[] {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: Uint8Array[] = [];
  for (let at = 0; at < raw.byteLength; ) {
    const n = dv.getUint32(at, true);
    out.push(raw.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

/** Options of {@link SessionData}. */
export interface SessionDataOptions {
  retention: number;
}

/** Roll-forward, reads and trimming of sessions' data keys. */
export class SessionData {
  readonly #data: Bucket;
  readonly #retention: number;
  /** Trim when an event id is a multiple of this: trimming costs a read and a purge, so not on every event. */
  readonly #trimEvery: number;

  constructor(data: Bucket, opts: SessionDataOptions) {
    this.#data = data;
    this.#retention = opts.retention;
    this.#trimEvery = Math.max(1, Math.min(64, Math.ceil(opts.retention / 4)));
  }

  /**
   * Write the head's pending commit to its own keys (idempotent: every key is written create-only with the same
   * bytes, so two processes doing it at once, or a retry after a crash, agree). Throws when a batch blob it needs
   * is gone — only possible when a later commit already rolled it forward.
   */
  async rollForward(tenant: string, id: string, h: Head): Promise<void> {
    const p = h.p;
    if (p === undefined) return;
    const keys = new GenKeys(tenant, id, h.g);
    const writes: Promise<unknown>[] = [];
    if (p.t !== undefined) {
      const recs = await pendingRecords(this.#data, keys, h);
      if (recs !== undefined) recs.forEach((r, i) => writes.push(putBlob(this.#data.kv, keys.turn(p.t!.first + i), r, true)));
    }
    const ev: StoredEvent = { i: p.e.id, t: p.e.type, a: p.e.at, d: p.e.data };
    writes.push(putBlob(this.#data.kv, keys.event(p.e.id), encoder.encode(JSON.stringify(ev)), true));
    await Promise.all(writes);
    if (p.e.id % this.#trimEvery === 0 && p.e.id > this.#retention) await this.#trim(keys, p.e.id - this.#retention + 1);
  }

  /**
   * Drop events before `firstKept`: a stream purge of the generation's event keys below the stream sequence of
   * event `firstKept`. Events are first written in id order (each before the next commit), so every older event's
   * message precedes it; a late repeat of an old event (a slow roll-forward) lands after it and is dropped by a
   * later trim — readers never look below the retention window, so it is only garbage meanwhile.
   */
  async #trim(keys: GenKeys, firstKept: number): Promise<void> {
    const e = await this.#data.kv.get(keys.event(firstKept));
    if (e === null) return;
    await this.#data.jsm.streams.purge(`KV_${this.#data.name}`, { filter: `$KV.${this.#data.name}.${keys.eventFilter()}`, seq: e.revision });
  }

  /** Records of turns `lo..hi` (inclusive) under head `h`; undefined when one is missing (re-read the head). */
  async turns(tenant: string, id: string, h: Head, lo: number, hi: number): Promise<Uint8Array[] | undefined> {
    if (hi < lo) return [];
    const keys = new GenKeys(tenant, id, h.g);
    const t = h.p?.t;
    const pendingFirst = t === undefined ? Number.POSITIVE_INFINITY : t.first;
    let pending: Promise<Uint8Array[] | undefined> | undefined;
    const one = async (seq: number): Promise<Uint8Array | undefined> => {
      if (seq >= pendingFirst && t?.recs !== undefined) return Buffer.from(t.recs[seq - t.first]!, 'base64');
      const got = await getBlob(this.#data.kv, keys.turn(seq));
      if (got !== undefined || seq < pendingFirst) return got;
      pending ??= pendingRecords(this.#data, keys, h);
      return (await pending)?.[seq - t!.first];
    };
    const out: Uint8Array[] = [];
    // Bounded fan-out: a long range is read in windows of parallel gets.
    for (let at = lo; at <= hi; at += 256) {
      const got = await Promise.all(Array.from({ length: Math.min(256, hi - at + 1) }, (_, i) => one(at + i)));
      for (const g of got) {
        if (g === undefined) return undefined;
        out.push(g);
      }
    }
    return out;
  }

  /**
   * Events `afterId+1 .. min(h.ev, afterId+limit)` under head `h`; undefined when one is missing (trimmed meanwhile:
   * re-read the head). The caller has checked the retention window.
   */
  async events(tenant: string, id: string, h: Head, afterId: number, limit: number): Promise<SessionEvent[] | undefined> {
    const last = Math.min(h.ev, afterId + limit);
    if (last <= afterId) return [];
    const keys = new GenKeys(tenant, id, h.g);
    const pe = pendingEvent(h);
    const one = async (eid: number): Promise<SessionEvent | undefined> => {
      if (pe !== undefined && pe.id === eid) return pe;
      const raw = await getBlob(this.#data.kv, keys.event(eid));
      if (raw === undefined) return undefined;
      const e = JSON.parse(decoder.decode(raw)) as StoredEvent;
      return { id: e.i, type: e.t, session_id: id, at: e.a, data: e.d };
    };
    const got = await Promise.all(Array.from({ length: last - afterId }, (_, i) => one(afterId + 1 + i)));
    return got.includes(undefined) ? undefined : (got as SessionEvent[]);
  }

  /** First event id still retained under head `h`. */
  firstRetained(h: Head): number {
    return Math.max(1, h.ev - this.#retention + 1);
  }

  /** Write a blob of this generation under a fresh key (batches, large state). */
  putBlob(key: string, bytes: Uint8Array): Promise<void> {
    return putBlob(this.#data.kv, key, bytes);
  }

  /** Read a blob. */
  getBlob(key: string): Promise<Uint8Array | undefined> {
    return getBlob(this.#data.kv, key);
  }
}

export { isWrongLastSequence };
