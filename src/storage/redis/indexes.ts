/**
 * @module storage/redis/indexes
 * Everything outside a session's own slot: the listing indexes (`{idx:<tenant>}`), the expiry set (`{expiry}`) and
 * the counters (`{stats:N}`). They are written in a second step, after the session script succeeded, so they can
 * lag or, after a crash between the steps, miss or hold stale entries: readers check every entry against the
 * session itself and drop the stale ones, and the sweeper re-scores or drops expiry entries (docs/internals.md).
 */
import { Cluster } from 'ioredis';
import { siraError } from '../../core/errors.ts';
import type { Page, Session } from '../../core/types.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { ListSessionsOptions, StoreStats } from '../store.ts';
import { STATS_SHARDS, expiryMember, indexMember, parseIndexMember, type KeySpace } from './keys.ts';
import { sessionFromHash, type Purged } from './replies.ts';
import { HINCR_MANY, ZREM_IF_SCORE } from './scripts-aux.ts';
import { runScript, type RedisClient } from './scripts.ts';

const noop = (): void => {};

/** The cross-session indexes and counters of one key space. */
export class RedisIndexes {
  readonly #r: RedisClient;
  readonly #k: KeySpace;
  readonly #pending = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  readonly #openHash: ((h: Record<string, string>) => Promise<Record<string, string>>) | undefined;

  /** `openHash` turns a session hash as stored into one {@link sessionFromHash} reads (sealed metadata opened). */
  constructor(client: RedisClient, keys: KeySpace, openHash?: (h: Record<string, string>) => Promise<Record<string, string>>) {
    this.#r = client;
    this.#k = keys;
    this.#openHash = openHash;
  }

