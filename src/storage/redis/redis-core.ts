/**
 * @module storage/redis/redis-core
 * The machinery every Redis operation shares (storage/redis/redis-store is its facade): the client and key
 * layout, the clock, driver calls mapped to SIRA_ERR_STORE_FAILED, script runs (with WAIT under durability
 * `replicated`), the GC expiry base, the clean-up after a purge, and sealing of values when master keys are set.
 * The operations themselves live in ./redis-sessions.ts, ./redis-turns.ts and ./redis-values.ts.
 */
import type { Clock } from '../../core/clock.ts';
import { siraError } from '../../core/errors.ts';
import { driverCall, sessionKey } from '../session-records.ts';
import type { TailCache } from '../tail-cache.ts';
import { RedisIndexes } from './indexes.ts';
import type { KeySpace, SessionKeys } from './keys.ts';
import type { Purged } from './replies.ts';
import * as S from './scripts.ts';
import type { RedisClient, Script, ScriptArg } from './scripts.ts';
import type { RedisSealer } from './sealing.ts';

/** What the core is built from (resolved options of storage/redis/redis-store). */
export interface RedisCoreOptions {
  client: RedisClient;
  keys: KeySpace;
  clock: Clock;
  compressMin: number;
  maxTensors: number;
  /** Ms past a session's expiry (real clock) before Redis itself drops its keys. */
  grace: number;
  /** Events kept per session, as the scripts take it. */
  retention: string;
  tail: TailCache | undefined;
  wait: S.ReplicaWait | undefined;
  sealer: RedisSealer | undefined;
}

/** Shared state and helpers of one Redis store; the operation modules take it as their first argument. */
export class RedisCore {
  readonly r: RedisClient;
  readonly k: KeySpace;
  readonly clock: Clock;
  readonly compressMin: number;
  readonly maxTensors: number;
  readonly retention: string;
  readonly tail: TailCache | undefined;
  readonly wait: S.ReplicaWait | undefined;
  readonly sealer: RedisSealer | undefined;
  readonly ix: RedisIndexes;
  /** Set once by the store's close(); every operation checks it first. */
  closed = false;
  readonly #grace: number;

  constructor(o: RedisCoreOptions) {
    this.r = o.client;
    this.k = o.keys;
    this.clock = o.clock;
    this.compressMin = o.compressMin;
    this.maxTensors = o.maxTensors;
    this.retention = o.retention;
    this.tail = o.tail;
    this.wait = o.wait;
    this.sealer = o.sealer;
    this.#grace = o.grace;
    this.ix = new RedisIndexes(o.client, o.keys, o.sealer === undefined ? undefined : (h) => this.openHash(h));
  }

  /** Throws SIRA_ERR_STORE_CLOSED once the store is closed. */
  check(): void {
    if (this.closed) throw siraError('SIRA_ERR_STORE_CLOSED');
  }

  /** Run a command, mapping driver failures to SIRA_ERR_STORE_FAILED (category system, cause kept). */
  async do<T>(p: () => Promise<T>): Promise<T> {
    this.check();
    return driverCall('redis', p);
  }

  /** Run a script that only reads. */
  run(s: Script, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown[]> {
    return this.do(() => S.runScript(this.r, s, keys, args));
  }

  /** {@link run} for a script that changes data: under durability `replicated`, followed by WAIT. */
  write(s: Script, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown[]> {
    return this.do(() => S.runScript(this.r, s, keys, args, this.wait));
  }

  /** The keys of a session, in the order the session scripts take them. */
  sk(tenant: string, id: string): string[] {
    const k: SessionKeys = this.k.session(tenant, id);
    return [k.session, k.turns, k.state, k.tensors, k.tinfo, k.events];
  }

  /** Base of PEXPIREAT: the real clock plus the grace (not the injected clock; see storage/redis/redis-store). */
  gc(): string {
    return String(Date.now() + this.#grace);
  }

  /** Index and counter clean-up after a purge; forgets the cached tail. */
  purged(tenant: string, id: string, p: Purged): Promise<void> {
    this.tail?.drop(sessionKey(tenant, id));
    this.sealer?.forgetOpened();
    return this.do(() => this.ix.removed(tenant, id, p));
  }

  /** Add to the counters unless closed (best effort). */
  count(deltas: Record<string, number>): void {
    if (!this.closed) this.ix.count(deltas);
  }

  /** A session hash with its metadata opened; empty (a missing session) when its key was destroyed. */
  async openHash(h: Record<string, string>): Promise<Record<string, string>> {
    if (this.sealer === undefined || h.md === undefined || !h.md.startsWith('~')) return h;
    const md = await this.sealer.openText('sessions', h.md);
    return md === undefined ? {} : { ...h, md };
  }

  /** Session metadata JSON, sealed under the tenant's key when sealing is on. */
  sealMd(tenant: string, json: string): Promise<string> {
    return this.sealer === undefined ? Promise.resolve(json) : this.sealer.sealText(tenant, 'sessions', json);
  }

  /** Bytes sealed under the tenant's key when sealing is on (else as they are). */
  seal(tenant: string, what: string, b: Uint8Array): Promise<Uint8Array> {
    return this.sealer === undefined ? Promise.resolve(b) : this.sealer.seal(tenant, what, b);
  }

  /** A stored value opened (as it is when sealing is off); undefined when its key was destroyed. */
  async open(what: string, b: Buffer): Promise<Buffer | undefined> {
    return this.sealer === undefined ? b : this.sealer.open(what, b);
  }
}
