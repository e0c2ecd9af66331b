/**
 * @module bench/peers/adapter
 * The one interface every system of the side-by-side peer benchmark implements (bench/peers.bench.ts), and the
 * helpers they share: a 4-characters-per-token estimate and recency truncation under a token budget.
 */
import type { JsonObject, NewTurn, Part } from '../../src/core/types.ts';

/** A session as the benchmark pre-fills it: its id, its first turns and a small JSON state. */
export interface SeedSession {
  id: string;
  turns: NewTurn[];
  state: JsonObject;
}

/** One system under test. Every method resolves when the system has acknowledged the operation. */
export interface PeerSystem {
  /** Row label in the report. */
  readonly name: string;
  /** What stands for each operation and how durable an acknowledged write is (quoted in the report). */
  notes: string;
  /**
   * True when the system times its own operations (the LangGraph+sqlite child): the harness then records
   * {@link PeerSystem.lastOpMs} as the operation's latency and the difference to its round trip as IPC.
   */
  readonly selfTimed?: boolean;
  /** Milliseconds the last operation took, measured by the system itself (only when `selfTimed`). */
  lastOpMs?: number;
  /** Create the sessions with their state and store their turns (batched; not timed). */
  setup(sessions: readonly SeedSession[]): Promise<void>;
  /** Append one turn. */
  append(session: string, turn: NewTurn): Promise<void>;
  /** Append several turns in one call (atomically where the system can). */
  appendBatch(session: string, turns: readonly NewTurn[]): Promise<void>;
  /** Read the newest `k` turns in chronological order; resolves to how many came back. */
  lastK(session: string, k: number): Promise<number>;
  /** Fetch the session's state (what each system calls state; see `notes`); resolves to a size hint. */
  getState(session: string): Promise<number>;
  /**
   * The newest turns that fit under `budgetTokens` (recency), or the system's own equivalent; resolves to how
   * many turns were selected. Absent when the system has no equivalent.
   */
  contextWindow?(session: string, budgetTokens: number): Promise<number>;
  /** Close connections and remove everything the system stored. */
  teardown(): Promise<void>;
  /** What the system keeps for the sessions stored so far (bench/peers-sessions.bench.ts); absent: not measured. */
  footprint?(): Promise<Footprint>;
}

/**
 * Bytes a system keeps. `storedBytes`: its files on disk, or for an in-memory store (Redis) the memory its keys
 * take; `processRss`: resident memory of a process of its own (the service, a child), absent for systems that
 * live in the benchmark's process.
 */
export interface Footprint {
  storedBytes: number;
  /** What `storedBytes` counts, for the report. */
  storedWhat: string;
  processRss?: number;
}

/** Tokens of a text by the simple estimate used wherever a system has no tokenizer of its own: 4 chars/token. */
export const estimateTokens = (chars: number): number => Math.ceil(chars / 4);

/** Per-message overhead of the estimate (role and framing), as OpenAI's chat format costs ~4 tokens a message. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

/** Characters of the text a turn carries (text, tool arguments, tool results). */
export function partsChars(parts: readonly Part[]): number {
  let n = 0;
  for (const p of parts) {
    if (p.type === 'text') n += p.text.length;
    else if (p.type === 'tool_call') n += p.name.length + p.arguments.length;
    else if (p.type === 'tool_result') n += p.content.length;
  }
  return n;
}

/**
 * How many of the newest items fit under `budgetTokens`, walking back from the newest. `charsOf` gives each
 * item's text length; items are in chronological order. Returns `{ count, full }`: `full` is true when the budget
 * stopped the walk (false when every item fitted, i.e. the caller may need to fetch older ones).
 */
export function fitNewest<T>(items: readonly T[], budgetTokens: number, charsOf: (x: T) => number): { count: number; full: boolean } {
  let used = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    const t = estimateTokens(charsOf(items[i]!)) + MESSAGE_OVERHEAD_TOKENS;
    if (used + t > budgetTokens) return { count: items.length - 1 - i, full: true };
    used += t;
  }
  return { count: items.length, full: false };
}

/**
 * Recency window over a store that can read "the newest k": read 32, and double k while every turn read fits and
 * the session may hold more. `readNewest(k)` resolves to at most k items, chronological.
 */
export async function recencyWindow<T>(readNewest: (k: number) => Promise<readonly T[]>, budgetTokens: number, charsOf: (x: T) => number, maxK = 1000): Promise<number> {
  for (let k = 32; ; k = Math.min(k * 2, maxK)) {
    const items = await readNewest(k);
    const { count, full } = fitNewest(items, budgetTokens, charsOf);
    if (full || items.length < k || k === maxK) return count;
  }
}

/** The state every system stores per session (a gateway's small JSON plan/progress document). */
export function seedState(i: number): JsonObject {
  return { plan: ['lookup_account', 'check_order', 'refund'], step: i % 3, user: { tier: i % 5 === 0 ? 'gold' : 'standard', locale: 'en-GB' }, flags: { escalated: false } };
}
