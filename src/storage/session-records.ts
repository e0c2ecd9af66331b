/**
 * @module storage/session-records
 * What the three backends (LMDB, Redis, NATS) build the same way: a new session record, a patched one, the turns
 * an append returns, the text byte counts of encoded turns, the errors the Store contract names (state version
 * conflict, tensor limit, events gap), and the mapping of driver failures to SIRA_ERR_STORE_FAILED. Pure
 * functions: each backend still decides where and when (in which transaction or script) they run.
 */
import { isSiraError, siraError, type SiraError } from '../core/errors.ts';
import type { NewSession, NewTurn, Session, SessionPatch, Turn } from '../core/types.ts';
import { encodedTurnTextBytes } from './codec/turn.ts';

/** Key of a session in the per-process maps (tail cache, event ids): tenant and id, NUL-joined. */
export const sessionKey = (tenant: string, id: string): string => `${tenant}\u0000${id}`;

/** The record of a session created at `now` from `input` (no turns, state version 0; expiry from the TTL). */
export function newSession(tenant: string, id: string, input: NewSession, now: number): Session {
  const ttl = input.ttl_seconds ?? null;
  return {
    id,
    tenant,
    user_id: input.user_id ?? null,
    agent_id: input.agent_id ?? null,
    metadata: input.metadata ?? {},
    created_at: now,
    updated_at: now,
    expires_at: ttl === null ? null : now + ttl * 1000,
    ttl_seconds: ttl,
    turn_count: 0,
    state_version: 0,
  };
}

/** A copy of `s` with the fields `patch` names replaced (not yet slid forward: the caller does that). */
export function patchedSession(s: Session, patch: SessionPatch): Session {
  const next: Session = { ...s };
  if (patch.user_id !== undefined) next.user_id = patch.user_id;
  if (patch.agent_id !== undefined) next.agent_id = patch.agent_id;
  if (patch.metadata !== undefined) next.metadata = patch.metadata;
  if (patch.ttl_seconds !== undefined) next.ttl_seconds = patch.ttl_seconds;
  return next;
}

/** The session slid forward by a write at `now` (updated_at, and expiry when it has a TTL). */
export function slideSession(s: Session, now: number): Session {
  return { ...s, updated_at: now, expires_at: s.ttl_seconds === null ? null : now + s.ttl_seconds * 1000 };
}

/** The turns an append of `turns` returns once stored from seq `first` at `now` (the inputs, defaults filled in). */
export function appendedTurns(turns: readonly NewTurn[], first: number, now: number): Turn[] {
  return turns.map(
    (t, i): Turn => ({
      seq: first + i,
      role: t.role,
      parts: t.parts,
      name: t.name ?? null,
      agent_id: t.agent_id ?? null,
      metadata: t.metadata ?? null,
      created_at: now,
      importance: t.importance ?? null,
      pinned: t.pinned === true,
    }),
  );
}

/** Text bytes of encoded turn records: `raw` before compression, `stored` as written (the stats counters). */
export function turnTextBytes(records: readonly Uint8Array[]): { raw: number; stored: number } {
  let raw = 0;
  let stored = 0;
  for (const r of records) {
    raw += encodedTurnTextBytes(r);
    stored += r.byteLength;
  }
  return { raw, stored };
}

/** SIRA_ERR_STATE_VERSION_CONFLICT: the state is at `current`, the caller expected `expected`. */
export const stateConflict = (current: number, expected: number | undefined): SiraError =>
  siraError('SIRA_ERR_STATE_VERSION_CONFLICT', `expected version ${String(expected)}, current is ${current}`, { details: { current_version: current } });

/** SIRA_ERR_TENSOR_LIMIT: a new tensor name past `max` per session. */
export const tensorLimit = (max: number): SiraError => siraError('SIRA_ERR_TENSOR_LIMIT', `at most ${max} tensors per session`);

/** SIRA_ERR_EVENTS_GAP: events after `afterId` were trimmed; the oldest kept is `first`. */
export const eventsGap = (afterId: number, first: number): SiraError =>
  siraError('SIRA_ERR_EVENTS_GAP', `events ${afterId + 1}..${first - 1} are no longer retained`, { details: { first_retained_id: first } });

/**
 * Run a driver call, mapping its failures to SIRA_ERR_STORE_FAILED (category system, message prefixed with the
 * `backend`, cause kept); a SiraError thrown inside passes through as it is.
 */
export async function driverCall<T>(backend: string, p: () => Promise<T>): Promise<T> {
  try {
    return await p();
  } catch (err) {
    if (isSiraError(err)) throw err;
    throw siraError('SIRA_ERR_STORE_FAILED', `${backend}: ${(err as Error).message}`, { cause: err });
  }
}
