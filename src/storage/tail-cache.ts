/**
 * @module storage/tail-cache
 * The hot tier for the most frequent read of all, "the last N turns of a session": a bounded LRU of each active
 * session's newest turns, held as the store's own turn records (storage/codec/turn: the bytes it stored, with any
 * zstd frame decompressed once when it enters), back to back in one buffer per session, and decoded on read. Appends feed it the records they
 * just committed, so an active conversation is read without touching the store.
 * Every entry is tagged with the session's version (`created_at:turn_count`); a read first loads the live
 * session record and uses the entry only when the tags match, so a write from another process, a delete or a
 * re-created id can never be served stale.
 *
 * Why bytes and not decoded turns: a cached turn lives for minutes, so as an object graph (turn, parts, strings,
 * metadata) it survives young-generation collections and every scavenge copies it; that was the known cause of the
 * append p99 (scavenges of 10-46 ms). A session's tail is now one typed array over bytes outside the V8 heap and
 * an array of offsets; what a read decodes dies young, which is what the young generation is cheap for
 * (bench/internal/tail-cache-gc.ts).
 */
import type { Turn } from '../core/types.ts';
import { decodeTurn, inflateTurnRecord } from './codec/turn.ts';

/** Options of the tail cache. */
export interface TailCacheOptions {
  /** Newest turns kept per session. @default 64 */
  turnsPerSession?: number;
  /** Bytes held in all: each entry's buffer (its capacity) plus a small allowance for the objects around it. @default 67108864 (64 MiB) */
  maxBytes?: number;
}

/**
 * One session's tail: its records back to back in one buffer outside the V8 heap. Record `i` (seq `first + i`)
 * spans `starts[i]` up to `starts[i + 1]` (the last one up to `end`); bytes before `starts[0]` belong to records
 * already pushed out and are reclaimed when the buffer is next grown.
 */
interface Entry {
  version: string;
  first: number;
  buf: Uint8Array;
  starts: number[];
  end: number;
  bytes: number;
}

/** Bytes counted for each entry beyond its buffer: the entry, its offsets, the map slot and the key. */
const ENTRY_OVERHEAD = 256;
/** Smallest buffer of an entry that grows by appends. */
const MIN_CAPACITY = 1024;

/** The version tag of a session: changes with every append and when an id is re-created. */
export function tailVersion(createdAt: number, turnCount: number): string {
  return `${createdAt}:${turnCount}`;
}

function weigh(e: Entry): number {
  return e.buf.byteLength + ENTRY_OVERHEAD + e.starts.length * 8;
}

/**
 * Append `records` to `e` (copying them: a store may hand out views into a larger buffer, which the cache must not
 * keep alive). When they do not fit, the live records move to a new buffer: of exactly their size when `exact`
 * (an entry filled from a read, which rarely grows), else with half as much room again for the next appends.
 */
function push(e: Entry, stored: readonly Uint8Array[], exact: boolean): void {
  // zstd frames are decompressed once here, not on every read (a read of the last 20 turns spent most of its time
  // decompressing: `npm run bench -- store`).
  const records = stored.map(inflateTurnRecord);
  let need = 0;
  for (const r of records) need += r.byteLength;
  if (e.end + need > e.buf.byteLength) {
    const from = e.starts[0] ?? e.end;
    const live = e.end - from;
    const grown = new Uint8Array(exact ? live + need : Math.max(MIN_CAPACITY, Math.ceil(1.5 * (live + need))));
    grown.set(e.buf.subarray(from, e.end));
    for (let i = 0; i < e.starts.length; i++) e.starts[i]! -= from;
    e.buf = grown;
    e.end = live;
  }
  for (const r of records) {
    e.starts.push(e.end);
    e.buf.set(r, e.end);
    e.end += r.byteLength;
  }
}

/** A bounded LRU of session tails. */
export class TailCache {
  readonly #perSession: number;
  readonly #maxBytes: number;
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(opts: TailCacheOptions = {}) {
    this.#perSession = opts.turnsPerSession ?? 64;
    this.#maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  }

  /** Bytes held (buffers plus their allowance). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Sessions held. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The cached turns with seq in [from, to] (ascending), freshly decoded (the caller owns them), or undefined
   * unless the entry matches `version` and covers the whole range. Throws SIRA_ERR_CODEC_CORRUPT as decodeTurn does.
   */
  range(key: string, version: string, from: number, to: number): Turn[] | undefined {
    const e = this.#entries.get(key);
    if (e === undefined || e.version !== version || e.starts.length === 0 || from < e.first) {
      this.misses++;
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, e); // most recently used
    this.hits++;
    const out: Turn[] = [];
    const last = Math.min(to, e.first + e.starts.length - 1);
    for (let seq = from; seq <= last; seq++) {
      const i = seq - e.first;
      out.push(decodeTurn(e.buf.subarray(e.starts[i], e.starts[i + 1] ?? e.end), seq));
    }
    return out;
  }

  /** The version and first cached seq of an entry, without counting a hit or touching the LRU order. */
  peek(key: string): { version: string; first: number } | undefined {
    const e = this.#entries.get(key);
    return e === undefined || e.starts.length === 0 ? undefined : { version: e.version, first: e.first };
  }

  /**
   * Record turns just appended, as the records the store wrote (seqs `firstSeq`, `firstSeq + 1`, …; copied):
   * extends the entry when it was at `prevVersion`, else starts a new one.
   */
  appended(key: string, prevVersion: string, version: string, firstSeq: number, records: readonly Uint8Array[]): void {
    if (records.length === 0) return;
    const e = this.#entries.get(key);
    if (e === undefined || e.version !== prevVersion || e.first + e.starts.length !== firstSeq) {
      this.#put(key, version, firstSeq, records, false);
      return;
    }
    // Extend in place (the common case): O(new turns), not O(tail), amortised over the buffer's growth.
    const before = e.bytes;
    push(e, records, false);
    const over = e.starts.length - this.#perSession;
    if (over > 0) {
      e.starts.splice(0, over);
      e.first += over;
    }
    e.version = version;
    e.bytes = weigh(e);
    this.#bytes += e.bytes - before;
    this.#entries.delete(key);
    this.#entries.set(key, e);
    if (e.bytes > this.#maxBytes / 4) this.drop(key);
    this.#evict();
  }

  /**
   * Remember records just read from the store: the newest of a session at `version`, the first with seq
   * `firstSeq` (copied).
   */
  filled(key: string, version: string, firstSeq: number, records: readonly Uint8Array[]): void {
    if (records.length === 0) return;
    const e = this.#entries.get(key);
    if (e !== undefined && e.version === version && e.starts.length >= records.length) return;
    this.#put(key, version, firstSeq, records, true);
  }

  /** Forget a session (deleted, expired, purged). */
  drop(key: string): void {
    const e = this.#entries.get(key);
    if (e === undefined) return;
    this.#bytes -= e.bytes;
    this.#entries.delete(key);
  }

  #put(key: string, version: string, firstSeq: number, records: readonly Uint8Array[], exact: boolean): void {
    this.drop(key);
    const over = Math.max(0, records.length - this.#perSession);
    const e: Entry = { version, first: firstSeq + over, buf: new Uint8Array(0), starts: [], end: 0, bytes: 0 };
    push(e, over > 0 ? records.slice(over) : records, exact);
    e.bytes = weigh(e);
    if (e.bytes > this.#maxBytes / 4) return; // one huge session must not flush everyone else
    this.#entries.set(key, e);
    this.#bytes += e.bytes;
    this.#evict();
  }

  #evict(): void {
    while (this.#bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
  }
}
