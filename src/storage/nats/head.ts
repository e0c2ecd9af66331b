/**
 * @module storage/nats/head
 * The session head: one KV value per session holding everything a change must update atomically — the session
 * record, the state, the tensor index, the event counter — plus the one commit not yet rolled forward into the
 * data bucket (`p`: its event, and its turns inline or by reference to a batch blob). Every change is a
 * compare-and-set of the head on its KV revision, so changes to a session are serialised by JetStream's Raft log
 * and a change is acknowledged only once a quorum of the bucket's replicas stored it.
 *
 * Invariant: every commit before the head's `p` has been rolled forward (its turns and event written to their
 * own keys), because a writer rolls `p` forward before it replaces the head. See docs/internals.md.
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject, Session, SessionEvent, SessionEventType } from '../../core/types.ts';

/** A tensor in the head's index: its info and the write id of the blob holding its record. */
export interface TensorRef {
  dtype: string;
  shape: number[];
  byte_length: number;
  updated_at: number;
  /** Write id of the blob `x.….<gen>.<w>`. */
  w: string;
}

/** Turns of the pending commit: the records inline (base64) or in the batch blob `b.….<gen>.<b>`. */
export interface PendingTurns {
  first: number;
  count: number;
  recs?: string[];
  b?: string;
}

/** The commit not yet rolled forward. */
export interface Pending {
  /** Its event (`session_id` is implied by the key). */
  e: { id: number; type: SessionEventType; at: number; data: JsonObject };
  t?: PendingTurns;
}

/** The head record (JSON). */
export interface Head {
  v: 1;
  /** Generation: a fresh random token at every create, so data of a deleted or expired session never shows. */
  g: string;
  /** The session (turn_count and state_version included). */
  s: Session;
  /** Id of the newest event (0: none). */
  ev: number;
  /** The state: value inline, or in the blob `b.….<gen>.<sb>` when large. */
  st: { at: number; val?: JsonObject; sb?: string };
  /** Tensor index by name. */
  tx: Record<string, TensorRef>;
  /** Raw and stored text bytes of the session's turns (for stats). */
  tr: number;
  ts: number;
  p?: Pending;
}

/** A fresh write id or generation token. */
export const writeId = (): string => randomBytes(8).toString('hex');

/** True when the head's session is live at `now`. */
export const isLive = (h: Head, now: number): boolean => h.s.expires_at === null || h.s.expires_at > now;

/** The session slid forward by a write at `now` (updated_at, and expiry when it has a TTL). */
export function slide(s: Session, now: number): Session {
  return { ...s, updated_at: now, expires_at: s.ttl_seconds === null ? null : now + s.ttl_seconds * 1000 };
}

/** The head with one more event (the new pending commit); turns of the commit go in `t`. */
export function withEvent(h: Head, type: SessionEventType, at: number, data: JsonObject = {}, t?: PendingTurns): Head {
  const id = h.ev + 1;
  const next: Head = { ...h, ev: id, p: { e: { id, type, at, data } } };
  if (t !== undefined) next.p!.t = t;
  return next;
}

/** The head with no pending commit (for changes that write no event, after the old one was rolled forward). */
export function withoutEvent(h: Head): Head {
  const next = { ...h };
  delete next.p;
  return next;
}

/** The pending event as a SessionEvent. */
export function pendingEvent(h: Head): SessionEvent | undefined {
  const e = h.p?.e;
  return e === undefined ? undefined : { id: e.id, type: e.type, session_id: h.s.id, at: e.at, data: e.data };
}

/** Write ids of the blobs a head references (batch, large state, tensors): the rest of a generation is garbage. */
export function referencedBlobs(h: Head): string[] {
  const out: string[] = [];
  if (h.p?.t?.b !== undefined) out.push(`b:${h.p.t.b}`);
  if (h.st.sb !== undefined) out.push(`b:${h.st.sb}`);
  for (const t of Object.values(h.tx)) out.push(`x:${t.w}`);
  return out;
}

/** The header line that carries a commit's event to other instances (./event-wakeups.ts). */
export function eventHeader(e: Pending['e']): string {
  return `${e.id} ${e.type} ${e.at} ${JSON.stringify(e.data)}`;
}

/** Parse {@link eventHeader}; undefined when malformed. */
export function parseEventHeader(line: string, sessionId: string): SessionEvent | undefined {
  const m = /^(\d+) (\S+) (-?\d+(?:\.\d+)?) (.*)$/.exec(line);
  if (m === null) return undefined;
  try {
    return { id: Number(m[1]), type: m[2] as SessionEventType, session_id: sessionId, at: Number(m[3]), data: JSON.parse(m[4]!) as JsonObject };
  } catch {
    return undefined;
  }
}
