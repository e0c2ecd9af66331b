/**
 * @module storage/lmdb/lmdb-core
 * The machinery every LMDB operation shares (storage/lmdb/lmdb-store is its facade): the open layout, the clock,
 * the write transaction in each sync mode, the liveness check, a session write with its indexes moved, the event
 * log's append and trim, and the purge of a session with everything under it. The operations themselves live in
 * ./lmdb-sessions.ts, ./lmdb-turns.ts and ./lmdb-values.ts.
 */
import type { Clock } from '../../core/clock.ts';
import { siraError } from '../../core/errors.ts';
import type { JsonObject, Session, SessionEventType, StateRecord } from '../../core/types.ts';
import { decodeSession, decodeState, encodeEvent, encodeSession } from '../codec/records.ts';
import type { DataKeyring } from '../crypto/keyring.ts';
import { sessionKey } from '../session-records.ts';
import type { TailCache } from '../tail-cache.ts';
import type { Key, LmdbLayout } from './lmdb-open.ts';
import { putScoped, sessionRecordScope } from './lmdb-seal.ts';

/** The highest seq or event id a range scan reaches. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;
const EMPTY = new Uint8Array(0);

/** What the core is built from (resolved options of storage/lmdb/lmdb-store). */
export interface LmdbCoreOptions {
  db: LmdbLayout;
  clock: Clock;
  /** Commit on the calling thread ('os' sync mode) rather than on lmdb-js's write thread. */
  syncCommit: boolean;
  /** Events kept per session (≥ 1). */
  retention: number;
  tail: TailCache | undefined;
  keyring: DataKeyring | undefined;
  compressMin: number;
  maxTensors: number;
}

/** Shared state and helpers of one LMDB store; the operation modules take it as their first argument. */
export class LmdbCore {
  readonly db: LmdbLayout;
  readonly clock: Clock;
  readonly tail: TailCache | undefined;
  readonly keyring: DataKeyring | undefined;
  readonly compressMin: number;
  readonly maxTensors: number;
  /** Set once by the store's close(); every operation checks it first. */
  closed = false;
  readonly #syncCommit: boolean;
  readonly #retention: number;
  /**
   * Newest event id per session written by this process, so an append does not pay a reverse cursor scan for
   * it (~20 µs). Filled inside write transactions only; cleared whenever a transaction fails, so an aborted
   * change can never leave a gap in the ids. Bounded: cleared wholesale past 262,144 entries. Other processes
   * on the environment (`serve --workers`, a CLI import) append too: an entry is only a guess, checked in the
   * write transaction (see #nextEventId).
   */
  readonly #eventIds = new Map<string, number>();

  constructor(o: LmdbCoreOptions) {
    this.db = o.db;
    this.clock = o.clock;
    this.tail = o.tail;
    this.keyring = o.keyring;
    this.compressMin = o.compressMin;
    this.maxTensors = o.maxTensors;
    this.#syncCommit = o.syncCommit;
    this.#retention = o.retention;
  }

  /** Throws SIRA_ERR_STORE_CLOSED once the store is closed. */
  check(): void {
    if (this.closed) throw siraError('SIRA_ERR_STORE_CLOSED');
  }

  /** The live session or undefined (missing or expired); reads inside or outside a transaction. */
  live(tenant: string, id: string, now = this.clock()): Session | undefined {
    const raw = this.db.sessions.getBinary([tenant, id]);
    if (raw === undefined) return undefined;
    const s = decodeSession(raw);
    return s.expires_at !== null && s.expires_at <= now ? undefined : s;
  }

  /** Run `fn` in a write transaction committed as the sync mode asks. */
  txn<T>(fn: () => T): Promise<T> {
    this.check();
    if (this.#syncCommit) {
      // 'os' mode: commit on the calling thread. Without fsync a commit is a few pwrite()s (tens of µs), cheaper
      // than handing the transaction to lmdb-js's write thread and back; the data is in the OS on return.
      try {
        return Promise.resolve(this.db.env.transactionSync(fn));
      } catch (e) {
        this.#eventIds.clear();
        return Promise.reject(e as Error);
      }
    }
    // 'always' mode: fsync must not block the event loop; concurrent transactions share one flush.
    return this.db.env.transaction(fn).catch((e: unknown) => {
      this.#eventIds.clear();
      throw e;
    });
  }

