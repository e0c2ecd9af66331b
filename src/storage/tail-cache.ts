/**
 * @module storage/tail-cache
 * The hot tier for the most frequent read of all, "the last N turns of a session": a bounded LRU of each active
 * session's newest decoded turns. Appends feed it with the turns they just wrote, so an active conversation is
 * read without touching or decoding the store. Every entry is tagged with the session's version
 * (`created_at:turn_count`); a read first loads the live session record and uses the entry only when the tags
 * match, so a write from another process, a delete or a re-created id can never be served stale.
 *
 * Turns handed out are shared with the cache: they are frozen (turn, parts list and parts), and callers must
 * treat them as read-only.
 */
import type { Part, Turn } from '../core/types.ts';

/** Options of the tail cache. */
export interface TailCacheOptions {
  /** Newest turns kept per session. @default 64 */
  turnsPerSession?: number;
  /** Approximate bytes of turns held in all. @default 67108864 (64 MiB) */
  maxBytes?: number;
}

interface Entry {
  version: string;
  turns: Turn[];
  bytes: number;
}

/** The version tag of a session: changes with every append and when an id is re-created. */
export function tailVersion(createdAt: number, turnCount: number): string {
  return `${createdAt}:${turnCount}`;
}

function partBytes(p: Part): number {
  switch (p.type) {
    case 'text':
      return p.text.length * 2;
    case 'tool_call':
      return (p.arguments.length + p.name.length) * 2;
    case 'tool_result':
      return p.content.length * 2;
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
    case 'file':
      return (p.data?.byteLength ?? 0) + JSON.stringify({ ...p, data: undefined }).length * 2;
    case 'tensor':
      return p.name.length * 2;
    default:
      // Rarer parts: their JSON size is close enough, and they are small next to media.
      return JSON.stringify(p).length * 2;
  }
}

function freeze(t: Turn): Turn {
  for (const p of t.parts) Object.freeze(p);
  Object.freeze(t.parts);
  return Object.freeze(t);
}

function weigh(turns: readonly Turn[]): number {
  let n = 0;
  for (const t of turns) {
    n += 200;
    for (const p of t.parts) n += partBytes(p);
  }
  return n;
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

  /** Approximate bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * The cached turns with seq in [from, to] (ascending), or undefined unless the entry matches `version` and
   * covers the whole range.
   */
  range(key: string, version: string, from: number, to: number): Turn[] | undefined {
    const e = this.#entries.get(key);
    if (e === undefined || e.version !== version || e.turns.length === 0 || from < e.turns[0]!.seq) {
      this.misses++;
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, e); // most recently used
    this.hits++;
    const first = e.turns[0]!.seq;
    return e.turns.slice(from - first, to - first + 1);
  }

  /** The version and first cached seq of an entry, without counting a hit or touching the LRU order. */
  peek(key: string): { version: string; first: number } | undefined {
    const e = this.#entries.get(key);
    return e === undefined || e.turns.length === 0 ? undefined : { version: e.version, first: e.turns[0]!.seq };
  }

  /** Record turns just appended: extends the entry when it was at `prevVersion`, else starts a new one. */
  appended(key: string, prevVersion: string, version: string, turns: Turn[]): void {
    const e = this.#entries.get(key);
    if (e === undefined || e.version !== prevVersion) {
      this.#put(key, version, turns.map(freeze));
      return;
    }
    // Extend in place (the common case): O(new turns), not O(tail).
    for (const t of turns) e.turns.push(freeze(t));
    let added = weigh(turns);
    const over = e.turns.length - this.#perSession;
    if (over > 0) added -= weigh(e.turns.splice(0, over));
    e.version = version;
    e.bytes += added;
    this.#bytes += added;
    this.#entries.delete(key);
    this.#entries.set(key, e);
    if (e.bytes > this.#maxBytes / 4) this.drop(key);
    this.#evict();
  }

  /** Remember turns just read from the store (the newest `turns` of a session at `version`). */
  filled(key: string, version: string, turns: Turn[]): void {
    if (turns.length === 0) return;
    const e = this.#entries.get(key);
    if (e !== undefined && e.version === version && e.turns.length >= turns.length) return;
    this.#put(key, version, turns.map(freeze));
  }

  /** Forget a session (deleted, expired, purged). */
  drop(key: string): void {
    const e = this.#entries.get(key);
    if (e === undefined) return;
    this.#bytes -= e.bytes;
    this.#entries.delete(key);
  }

  #put(key: string, version: string, turns: Turn[]): void {
    this.drop(key);
    const tail = turns.length > this.#perSession ? turns.slice(turns.length - this.#perSession) : turns;
    const bytes = weigh(tail);
    if (bytes > this.#maxBytes / 4) return; // one huge session must not flush everyone else
    this.#entries.set(key, { version, turns: tail, bytes });
    this.#bytes += bytes;
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
