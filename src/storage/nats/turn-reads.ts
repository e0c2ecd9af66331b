/**
 * @module storage/nats/turn-reads
 * Reading turns on NATS with a per-process tail cache (../tail-cache.ts). A turn record is written once, under a
 * key that names the session's generation and the seq (create-only, ./session-data.ts), so the decoded turn at
 * (generation, seq) never changes: any cached copy of it is current (the cache holds the records, decoded on read). The head, read from the stream leader on
 * every call, says which generation is live and how many turns it has; the cache then serves every seq it holds
 * and only the newer ones are read from the data bucket (usually none: this process appended them, or one or two
 * another instance appended). A read of the last 20 turns of an active session is one head read, not 21 gets.
 *
 * Entries are tagged `<generation>:<turn count>`; an entry of another generation (deleted and re-created, or
 * expired) is never used.
 */
import type { Turn } from '../../core/types.ts';
import { decodeTurn } from '../codec/turn.ts';
import { TailCache, type TailCacheOptions } from '../tail-cache.ts';
import type { Head } from './head.ts';
import type { SessionData } from './session-data.ts';

/** The tag of a session's tail: its generation and turn count. */
const tag = (gen: string, turnCount: number): string => `${gen}:${turnCount}`;
const key = (tenant: string, id: string): string => `${tenant}\u0000${id}`;

/** Turn reads through a tail cache (or straight from the data bucket when the cache is off). */
export class NatsTurnReads {
  readonly #data: SessionData;
  readonly #tail: TailCache | undefined;
  /** Most turns fetched to bring a cached tail up to date; more and the range is read whole. */
  readonly #catchUp: number;

  constructor(data: SessionData, opts: TailCacheOptions | false = {}) {
    this.#data = data;
    this.#tail = opts === false ? undefined : new TailCache(opts);
    this.#catchUp = opts === false ? 0 : (opts.turnsPerSession ?? 64);
  }

  /** The cache (tests, metrics); undefined when off. */
  get cache(): TailCache | undefined {
    return this.#tail;
  }

  /**
   * Turns `lo..hi` (inclusive, `hi` ≤ the head's turn count) of the live head `h`; undefined when a record the
   * head promises is missing (a writer replaced a blob meanwhile: read the head again).
   */
  async read(tenant: string, id: string, h: Head, lo: number, hi: number): Promise<Turn[] | undefined> {
    if (hi < lo) return [];
    const k = key(tenant, id);
    const n = h.s.turn_count;
    const entry = this.#tail?.peek(k);
    if (entry !== undefined && entry.version.startsWith(`${h.g}:`) && lo >= entry.first) {
      const cached = Number(entry.version.slice(h.g.length + 1));
      // Seqs up to `cached` are immutable: the entry serves them whatever the head's count is now.
      if (hi <= cached) {
        const hit = this.#tail!.range(k, entry.version, lo, hi);
        if (hit !== undefined) return hit;
      } else if (cached < n && lo <= cached + 1 && n - cached <= this.#catchUp) {
        const newer = await this.#data.turns(tenant, id, h, cached + 1, n);
        if (newer === undefined) return undefined;
        this.#tail!.appended(k, entry.version, tag(h.g, n), cached + 1, newer);
        const hit = this.#tail!.range(k, tag(h.g, n), lo, hi);
        if (hit !== undefined) return hit;
      }
    }
    const recs = await this.#data.turns(tenant, id, h, lo, hi);
    if (recs === undefined) return undefined;
    if (hi === n) this.#tail?.filled(k, tag(h.g, n), lo, recs);
    return recs.map((r, i) => decodeTurn(r, lo + i));
  }

  /** The records this process just committed after `prevCount` under generation `gen` (the cache copies them). */
  appended(tenant: string, id: string, gen: string, prevCount: number, records: readonly Uint8Array[]): void {
    if (this.#tail === undefined || records.length === 0) return;
    this.#tail.appended(key(tenant, id), tag(gen, prevCount), tag(gen, prevCount + records.length), prevCount + 1, records);
  }

  /** Forget a session (deleted here). */
  forget(tenant: string, id: string): void {
    this.#tail?.drop(key(tenant, id));
  }
}
