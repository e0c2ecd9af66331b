/**
 * @module storage/nats/blobs
 * Values of any size in a KV bucket. NATS caps one message at the server's `max_payload` (1 MiB by default), so a
 * value above {@link CHUNK_BYTES} is stored as chunks `<key>.c<i>` written first and a manifest at `<key>` written
 * last: a reader that finds the manifest finds every chunk. First byte of the value at `<key>`: 0 = the bytes
 * follow inline, 1 = manifest (u32 LE chunk count, u32 LE total length).
 *
 * A blob is written once under a key no other write uses (a fresh write id, or a seq/event id that the session
 * head made this writer's), so a put that repeats (two processes rolling the same commit forward) writes the
 * same bytes. `createOnly` turns a repeat into a no-op (expected last subject sequence 0).
 */
import { createHash } from 'node:crypto';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { headers as natsHeaders } from '@nats-io/transport-node';

/** A KV bucket with the manager of its stream (for purges that leave no marker behind). */
export interface Bucket {
  kv: KV;
  jsm: JetStreamManager;
  /** The bucket's name. */
  name: string;
}

/**
 * Remove every message under a key filter of the bucket (`a.b.>` or one key) from its stream: unlike a KV delete
 * or purge, this leaves no marker, so removed keys cost nothing afterwards.
 */
export async function purgeKeys(b: Bucket, filter: string): Promise<number> {
  const r = await b.jsm.streams.purge(`KV_${b.name}`, { filter: `$KV.${b.name}.${filter}` });
  return r.purged;
}

/** Largest chunk (and largest inline value). */
export const CHUNK_BYTES = 512 * 1024;

/** True when `err` is JetStream's "wrong last sequence" (a compare-and-set that lost). */
export function isWrongLastSequence(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 10071 || code === 10164 || /wrong last sequence/i.test((err as Error | null)?.message ?? '');
}

/** A compare-and-set that lost (the same code JetStream answers a wrong expected sequence with). */
export class CasLost extends Error {
  readonly code = 10071;
  constructor(subject: string, rev: number) {
    super(`wrong last sequence: ${subject} moved past ${rev}`);
  }
}

/**
 * Write `data` on `subject` (a KV key's subject) only if the key's last revision is still `rev` (0: never
 * written); throws {@link CasLost} when it is not. `del` writes a KV delete marker instead.
 *
 * Why the message id: nats-server 2.9 checks Nats-Expected-Last-Subject-Sequence on a clustered stream's leader
 * before proposing, against the applied state only, so concurrent writers on the same revision all pass
 * (nats-io/nats-server#4320, fixed in 2.9.21/2.10; a test here saw 10 of 10 win on 2.9.10 R3). Every writer on
 * revision `rev` also sends the message id `<subject hash>@<rev>`; the leader stages a message id before it
 * proposes, so exactly one of them is stored and the rest get a duplicate ack, which here means "lost". A writer
 * on an older revision is refused by the expected-sequence check itself. Revisions are stream sequences, never
 * reused, so an id never repeats while it matters (the duplicate window is minutes; a race is milliseconds).
 */
export async function casPublish(js: JetStreamClient, subject: string, data: Uint8Array, rev: number, extra?: Record<string, string>, del = false): Promise<number> {
  const h = natsHeaders();
  if (del) h.set('KV-Operation', 'DEL');
  for (const [k, v] of Object.entries(extra ?? {})) h.set(k, v);
  const msgID = `${createHash('sha256').update(subject).digest('base64url').slice(0, 24)}@${rev}`;
  const ack = await js.publish(subject, data, { headers: h, msgID, expect: { lastSubjectSequence: rev } });
  if (ack.duplicate) throw new CasLost(subject, rev);
  return ack.seq;
}

/** Write `bytes` at `key` (see the module note). */
export async function putBlob(kv: KV, key: string, bytes: Uint8Array, createOnly = false): Promise<void> {
  let head: Uint8Array;
  if (bytes.byteLength <= CHUNK_BYTES) {
    head = new Uint8Array(bytes.byteLength + 1);
    head.set(bytes, 1);
  } else {
    const n = Math.ceil(bytes.byteLength / CHUNK_BYTES);
    const puts: Promise<number>[] = [];
    for (let i = 0; i < n; i++) puts.push(kv.put(`${key}.c${i}`, bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES)));
    await Promise.all(puts);
    head = new Uint8Array(9);
    head[0] = 1;
    const dv = new DataView(head.buffer);
    dv.setUint32(1, n, true);
    dv.setUint32(5, bytes.byteLength, true);
  }
  try {
    await kv.put(key, head, createOnly ? { previousSeq: 0 } : undefined);
  } catch (err) {
    if (!(createOnly && isWrongLastSequence(err))) throw err;
  }
}

/** The blob at `key` (a fresh copy the caller owns), or undefined when it is missing or incomplete. */
export async function getBlob(kv: KV, key: string): Promise<Uint8Array | undefined> {
  const e = await kv.get(key);
  if (e === null || e.operation !== 'PUT' || e.value.byteLength === 0) return undefined;
  const v = e.value;
  if (v[0] === 0) return v.slice(1);
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const n = dv.getUint32(1, true);
  const total = dv.getUint32(5, true);
  const chunks = await Promise.all(Array.from({ length: n }, (_, i) => kv.get(`${key}.c${i}`)));
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    if (c === null || c.operation !== 'PUT') return undefined;
    out.set(c.value, at);
    at += c.value.byteLength;
  }
  return at === total ? out : undefined;
}

/** Remove a blob and its chunks. */
export async function deleteBlob(b: Bucket, key: string): Promise<void> {
  await Promise.all([purgeKeys(b, key), purgeKeys(b, `${key}.>`)]);
}
