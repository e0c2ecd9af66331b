/**
 * @module bench/lib/context-eval-v3
 * The issue-12 evaluation on generator v3 (./conversations-v3.ts), in process: the conversations as the store
 * holds them, the baselines the issue compares (recency truncation, plain BM25, BM25 over 5-character stems with
 * neighbour smoothing — "the 30-line script" — and that fused with a dense embedder), the engine with any options
 * ({@link evaluateEngine}, for ablations without HTTP), and evidence recall = share of a question's evidence turns
 * among the selected seqs (as the held-out run counts it: `selected`, whole or pruned alike).
 */
import { createHash } from 'node:crypto';
import { DEFAULT_LIMITS } from '../../src/core/config.ts';
import type { Turn } from '../../src/core/types.ts';
import { normalizeTurns } from '../../src/core/validate.ts';
import { buildContext, createContextCaches, resolveContextOptions, type ContextOptionsInput } from '../../src/memory/index.ts';
import { countTurnTokens, REPLY_PRIMING_TOKENS, type Tokenizer } from '../../src/models/tokens.ts';
import { embedConversations, type EvalConversation, type TextEmbedder } from '../../training/lib/context-eval.ts';
import { generateConversationV3, KINDS_V3, seedsV3, type ConversationV3, type GenerateV3Options, type KindV3, type QuestionV3, type SplitV3 } from './conversations-v3.ts';

/** A conversation with its turns as the store returns them (seq from 1). */
export interface StoredConversationV3 extends ConversationV3 {
  stored: Turn[];
}

/** The turns of `conv` as the service stores them (the real validation; seq 1…, no created_at spread). */
export function storedTurns(conv: ConversationV3): Turn[] {
  const out: Turn[] = [];
  for (let i = 0; i < conv.turns.length; i += 100) {
    for (const t of normalizeTurns(conv.turns.slice(i, i + 100), DEFAULT_LIMITS)) {
      out.push({ seq: out.length + 1, role: t.role, parts: t.parts, name: t.name ?? null, agent_id: t.agent_id ?? null, metadata: t.metadata ?? null, created_at: 0, importance: t.importance ?? null, pinned: t.pinned ?? false });
    }
  }
  return out;
}

/** `n` conversations of a split, with stored turns. */
export function conversationsV3(split: SplitV3, n: number, options?: GenerateV3Options): StoredConversationV3[] {
  return seedsV3(split, n).map((s) => {
    const c = generateConversationV3(split, s, options);
    return { ...c, stored: storedTurns(c) };
  });
}

/** Seqs a strategy put in the window for a question. */
export type StrategyV3 = (conv: StoredConversationV3, q: QuestionV3, budget: number) => Promise<Set<number>> | Set<number>;
/** Dense similarity of a question to each turn, by seq. */
export type DenseOfV3 = (conv: StoredConversationV3, q: QuestionV3) => ReadonlyMap<number, number>;

/** Evidence recall of one window. */
export function recallV3(selected: ReadonlySet<number>, q: QuestionV3): number {
  return q.evidence.filter((s) => selected.has(s)).length / q.evidence.length;
}

/** Mean recall (per question), share of questions with all their evidence, recall by kind, and per question. */
export interface ScoreV3 {
  recall: number;
  complete: number;
  byKind: Record<KindV3, number>;
  questions: number;
  perQuestion: Record<string, number>;
}

export async function scoreStrategy(convs: readonly StoredConversationV3[], s: StrategyV3, budget: number): Promise<ScoreV3> {
  const perQuestion: Record<string, number> = {};
  const kind = Object.fromEntries(KINDS_V3.map((k) => [k, [0, 0]])) as Record<KindV3, [number, number]>;
  let sum = 0;
  let complete = 0;
  let n = 0;
  for (const c of convs) {
    for (const q of c.questions) {
      const r = recallV3(await s(c, q, budget), q);
      perQuestion[q.id] = r;
      sum += r;
      if (r === 1) complete++;
      n++;
      kind[q.kind][0] += r;
      kind[q.kind][1]++;
    }
  }
  const byKind = Object.fromEntries(KINDS_V3.map((k) => [k, kind[k][1] === 0 ? Number.NaN : kind[k][0] / kind[k][1]])) as Record<KindV3, number>;
  return { recall: sum / n, complete: complete / n, byKind, questions: n, perQuestion };
}