  /** A write transaction committed on lmdb-js's write thread whatever the sync mode (writes nobody waits on). */
  txnBehind<T>(fn: () => T): Promise<T> {
    this.check();
    return this.db.env.transaction(fn);
  }

  /** Write `s` with its indexes moved from `prev` (inside a transaction). */
  writeSession(s: Session, prev: Session | undefined): void {
    const t = s.tenant;
    if (prev !== undefined && prev.expires_at !== s.expires_at && prev.expires_at !== null) {
      this.db.expiry.removeSync([prev.expires_at, t, s.id]);
    }
    if (s.expires_at !== null && prev?.expires_at !== s.expires_at) this.db.expiry.putSync([s.expires_at, t, s.id], EMPTY);
    if (prev !== undefined && prev.user_id !== s.user_id && prev.user_id !== null) {
      this.db.byUser.removeSync([t, prev.user_id, prev.created_at, s.id]);
    }
    if (s.user_id !== null && prev?.user_id !== s.user_id) this.db.byUser.putSync([t, s.user_id, s.created_at, s.id], EMPTY);
    if (prev === undefined) this.db.byTime.putSync([t, s.created_at, s.id], EMPTY);
    putScoped(this.db.sessions, [t, s.id], encodeSession(s), sessionRecordScope(t, s));
  }

  /** Id of the session's newest event, 0 when none (reads inside or outside a transaction). */
  lastEventId(t: string, id: string): number {
    for (const k of this.db.events.getKeys({ start: [t, id, MAX_SEQ], end: [t, id, 0], reverse: true, limit: 1 })) return (k as Key)[2] as number;
    return 0;
  }

  /**
   * The id the session's next event takes (inside the write transaction). Ids are dense from the oldest retained
   * to the newest, so `cached` is still the newest when its event exists and the one after it does not: two point
   * reads instead of the scan. Otherwise another process appended (or deleted and re-created the session) since.
   */
  #nextEventId(t: string, id: string, cached: number | undefined): number {
    if (cached !== undefined && this.db.events.doesExist([t, id, cached]) && !this.db.events.doesExist([t, id, cached + 1])) return cached + 1;
    return this.lastEventId(t, id) + 1;
  }

  /** Append the next event of a session and trim the log to the retention (inside the change's transaction). */
  event(t: string, id: string, type: SessionEventType, at: number, data: JsonObject = {}): void {
    const ck = sessionKey(t, id);
    const next = this.#nextEventId(t, id, this.#eventIds.get(ck));
    this.db.events.putSync([t, id, next], encodeEvent(type, at, data));
    if (this.#eventIds.size >= 262_144) this.#eventIds.clear();
    this.#eventIds.set(ck, next);
    const cut = next - this.#retention; // ids ≤ cut fall out of the window; normally exactly one
    if (cut >= 1) for (const k of this.db.events.getKeys({ start: [t, id, 0], end: [t, id, cut + 1] })) this.db.events.removeSync(k);
  }

  /** Remove a session and everything under it (inside a transaction). */
  purge(s: Session): void {
    const t = s.tenant;
    this.#eventIds.delete(sessionKey(t, s.id));
    for (const key of this.db.turns.getKeys({ start: [t, s.id, 0], end: [t, s.id, MAX_SEQ] })) this.db.turns.removeSync(key);
    for (const key of this.db.tensors.getKeys({ start: [t, s.id, ''], end: [t, s.id, '\uffff'] })) this.db.tensors.removeSync(key);
    for (const key of this.db.events.getKeys({ start: [t, s.id, 0], end: [t, s.id, MAX_SEQ] })) this.db.events.removeSync(key);
    this.db.state.removeSync([t, s.id]);
    if (s.expires_at !== null) this.db.expiry.removeSync([s.expires_at, t, s.id]);
    if (s.user_id !== null) this.db.byUser.removeSync([t, s.user_id, s.created_at, s.id]);
    this.db.byTime.removeSync([t, s.created_at, s.id]);
    this.db.sessions.removeSync([t, s.id]);
    this.tail?.drop(sessionKey(t, s.id));
  }

  /** The session's state record (version 0, empty, when none was written); inside or outside a transaction. */
  readState(tenant: string, id: string): StateRecord {
    const raw = this.db.state.getBinary([tenant, id]);
    return raw === undefined ? { version: 0, value: {}, updated_at: 0 } : decodeState(raw);
  }
}
