/**
 * @module memory/experiences/llm-lessons
 * Written lessons from an OpenAI-compatible chat endpoint (the proxy's upstream), computed off the request path:
 * a search asks for the lessons of its cluster of similar runs; when they are stored they come back at once,
 * otherwise the cluster is queued (once) and the search answers `pending`. One worker writes them one by one into
 * the `experience-lessons` document collection, keyed by a hash of the cluster's run ids, so a cluster that
 * gains or loses runs gets fresh lessons.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../../storage/store.ts';
import type { MinedLessons } from './patterns.ts';
import { stepToken } from './patterns.ts';
import type { Experience } from './record.ts';

/** Where written lessons come from. */
export interface LessonWriterOptions {
  /** Base URL up to `/v1` (the proxy's `upstreamUrl`). */
  url: string;
  apiKey?: string;
  /** Chat model that writes the lessons. */
  model: string;
  /** Ms to wait for one answer. @default 60000 */
  timeoutMs?: number;
  /** Ms before a failed cluster is tried again. @default 60000 */
  retryMs?: number;
  clock?: () => number;
}

/** Lessons of a cluster as a search returns them. */
export type WrittenLessons =
  | { status: 'ready'; lessons: string[]; model: string; generated_at: number; runs: number }
  | { status: 'pending' }
  | { status: 'failed'; error: string };

/** The collection of written lessons. */
export const LESSONS_COLLECTION = 'experience-lessons';

interface Job {
  tenant: string;
  key: string;
  runs: Experience[];
  mined: MinedLessons;
}

/** Hash of a cluster's run ids (order-free): the id of its lessons. */
export function clusterKey(ids: readonly string[]): string {
  return createHash('sha256').update([...ids].sort().join('\n')).digest('hex').slice(0, 32);
}

const MAX_RUNS_IN_PROMPT = 12;

/** The chat messages that ask for lessons. */
export function lessonPrompt(runs: readonly Experience[], mined: MinedLessons): { role: 'system' | 'user'; content: string }[] {
  const shown = [...runs].sort((a, b) => (a.outcome === b.outcome ? 0 : a.outcome === 'success' ? -1 : 1)).slice(0, MAX_RUNS_IN_PROMPT);
  const body = shown
    .map((r, i) => `Run ${i + 1} (${r.outcome}, reward ${r.reward}): task: ${r.task.slice(0, 300)}\n  steps: ${r.steps.map((s) => `${stepToken(s)}${s.ok ? '' : ' [failed]'}`).join(' → ') || '(none)'}`)
    .join('\n');
  return [
    {
      role: 'system',
      content: 'You write short, concrete lessons for an AI agent from its past runs of similar tasks. Answer with 2 to 5 lines, each starting with "- ": what to do, what to avoid, and why. No preamble.',
    },
    { role: 'user', content: `Past runs:\n${body}\n\nStatistics found:\n${mined.text.join('\n') || '(none)'}` },
  ];
}

/** Lines of an answer that look like list items (or all non-empty lines when none do). */
export function parseLessons(content: string): string[] {
  const lines = content.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const items = lines.filter((l) => /^([-*•]|\d+[.)])\s+/.test(l)).map((l) => l.replace(/^([-*•]|\d+[.)])\s+/, ''));
  return (items.length > 0 ? items : lines).slice(0, 10);
}

/** The queue and its single worker. */
export class LessonWriter {
  readonly #store: Store;
  readonly #opts: Required<Omit<LessonWriterOptions, 'apiKey'>> & { apiKey?: string };
  readonly #queue: Job[] = [];
  readonly #queued = new Set<string>();
  readonly #failed = new Map<string, { at: number; error: string }>();
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(store: Store, opts: LessonWriterOptions) {
    this.#store = store;
    this.#opts = { timeoutMs: 60_000, retryMs: 60_000, clock: Date.now, ...opts };
  }

  /** The cluster's lessons if written, else queue it (once) and answer pending (or failed, until the retry time). */
  async lessons(tenant: string, runs: readonly Experience[], mined: MinedLessons): Promise<WrittenLessons> {
    const key = clusterKey(runs.map((r) => r.id));
    const doc = await this.#store.getDoc(tenant, LESSONS_COLLECTION, key);
    if (doc !== undefined) return JSON.parse(Buffer.from(doc.value).toString('utf8')) as WrittenLessons;
    const qk = `${tenant}\u0000${key}`;
    const f = this.#failed.get(qk);
    if (f !== undefined && this.#opts.clock() - f.at < this.#opts.retryMs) return { status: 'failed', error: f.error };
    if (!this.#queued.has(qk) && !this.#closed) {
      this.#queued.add(qk);
      this.#queue.push({ tenant, key, runs: [...runs], mined });
      this.#running ??= this.#work().finally(() => (this.#running = undefined));
    }
    return { status: 'pending' };
  }

  async #work(): Promise<void> {
    for (let job = this.#queue.shift(); job !== undefined; job = this.#queue.shift()) {
      const qk = `${job.tenant}\u0000${job.key}`;
      try {
        const lessons = await this.#ask(job);
        const value: WrittenLessons = { status: 'ready', lessons, model: this.#opts.model, generated_at: this.#opts.clock(), runs: job.runs.length };
        await this.#store.putDoc(job.tenant, LESSONS_COLLECTION, job.key, Buffer.from(JSON.stringify(value)));
        this.#failed.delete(qk);
      } catch (e) {
        this.#failed.set(qk, { at: this.#opts.clock(), error: (e as Error).message });
      } finally {
        this.#queued.delete(qk);
      }
      if (this.#closed) break;
    }
  }

  async #ask(job: Job): Promise<string[]> {
    const res = await fetch(`${this.#opts.url.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.#opts.apiKey === undefined ? {} : { authorization: `Bearer ${this.#opts.apiKey}` }) },
      body: JSON.stringify({ model: this.#opts.model, messages: lessonPrompt(job.runs, job.mined), temperature: 0.2, max_tokens: 400 }),
      signal: AbortSignal.timeout(this.#opts.timeoutMs),
    });
    if (!res.ok) throw new Error(`the lessons model answered ${res.status}`);
    const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || content.trim() === '') throw new Error('the lessons model answered without content');
    return parseLessons(content);
  }

  /** Resolves when the queue is empty (tests). */
  async drain(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  /** Stop taking jobs; the one in flight finishes. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.length = 0;
    await this.#running;
  }
}