// ---- baselines -------------------------------------------------------------------------------------------------

const STOP = new Set('a an and are as at be but by did do does for from had has have how i in is it its me my of on or so that the this to was we were what when where which who why will with would you'.split(' '));

/** Lower-case words without a small stop list, cut to `prefix` characters when given. */
export function bagOfWords(text: string, prefix?: number): string[] {
  const out: string[] = [];
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) if (!STOP.has(w)) out.push(prefix === undefined ? w : w.slice(0, prefix));
  return out;
}

/** Okapi BM25 (k1 1.2, b 0.75) of `query` against each doc. */
export function bm25(docs: readonly string[][], query: readonly string[]): number[] {
  const df = new Map<string, number>();
  for (const d of docs) for (const w of new Set(d)) df.set(w, (df.get(w) ?? 0) + 1);
  const avg = docs.reduce((a, d) => a + d.length, 0) / Math.max(1, docs.length);
  const q = [...new Set(query)];
  return docs.map((d) => {
    const tf = new Map<string, number>();
    for (const w of d) tf.set(w, (tf.get(w) ?? 0) + 1);
    let s = 0;
    for (const w of q) {
      const f = tf.get(w);
      if (f === undefined) continue;
      const n = df.get(w)!;
      s += Math.log(1 + (docs.length - n + 0.5) / (n + 0.5)) * ((f * 2.2) / (f + 1.2 * (0.25 + (0.75 * d.length) / avg)));
    }
    return s;
  });
}

const textOf = (t: Turn) => (t.parts[0] as { text?: string } | undefined)?.text ?? '';

/** The best-scoring turns that fit the budget, whole (ties: newer first). */
function fitBest(conv: StoredConversationV3, scores: readonly number[], tokens: readonly number[], budget: number): Set<number> {
  const order = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]! || b - a);
  let left = budget - REPLY_PRIMING_TOKENS;
  const out = new Set<number>();
  for (const i of order) {
    if (tokens[i]! <= left) {
      out.add(conv.stored[i]!.seq);
      left -= tokens[i]!;
    }
  }
  return out;
}

/** Per-conversation caches of the baselines (token counts, bags of words). */
function prepared<T>(make: (c: StoredConversationV3) => T): (c: StoredConversationV3) => T {
  const m = new WeakMap<StoredConversationV3, T>();
  return (c) => {
    let v = m.get(c);
    if (v === undefined) m.set(c, (v = make(c)));
    return v;
  };
}

/** Recency truncation: the newest turns that fit. */
export function recencyBaseline(tok: Tokenizer): StrategyV3 {
  const tokens = prepared((c) => c.stored.map((t) => countTurnTokens(t, tok)));
  return (c, _q, budget) => fitBest(c, c.stored.map((_, i) => i), tokens(c), budget);
}

/**
 * BM25 over turns: `prefix` cuts words to that many characters (5: the "5-character stems"), `neighbours` adds half
 * of each adjacent turn's score (smoothing), `dense` fuses a dense similarity (both min-max normalised, equal
 * weight) before smoothing.
 */
export function bm25Baseline(tok: Tokenizer, opts: { prefix?: number; neighbours?: boolean; dense?: DenseOfV3 } = {}): StrategyV3 {
  const prep = prepared((c) => ({ tokens: c.stored.map((t) => countTurnTokens(t, tok)), docs: c.stored.map((t) => bagOfWords(textOf(t), opts.prefix)) }));
  return (c, q, budget) => {
    const p = prep(c);
    let s = bm25(p.docs, bagOfWords(q.text, opts.prefix));
    if (opts.dense !== undefined) {
      const d = opts.dense(c, q);
      const dv = c.stored.map((t) => d.get(t.seq) ?? 0);
      s = fuse(s, dv);
    }
    if (opts.neighbours === true) s = s.map((x, i) => x + 0.5 * ((s[i - 1] ?? 0) + (s[i + 1] ?? 0)));
    return fitBest(c, s, p.tokens, budget);
  };
}