  /** Entries of a session just created. */
  async added(s: Session): Promise<void> {
    const member = indexMember(s.created_at, s.id);
    const steps: Promise<unknown>[] = [this.#r.zadd(this.#k.byTime(s.tenant), 0, member)];
    if (s.user_id !== null) steps.push(this.#r.zadd(this.#k.byUser(s.tenant, s.user_id), 0, member));
    if (s.expires_at !== null) steps.push(this.#r.zadd(this.#k.expiry(), s.expires_at, expiryMember(s.tenant, s.id, s.created_at)));
    this.count({ sessions: 1 });
    await Promise.all(steps);
  }

  /** After an update: move the user entry if the user changed; re-score the expiry entry (or drop it: no TTL). */
  async updated(s: Session, oldUser: string | null): Promise<void> {
    const member = indexMember(s.created_at, s.id);
    const steps: Promise<unknown>[] = [];
    if (oldUser !== s.user_id) {
      if (oldUser !== null) steps.push(this.#r.zrem(this.#k.byUser(s.tenant, oldUser), member));
      if (s.user_id !== null) steps.push(this.#r.zadd(this.#k.byUser(s.tenant, s.user_id), 0, member));
    }
    const em = expiryMember(s.tenant, s.id, s.created_at);
    steps.push(s.expires_at === null ? this.#r.zrem(this.#k.expiry(), em) : this.#r.zadd(this.#k.expiry(), s.expires_at, em));
    await Promise.all(steps);
  }

  /** Entries and counts of a purged session (deleted, expired, or replaced by a new one of the same id). */
  async removed(tenant: string, id: string, p: Purged): Promise<void> {
    const member = indexMember(p.createdAt, id);
    const steps: Promise<unknown>[] = [
      this.#r.zrem(this.#k.byTime(tenant), member),
      this.#r.zrem(this.#k.expiry(), expiryMember(tenant, id, p.createdAt)),
    ];
    if (p.userId !== null) steps.push(this.#r.zrem(this.#k.byUser(tenant, p.userId), member));
    this.count({ sessions: -1, turns: -p.turns, tensors: -p.tensors, text_raw: -p.rawBytes, text_stored: -p.storedBytes });
    await Promise.all(steps);
  }

  /** A page of live sessions, newest first: `(created_at, id)` descending, by lex range on the index. */
  async list(tenant: string, opts: ListSessionsOptions, now: number): Promise<Page<Session>> {
    const limit = opts.limit ?? 100;
    const user = opts.user_id;
    const index = user === undefined ? this.#k.byTime(tenant) : this.#k.byUser(tenant, user);
    let pos = '+';
    if (opts.cursor !== undefined) {
      const c = decodeCursor(opts.cursor);
      if (!Array.isArray(c) || c.length !== 2 || typeof c[0] !== 'number' || typeof c[1] !== 'string') {
        throw siraError('SIRA_ERR_CURSOR_INVALID');
      }
      pos = `(${indexMember(c[0], c[1])}`;
    }
    const items: Session[] = [];
    let last: [number, string] | undefined;
    for (;;) {
      // The entries still needed plus one probe that tells whether there is a next page.
      const want = limit - items.length;
      const batch = await this.#r.zrange(index, pos, '-', 'BYLEX', 'REV', 'LIMIT', 0, want + 1);
      const take = batch.slice(0, want);
      const entries = take.map(parseIndexMember);
      const hashes = await Promise.all(
        entries.map(async (e) => {
          if (e === undefined) return {};
          const h = await this.#r.hgetall(this.#k.session(tenant, e.id).session);
          return this.#openHash === undefined ? h : this.#openHash(h);
        }),
      );
      for (let i = 0; i < take.length; i++) {
        const e = entries[i];
        if (e === undefined) continue;
        last = [e.createdAt, e.id];
        const s = sessionFromHash(hashes[i]!);
        if (s === undefined || s.created_at !== e.createdAt || (user !== undefined && s.user_id !== user)) {
          // Gone (deleted, or dropped by Redis's own expiry), re-created or moved to another user: drop the entry.
          this.#r.zrem(index, take[i]!).catch(noop);
          continue;
        }
        if (s.expires_at !== null && s.expires_at <= now) continue;
        items.push(s);
      }
      if (batch.length <= want) return { items, cursor: null };
      if (items.length === limit) return { items, cursor: last === undefined ? null : encodeCursor(last) };
      pos = `(${take[take.length - 1]!}`;
    }
  }

  /** Expiry entries due at `now` (at most `limit`), as [member, score] pairs. */
  async due(now: number, limit: number): Promise<[string, string][]> {
    const flat = await this.#r.zrange(this.#k.expiry(), '-inf', String(now), 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES');
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
    return out;
  }

  /** The session an expiry entry names is gone: drop the entry and its time entry (user entries go lazily). */
  async gone(member: string, tenant: string, id: string, createdAt: number): Promise<void> {
    await Promise.all([this.#r.zrem(this.#k.expiry(), member), this.#r.zrem(this.#k.byTime(tenant), indexMember(createdAt, id))]);
  }

  /**
   * The session of an expiry entry is still live: writes slid its expiry (entries are a lower bound), so move the
   * entry to `expiresAt`, or drop it when the TTL was cleared, unless it changed since it was read as `score`.
   */
  async rescore(member: string, score: string, expiresAt: string): Promise<void> {
    if (expiresAt === '') await runScript(this.#r, ZREM_IF_SCORE, [this.#k.expiry()], [member, score]);
    else await this.#r.zadd(this.#k.expiry(), 'XX', expiresAt, member);
  }

  /** Drop an expiry entry that is not one of ours. */
  async drop(member: string): Promise<void> {
    await this.#r.zrem(this.#k.expiry(), member);
  }

  /**
   * Add to the counters (best effort). Deltas gather here and go out together at most every 250 ms (and before
   * stats() and close()), so a write costs no extra command; a crash loses at most that window of counts.
   */
  count(deltas: Record<string, number>): void {
    for (const [f, d] of Object.entries(deltas)) if (d !== 0) this.#pending.set(f, (this.#pending.get(f) ?? 0) + d);
    if (this.#pending.size === 0 || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => void this.flush().catch(noop), 250);
    this.#timer.unref();
  }

  /** Send the gathered deltas to a random counter shard, so no one slot takes every write. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const args: string[] = [];
    for (const [f, d] of this.#pending) if (d !== 0) args.push(f, String(d));
    this.#pending.clear();
    if (args.length === 0) return;
    await runScript(this.#r, HINCR_MANY, [this.#k.stats(Math.floor(Math.random() * STATS_SHARDS))], args);
  }

  /** Counters summed over the shards; `bytes` is Redis's used_memory summed over the masters. */
  async stats(): Promise<StoreStats> {
    await this.flush();
    const shards = await Promise.all(Array.from({ length: STATS_SHARDS }, (_, n) => this.#r.hgetall(this.#k.stats(n))));
    const sum = (f: string) => Math.max(0, shards.reduce((a, h) => a + Number(h[f] ?? 0), 0));
    const nodes = this.#r instanceof Cluster ? this.#r.nodes('master') : [this.#r];
    const infos = await Promise.all(nodes.map((n) => n.info('memory')));
    return {
      sessions: sum('sessions'),
      turns: sum('turns'),
      tensors: sum('tensors'),
      bytes: infos.reduce((a, info) => a + Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0), 0),
      text_raw_bytes: sum('text_raw'),
      text_stored_bytes: sum('text_stored'),
    };
  }
}
