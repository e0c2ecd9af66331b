/**
 * @module memory/rolling-summary
 * The abstractive rolling summary (DESIGN §4.4): an OpenAI-compatible chat model writes a running summary of a
 * session's older turns, OFF the request path. A context request reads the stored summary (one small tensor
 * read) and, when it fits the summary reserve, sends it instead of the extractive one; when the session has grown
 * `everyTurns` past what the summary covers, the request queues a refresh and returns at once.
 *
 * Rolling: a refresh sends the previous summary plus only the turns after `through_seq` (in chunks of at most
 * `chunkTokens`, oldest first, so a long backlog is folded in step by step) and stores the new summary with the
 * seq it now covers. The newest `keepRecent` turns are never summarised (they are the window's always-kept tail).
 *
 * Stored as the service-owned tensor `_summary` (u8, UTF-8 JSON) of the session, so it expires and is deleted with
 * the session on every backend and never shows in the client's tensor list or event stream.
 */
import type { Turn } from '../core/types.ts';
import { siraError } from '../core/errors.ts';
import type { Store } from '../storage/store.ts';
import { turnText } from '../models/chat.ts';

/** The stored summary. */
export interface RollingSummary {
  content: string;
  /** Every turn with seq ≤ this is covered. */
  through_seq: number;
  /** The model that wrote it. */
  model: string;
  updated_at: number;
}

/** Options of {@link RollingSummarizer}. */
export interface RollingSummarizerOptions {
  /** Base URL up to `/v1` of an OpenAI-compatible endpoint. */
  url: string;
  model: string;
  apiKey?: string | undefined;
  /** Refresh once this many summarisable turns are past `through_seq`. @default 20 */
  everyTurns?: number;
  /** The newest turns never summarised. @default 10 */
  keepRecent?: number;
  /** Rough size of one chunk of new turns sent per call (characters / 4). @default 3000 */
  chunkTokens?: number;
  /** Longest wait for one model call (ms). @default 60000 */
  timeoutMs?: number;
  /** Summaries being written at once, across sessions. @default 2 */
  concurrency?: number;
  /** Injected for tests. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default Date.now */
  clock?: () => number;
}

/** Name of the tensor holding a session's summary. */
export const SUMMARY_TENSOR = '_summary';

const SYSTEM_PROMPT =
  'You maintain the running summary of a conversation for an assistant that will not see the older turns. ' +
  'Keep every fact, number, date, name, decision, preference and open task; when a later turn changes a fact, keep ' +
  'only the newest value and say it changed. Write compact third-person notes, oldest first, no preamble.';

function decode(data: Uint8Array): RollingSummary | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(data)) as RollingSummary;
    return typeof v.content === 'string' && Number.isInteger(v.through_seq) ? v : undefined;
  } catch {
    return undefined;
  }
}

const approxTokens = (s: string) => Math.ceil(s.length / 4);

/** Writes and serves rolling summaries; one per service. */
export class RollingSummarizer {
  readonly #store: Store;
  readonly #o: Required<Omit<RollingSummarizerOptions, 'apiKey'>> & { apiKey: string | undefined };
  readonly #queued = new Map<string, { tenant: string; session: string }>();
  readonly #running = new Set<string>();
  #closed = false;
  #idle: (() => void)[] = [];
  /** Counters for metrics and tests. */
  readonly stats = { refreshed: 0, failed: 0, calls: 0 };

