/**
 * @module training/lib/context-eval
 * Evidence-recall evaluation of context windows, shared by bench/context-quality-v2 and the learned-weights
 * training task (training/tasks/importance.ts): the strategies compared (our engine with any options, recency,
 * stemmed BM25 with neighbour smoothing), the recall measure, and the offline embedder's turn vectors cached on
 * disk (bench/.work, git-ignored) so a rerun does not re-embed thousands of turns.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Turn } from '../../src/core/types.ts';
import { analyzeTurn, bm25Scores, buildContext, createContextCaches, resolveContextOptions, terms, type ContextOptionsInput, type ContextResult } from '../../src/memory/index.ts';
import { countTurnTokens, REPLY_PRIMING_TOKENS, type Tokenizer } from '../../src/models/tokens.ts';
import { dot } from '../../src/models/embedder.ts';
import { embeddingText } from '../../src/memory/enrichment.ts';

/** What the evaluation needs of a question. */
export interface EvalQuestion {
  id: string;
  kind: string;
  text: string;
  evidence: number[];
  keys: Record<number, string>;
}
/** What the evaluation needs of a conversation (turn seq k is at index k − 1). */
export interface EvalConversation {
  turns: Turn[];
  questions: EvalQuestion[];
}

/** The window a strategy built: which seqs, and their text as sent. */
export interface Window {
  seqs: Set<number>;
  text: (seq: number) => string | undefined;
}

export type EvalStrategy = (conv: EvalConversation, q: EvalQuestion, budget: number) => Promise<Window>;
export type DenseOf = (conv: EvalConversation, q: EvalQuestion) => Map<number, number>;

const textOf = (t: Turn | undefined) => (t?.parts[0] as { text?: string } | undefined)?.text;

function windowOf(r: ContextResult, turns: readonly Turn[]): Window {
  const compressed = new Set(r.selected.filter((s) => s.compressed !== undefined).map((s) => s.seq));
  const all = r.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
  return { seqs: new Set(r.selected.map((s) => s.seq)), text: (seq) => (compressed.has(seq) ? all : textOf(turns[seq - 1])) };
}

let scopeCounter = 0;

/** Our engine with `input` options (dense scores from `denseOf` when given; `wordVectors`: neighbour expansion, as the service gives it with the static embedder). */
export function engineStrategy(strategy: 'relevance' | 'recency', input: ContextOptionsInput = {}, denseOf?: DenseOf, wordVectors?: (words: readonly string[]) => Float32Array[]): EvalStrategy {
  const opts = resolveContextOptions(input);
  const caches = createContextCaches(50_000);
  const ids = new WeakMap<EvalConversation, string>();
  return async (conv, q, budget) => {
    let id = ids.get(conv);
    if (id === undefined) ids.set(conv, (id = `c${scopeCounter++}`));
    const r = await buildContext({ turns: conv.turns, query: q.text, budgetTokens: budget, strategy, dense: denseOf?.(conv, q), wordVectors, scope: { tenant: 'eval', session: id } }, opts, caches);
    return windowOf(r, conv.turns);
  };
}

/** Stemmed BM25 over turns, smoothed with half of each neighbour's score; the best turns that fit, whole (any generator's conversations). */
export function bm25Smoothed(tok: Tokenizer): (conv: { turns: Turn[] }, q: { text: string }, budget: number) => Promise<Window> {
  const prepared = new WeakMap<{ turns: Turn[] }, { docs: ReturnType<typeof analyzeTurn>[]; tokens: number[] }>();
  return async (conv, q, budget) => {
    let p = prepared.get(conv);
    if (p === undefined) {
      p = { docs: conv.turns.map(analyzeTurn), tokens: conv.turns.map((t) => countTurnTokens(t, tok)) };
      prepared.set(conv, p);
    }
    const raw = bm25Scores(p.docs, [...new Set(terms(q.text))]);
    const s = raw.map((x, i) => x + 0.5 * ((raw[i - 1] ?? 0) + (raw[i + 1] ?? 0)));
    const order = [...s.keys()].sort((a, b) => s[b]! - s[a]! || b - a);
    let left = budget - REPLY_PRIMING_TOKENS;
    const seqs = new Set<number>();
    for (const i of order) {
      if (p.tokens[i]! <= left) {
        seqs.add(conv.turns[i]!.seq);
        left -= p.tokens[i]!;
      }
    }
    return { seqs, text: (seq) => textOf(conv.turns[seq - 1]) };
  };
}

/** Share of the question's evidence turns in the window (a pruned turn counts only if it still holds its key). */
export function recallOf(w: Window, q: EvalQuestion): number {
  let hit = 0;
  for (const seq of q.evidence) if (w.seqs.has(seq) && (w.text(seq)?.includes(q.keys[seq]!) ?? false)) hit++;
  return hit / q.evidence.length;
}