function minMax(xs: readonly number[]): number[] {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return xs.map((x) => (hi > lo ? (x - lo) / (hi - lo) : 0));
}
const fuse = (a: readonly number[], b: readonly number[]) => {
  const na = minMax(a);
  const nb = minMax(b);
  return na.map((x, i) => x + nb[i]!);
};

// ---- the engine in process ---------------------------------------------------------------------------------------

/**
 * The engine (`buildContext`, relevance strategy) with `input` options over the stored turns; no HTTP. `wordVectors`:
 * the word embedder the service passes with a synchronous embedder (the static default's `embedSync`).
 */
export function engineV3(input: ContextOptionsInput = {}, dense?: DenseOfV3, wordVectors?: (words: readonly string[]) => Float32Array[]): StrategyV3 {
  const opts = resolveContextOptions(input);
  const caches = createContextCaches(100_000);
  return async (c, q, budget) => {
    const r = await buildContext({ turns: c.stored, query: q.text, budgetTokens: budget, dense: dense?.(c, q), wordVectors, scope: { tenant: 'eval-v3', session: c.id } }, opts, caches);
    return new Set(r.selected.map((s) => s.seq));
  };
}

/** What {@link evaluateEngine} takes. */
export interface EvaluateEngineOptions {
  /** @default 'dev' */
  split?: SplitV3;
  /** Conversations (seeds 1… or 1001…). @default 10 */
  conversations?: number;
  /** Budgets in tokens. @default [2000, 1000] */
  budgets?: number[];
  /** Engine options (ablations): merged over the defaults. */
  engine?: ContextOptionsInput;
  /** Dense similarities from this embedder (e.g. `createUseLiteEmbedder()`; vectors cached in bench/.work). @default none */
  embedder?: TextEmbedder;
  /** Generator tunables. */
  generator?: GenerateV3Options;
}

/**
 * The engine's evidence recall on the v3 set, in process (no HTTP, no store: the same `buildContext` the route
 * calls, over the turns as stored), per budget.
 * @example const r = await evaluateEngine({ split: 'dev', engine: { neighborWeight: 0 } }); r[2000].byKind.multi_hop
 */
export async function evaluateEngine(options: EvaluateEngineOptions = {}): Promise<Record<number, ScoreV3>> {
  const convs = conversationsV3(options.split ?? 'dev', options.conversations ?? 10, options.generator);
  const dense = options.embedder === undefined ? undefined : (await embedDenseV3(convs, options.embedder)).dense;
  const s = engineV3(options.engine, dense);
  const out: Record<number, ScoreV3> = {};
  for (const b of options.budgets ?? [2000, 1000]) out[b] = await scoreStrategy(convs, s, b);
  return out;
}

/**
 * Similarities of every question to every turn of `convs` from `embedder` (dot product of its unit vectors, over
 * the text the service embeds), the vectors cached in bench/.work under the conversation id, the embedder id and a
 * hash of the texts (a changed generator never reads stale vectors).
 */
export async function embedDenseV3(convs: readonly StoredConversationV3[], embedder: TextEmbedder): Promise<{ dense: DenseOfV3; note: string }> {
  const evalConvs = convs.map((c) => ({ turns: c.stored, questions: c.questions }) as unknown as EvalConversation);
  const tags = convs.map((c) => {
    const h = createHash('sha256').update(c.turns.map((t) => t.content).join('\n')).update(c.questions.map((q) => q.text).join('\n')).update('turn text without its header').digest('hex').slice(0, 12);
    return `${c.id}-${(embedder.id ?? 'embedder').replace(/[^\w.-]+/g, '_')}-${h}`;
  });
  const e = await embedConversations(evalConvs, tags, embedder);
  const byConv = new Map(convs.map((c, i) => [c, evalConvs[i]!]));
  const dense: DenseOfV3 = (c, q) => e.denseOf(byConv.get(c)!, q as never);
  return { dense, note: e.embedded > 0 ? `${e.embedded} turns and questions embedded by ${embedder.id ?? 'the embedder'} in ${(e.ms / 1000).toFixed(0)} s` : `${embedder.id ?? 'embedder'} vectors from the bench/.work cache` };
}

export { KINDS_V3 };