  constructor(store: Store, opts: RollingSummarizerOptions) {
    this.#store = store;
    this.#o = {
      url: opts.url.replace(/\/+$/, ''),
      model: opts.model,
      apiKey: opts.apiKey,
      everyTurns: opts.everyTurns ?? 20,
      keepRecent: opts.keepRecent ?? 10,
      chunkTokens: opts.chunkTokens ?? 3000,
      timeoutMs: opts.timeoutMs ?? 60_000,
      concurrency: opts.concurrency ?? 2,
      fetch: opts.fetch ?? globalThis.fetch,
      clock: opts.clock ?? Date.now,
    };
  }

  /** The stored summary of a session, if any. */
  async get(tenant: string, session: string): Promise<RollingSummary | undefined> {
    const t = await this.#store.getTensor(tenant, session, SUMMARY_TENSOR);
    return t === undefined ? undefined : decode(t.data);
  }

  /** Queue a refresh when the session has outgrown its summary by `everyTurns` (never waits for it). */
  maybeRefresh(tenant: string, session: string, lastSeq: number, current: RollingSummary | undefined): boolean {
    const upTo = lastSeq - this.#o.keepRecent;
    if (this.#closed || upTo - (current?.through_seq ?? 0) < this.#o.everyTurns) return false;
    const key = `${tenant}\u0000${session}`;
    if (this.#queued.has(key) || this.#running.has(key)) return false;
    this.#queued.set(key, { tenant, session });
    this.#pump();
    return true;
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.#queued.size === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  /** Stop taking work; running refreshes finish. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queued.clear();
    await this.idle();
  }

  #pump(): void {
    while (this.#running.size < this.#o.concurrency && this.#queued.size > 0) {
      const [key, job] = this.#queued.entries().next().value as [string, { tenant: string; session: string }];
      this.#queued.delete(key);
      this.#running.add(key);
      this.refresh(job.tenant, job.session)
        .then(
          (ok) => {
            if (ok) this.stats.refreshed++;
          },
          () => {
            this.stats.failed++;
          },
        )
        .finally(() => {
          this.#running.delete(key);
          this.#pump();
          if (this.#queued.size === 0 && this.#running.size === 0) for (const r of this.#idle.splice(0)) r();
        });
    }
  }

  /**
   * Fold the turns after the stored summary (up to the newest minus `keepRecent`) into it, chunk by chunk, storing
   * after each chunk. Returns false when there was nothing to do or the session is gone; throws when the model fails.
   */
  async refresh(tenant: string, session: string): Promise<boolean> {
    let current = await this.get(tenant, session);
    const s = await this.#store.getSession(tenant, session);
    // At most 2,000 turns per refresh: a huge backlog is folded in over several refreshes.
    const turns = await this.#store.getTurns(tenant, session, { after_seq: current?.through_seq ?? 0, limit: 2000 });
    if (s === undefined || turns === undefined) return false;
    const upTo = s.turn_count - this.#o.keepRecent;
    const todo = turns.filter((t) => t.seq <= upTo && t.role !== 'system');
    if (todo.length === 0) return false;
    for (let i = 0; i < todo.length; ) {
      const chunk: Turn[] = [];
      let size = 0;
      while (i < todo.length && (chunk.length === 0 || size + approxTokens(turnText(todo[i]!)) <= this.#o.chunkTokens)) {
        size += approxTokens(turnText(todo[i]!));
        chunk.push(todo[i++]!);
      }
      const content = await this.#call(current?.content, chunk);
      const next: RollingSummary = { content, through_seq: chunk.at(-1)!.seq, model: this.#o.model, updated_at: this.#o.clock() };
      const bytes = new TextEncoder().encode(JSON.stringify(next));
      try {
        await this.#store.putTensor(tenant, session, SUMMARY_TENSOR, { dtype: 'u8', shape: [bytes.byteLength], data: bytes });
      } catch {
        return false; // the session went away meanwhile
      }
      current = next;
    }
    return true;
  }

  async #call(previous: string | undefined, turns: Turn[]): Promise<string> {
    const lines = turns.map((t) => `[#${t.seq} ${t.name ?? t.role}] ${turnText(t)}`).join('\n');
    const user =
      (previous === undefined ? 'Summarise these conversation turns.\n\n' : `Current summary:\n${previous}\n\nUpdate it with these newer turns.\n\n`) + lines;
    this.stats.calls++;
    let res: Response;
    try {
      res = await this.#o.fetch(`${this.#o.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.#o.apiKey === undefined ? {} : { authorization: `Bearer ${this.#o.apiKey}` }) },
        body: JSON.stringify({
          model: this.#o.model,
          temperature: 0,
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: user },
          ],
        }),
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
    } catch (cause) {
      throw siraError('SIRA_ERR_UPSTREAM_FAILED', 'the summary model could not be reached', { cause });
    }
    if (!res.ok) throw siraError('SIRA_ERR_UPSTREAM_FAILED', `the summary model answered ${res.status}`);
    const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || content.trim().length === 0) throw siraError('SIRA_ERR_UPSTREAM_FAILED', 'the summary model sent no text');
    return content.trim();
  }
}