/** Mean recall, share of questions with all evidence, and recall by question kind. */
export interface Score {
  recall: number;
  complete: number;
  byKind: Record<string, number>;
}

export async function evaluate(convs: readonly EvalConversation[], s: EvalStrategy, budget: number): Promise<Score> {
  let sum = 0;
  let complete = 0;
  let n = 0;
  const kind: Record<string, [number, number]> = {};
  for (const c of convs) {
    for (const q of c.questions) {
      const r = recallOf(await s(c, q, budget), q);
      sum += r;
      if (r === 1) complete++;
      n++;
      const k = (kind[q.kind] ??= [0, 0]);
      k[0] += r;
      k[1]++;
    }
  }
  return { recall: sum / n, complete: complete / n, byKind: Object.fromEntries(Object.entries(kind).map(([k, [a, b]]) => [k, a / b])) };
}

/** Mean Jaccard of stemmed terms between each question and its evidence (how lexical the set is). */
export function questionOverlap(convs: readonly EvalConversation[]): number {
  let overlap = 0;
  let n = 0;
  for (const c of convs) {
    for (const q of c.questions) {
      const qt = new Set(terms(q.text));
      for (const seq of q.evidence) {
        const et = new Set(terms(textOf(c.turns[seq - 1]) ?? ''));
        const inter = [...qt].filter((t) => et.has(t)).length;
        overlap += inter / (qt.size + et.size - inter) / q.evidence.length;
      }
      n++;
    }
  }
  return overlap / n;
}

/** Minimal embedder shape (the offline USE-lite one in practice). */
export interface TextEmbedder {
  id?: string;
  embed(texts: string[]): Promise<Float32Array[]>;
}

const WORK = join(import.meta.dirname, '..', '..', 'bench', '.work');

/**
 * Vectors of every turn and question, from `embedder`, cached in bench/.work/<tag>.f32 (the tag must name the
 * generator version, split and seed). Returns `denseOf` for the strategies and how many turns were embedded now.
 */
export async function embedConversations(convs: readonly EvalConversation[], tags: readonly string[], embedder: TextEmbedder, onProgress?: (n: number) => void): Promise<{ denseOf: DenseOf; embedded: number; ms: number }> {
  mkdirSync(WORK, { recursive: true });
  const turnVecs = new Map<EvalConversation, Float32Array[]>();
  const qVecs = new Map<EvalQuestion, Float32Array>();
  let embedded = 0;
  const t0 = performance.now();
  for (const [i, c] of convs.entries()) {
    const texts = [...c.turns.map(embeddingText), ...c.questions.map((q) => q.text)];
    const file = join(WORK, `${tags[i]}.f32`);
    let vecs: Float32Array[] | undefined;
    if (existsSync(file)) {
      const buf = readFileSync(file);
      const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const dim = all.length / texts.length;
      if (Number.isInteger(dim) && dim > 0) vecs = texts.map((_, k) => all.subarray(k * dim, (k + 1) * dim));
    }
    if (vecs === undefined) {
      vecs = [];
      for (let k = 0; k < texts.length; k += 4) {
        vecs.push(...(await embedder.embed(texts.slice(k, k + 4))));
        onProgress?.(Math.min(4, texts.length - k));
      }
      embedded += texts.length;
      const dim = vecs[0]!.length;
      const all = new Float32Array(texts.length * dim);
      vecs.forEach((v, k) => all.set(v, k * dim));
      writeFileSync(file, new Uint8Array(all.buffer));
    }
    turnVecs.set(c, vecs.slice(0, c.turns.length));
    c.questions.forEach((q, k) => qVecs.set(q, vecs[c.turns.length + k]!));
  }
  const denseOf: DenseOf = (c, q) => {
    const qv = qVecs.get(q)!;
    const tv = turnVecs.get(c)!;
    return new Map(c.turns.map((t, i) => [t.seq, dot(qv, tv[i]!)]));
  };
  return { denseOf, embedded, ms: performance.now() - t0 };
}

/** Dense similarities from an embedder, computed now and not cached (for fast embedders such as the static one). */
export async function denseOfEmbedder(convs: readonly EvalConversation[], embedder: TextEmbedder): Promise<{ denseOf: DenseOf; ms: number }> {
  const turnVecs = new Map<EvalConversation, Float32Array[]>();
  const qVecs = new Map<EvalQuestion, Float32Array>();
  const t0 = performance.now();
  for (const c of convs) {
    turnVecs.set(c, await embedder.embed(c.turns.map(embeddingText)));
    const qs = await embedder.embed(c.questions.map((q) => q.text));
    c.questions.forEach((q, k) => qVecs.set(q, qs[k]!));
  }
  const ms = performance.now() - t0;
  return { denseOf: (c, q) => new Map(c.turns.map((t, i) => [t.seq, dot(qVecs.get(q)!, turnVecs.get(c)![i]!)])), ms };
}
