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
import { createHash, randomBytes } from 'node:crypto';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { LeaderFence } from './fence.ts';

/** A KV bucket with the manager of its stream (for purges that leave no marker behind). */
export interface Bucket {
  kv: KV;
  jsm: JetStreamManager;
  /** The bucket's name. */
  name: string;
  /** Keeps reads and compare-and-sets fresh across leader changes of the bucket's stream (./fence.ts). */
  fence: LeaderFence;
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

/** Bounds of one compare-and-set publish (see {@link casPublish}). */
export interface CasTiming {
  /** Ms to wait for one ack before sending the same message again. @default 1000 */
  attemptMs: number;
  /** Ms before giving up (the outcome is then unknown). @default 15000 */
  totalMs: number;
}

const DEFAULT_CAS_TIMING: CasTiming = { attemptMs: 1000, totalMs: 15_000 };

/**
 * Write `data` at `key` of bucket `b` only if the key's last revision is still `rev` (0: never written); throws
 * {@link CasLost} when it is not. `del` writes a KV delete marker instead.
 *
 * Why the message id: nats-server 2.9 checks Nats-Expected-Last-Subject-Sequence on a clustered stream's leader
 * before proposing, against the applied state only, so concurrent writers on the same revision all pass
 * (nats-io/nats-server#4320, fixed in 2.9.21/2.10; a test here saw 10 of 10 win on 2.9.10 R3). Every writer on
 * revision `rev` also sends the message id `<subject hash>@<rev>`; the leader stages a message id before it
 * proposes, so exactly one of them is stored and the rest get a duplicate ack, which here means "lost". A writer
 * on an older revision is refused by the expected-sequence check itself. Revisions are stream sequences, never
 * reused, so an id never repeats while it matters (the duplicate window is minutes; a race is milliseconds).
 *
 * Why the resend: while a stream has no leader (the old one was killed, a new one not yet elected) its
 * followers take the request and answer nothing, so a publish waits out its whole timeout. Each attempt here
 * waits `attemptMs` and then sends the same message again — the same id, so at most one copy is ever stored. A
 * duplicate ack is then ours or a rival's: the stored message's `Sira-Write` header (a nonce per call) tells.
 */
export async function casPublish(
  js: JetStreamClient,
  b: Bucket,
  key: string,
  data: Uint8Array,
  rev: number,
  extra?: Record<string, string>,
  del = false,
  timing: CasTiming = DEFAULT_CAS_TIMING,
): Promise<number> {
  const subject = `$KV.${b.name}.${key}`;
  const nonce = randomBytes(9).toString('base64url');
  const msgID = `${createHash('sha256').update(subject).digest('base64url').slice(0, 24)}@${rev}`;
  const deadline = Date.now() + timing.totalMs;
  for (let attempt = 0; ; attempt++) {
    const h = natsHeaders();
    if (del) h.set('KV-Operation', 'DEL');
    h.set('Sira-Write', nonce);
    for (const [k, v] of Object.entries(extra ?? {})) h.set(k, v);
    let ack;
    try {
      // Never decided against a leader that may lag (after a suspected leader change: ./fence.ts); a resend
      // waits for the barrier too, which is answered as soon as a new leader has caught up.
      await b.fence.ready(deadline);
      ack = await js.publish(subject, data, { headers: h, msgID, expect: { lastSubjectSequence: rev }, timeout: timing.attemptMs });
    } catch (err) {
      // A wrong last sequence after a resend may be our own first copy having landed: only a first try knows.
      if (attempt > 0 && isWrongLastSequence(err)) return ownedAt(b, subject, nonce, rev);
      if (!isRetryable(err) || Date.now() > deadline) throw err;
      b.fence.suspect();
      continue;
    }
    if (!ack.duplicate) return ack.seq;
    if (attempt === 0) throw new CasLost(subject, rev);
    return ownedAt(b, subject, nonce, rev, ack.seq);
  }
}

/**
 * A timeout, "no responders" or JetStream's 503 "temporarily unavailable" (10008: no leader yet): the request
 * may not have reached a leader; resending is safe (reads, idempotent puts, or the same message id).
 */
export function isRetryable(err: unknown): boolean {
  const e = err as { name?: string; message?: string; cause?: unknown; code?: unknown } | null;
  if (e?.code === 10008) return true;
  const text = `${e?.name ?? ''} ${e?.message ?? ''} ${(e?.cause as Error | undefined)?.name ?? ''}`;
  return /timeout|no responders|not enabled|temporarily unavailable/i.test(text);
}

/**
 * After a resend was refused: our copy's sequence when the message there carries our nonce. With `seq` (a
 * duplicate ack: the one message stored under this id) a rival's message there means we lost; otherwise — the
 * key moved on, or that message was replaced since — whether ours was stored cannot be told: an error says so.
 */
async function ownedAt(b: Bucket, subject: string, nonce: string, rev: number, seq?: number): Promise<number> {
  let m: Awaited<ReturnType<JetStreamManager['streams']['getMessage']>> = null;
  try {
    // Null when there is no message there any more (replaced); resent while the stream is between leaders.
    m = await retrying((deadline) => b.fence.read(() => b.jsm.streams.getMessage(`KV_${b.name}`, seq === undefined ? { last_by_subj: subject } : { seq }), deadline), undefined, b.fence);
  } catch {
    // Still no answer: the outcome stays unknown, reported below with the rest.
  }
  if (m !== null && m.subject === subject && m.header.get('Sira-Write') === nonce) return m.seq;
  if (seq !== undefined && m !== null && m.subject === subject) throw new CasLost(subject, rev);
  throw new Error(`nats: outcome of the write to ${subject} after revision ${rev} is unknown (resent after a timeout)`);
}

/**
 * Run an idempotent request again after a timeout (no stream leader yet), for at most `totalMs`; each timeout
 * makes `fence` suspect a leader change. `fn` gets the deadline (epoch ms) to bound its own waits by (a barrier).
 */
export async function retrying<T>(fn: (deadline: number) => Promise<T>, totalMs = DEFAULT_CAS_TIMING.totalMs, fence?: LeaderFence): Promise<T> {
  const deadline = Date.now() + totalMs;
  for (;;) {
    try {
      return await fn(deadline);
    } catch (err) {
      if (!isRetryable(err) || Date.now() > deadline) throw err;
      fence?.suspect();
    }
  }
}

/**
 * The bucket's gets and puts, each sent again after a timeout (see {@link casPublish} on why a request to a
 * stream between leaders times out rather than failing) and kept behind `fence` (fresh across leader changes).
 * Gets are reads; the puts made through it are idempotent (a blob's bytes, or create-only), so a second copy
 * changes nothing.
 */
export function resilient(kv: KV, fence: LeaderFence): KV {
  const own: Partial<KV> = {
    get: (k, opts) => retrying((deadline) => fence.read(() => kv.get(k, opts), deadline), undefined, fence),
    put: (k, data, opts) =>
      retrying(
        async (deadline) => {
          await fence.ready(deadline);
          return kv.put(k, data, opts);
        },
        undefined,
        fence,
      ),
  };
  return new Proxy(kv, {
    get(target, prop, receiver) {
      if (prop in own) return own[prop as keyof KV];
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
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

/** Remove a blob and its chunks (`chunked` false: the caller knows it has none, one purge less). */
export async function deleteBlob(b: Bucket, key: string, chunked = true): Promise<void> {
  await Promise.all([purgeKeys(b, key), ...(chunked ? [purgeKeys(b, `${key}.>`)] : [])]);
}
