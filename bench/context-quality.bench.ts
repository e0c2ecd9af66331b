/**
 * Context quality (issue 4): evidence recall of the context window on long, hard conversations
 * (bench/lib/conversations.ts: paraphrased questions, updated facts, multi-hop, temporal, distractors), at
 * 1k/2k/4k/8k-token budgets, for our `relevance` strategy, `recency` truncation, and BM25 with neighbour smoothing
 * (stemmed BM25 over turns, each turn's score + ½ of its neighbours', best turns that fit), all on the same data
 * in one run; the same with dense relevance from the offline embedder (Universal Sentence Encoder lite, every turn
 * and question embedded in this run), fused (`+ dense`) and alone (`dense only`); an ablation of the relevance
 * scorer at 2k; the build latency for a 500-turn session; and the query embedding latency.
 * Evidence recall = share of a question's evidence turns inside the window (a pruned turn counts only if it still
 * holds the fact). The summary message is not counted. The query is the question itself; no messages are sent.
 * usage: npm run bench -- context-quality   (env BENCH_QUICK=1 for one conversation)
 */
import { buildContext, createContextCaches, resolveContextOptions, terms, type ContextOptionsInput, type ContextResult } from '../src/memory/index.ts';
import { countTurnTokens, loadTokenizer } from '../src/models/tokens.ts';
import type { Turn } from '../src/core/types.ts';
import { dot } from '../src/models/embedder.ts';
import { createUseLiteEmbedder, createUseLiteWorkerEmbedder } from '../src/models/embedders/index.ts';
import { embeddingText } from '../src/memory/enrichment.ts';
import { generateConversation, type Conversation, type Question, type QuestionKind } from './lib/conversations.ts';
import { bm25Smoothed } from '../training/lib/context-eval.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { ms, now, summary } from './lib/stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const SEEDS = QUICK ? [1] : [1, 2, 3, 4];
const BUDGETS = [1000, 2000, 4000, 8000];
const KINDS: QuestionKind[] = ['single', 'updated', 'temporal', 'multi_hop', 'alias'];

interface Window {
  seqs: Set<number>;
  /** Text of the window, to check pruned turns kept the fact. */
  text: (seq: number) => string | undefined;
  /** Summary lines quoting a turn (`- [#seq speaker] sentence`), by seq. */
  quoted?: Map<number, string>;
}

type Strategy = (conv: Conversation, q: Question, budget: number) => Promise<Window>;

function windowOf(r: ContextResult, turns: readonly Turn[]): Window {
  const compressed = new Set(r.selected.filter((s) => s.compressed !== undefined).map((s) => s.seq));
  const all = r.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
  const quoted = new Map<number, string>();
  for (const line of r.summary?.content.split('\n') ?? []) {
    const m = /^- \[#(\d+) /.exec(line);
    if (m) quoted.set(Number(m[1]), (quoted.get(Number(m[1])) ?? '') + line);
  }
  return {
    seqs: new Set(r.selected.map((s) => s.seq)),
    text: (seq) => (compressed.has(seq) ? all : (turns[seq - 1]?.parts[0] as { text?: string } | undefined)?.text),
    quoted,
  };
}

type DenseOf = (conv: Conversation, q: Question) => Map<number, number>;

function engine(strategy: 'relevance' | 'recency', input: ContextOptionsInput = {}, denseOf?: DenseOf): Strategy {
  const opts = resolveContextOptions(input);
  const caches = createContextCaches();
  return async (conv, q, budget) => {
    const dense = denseOf?.(conv, q);
    const r = await buildContext({ turns: conv.turns, query: q.text, budgetTokens: budget, strategy, dense, scope: { tenant: 'bench', session: String(conv.questions[0]!.id) } }, opts, caches);
    return windowOf(r, conv.turns);
  };
}

function recallOf(w: Window, q: Question, withSummary = false): number {
  let hit = 0;
  for (const seq of q.evidence) {
    const key = q.keys[seq]!;
    if ((w.seqs.has(seq) && (w.text(seq)?.includes(key) ?? false)) || (withSummary && (w.quoted?.get(seq)?.includes(key) ?? false))) hit++;
  }
  return hit / q.evidence.length;
}

interface Score {
  recall: number;
  /** Recall counting evidence quoted (with its fact) in the summary message too. */
  recallWithSummary: number;
  complete: number;
  byKind: Record<string, number>;
}

async function evaluate(convs: Conversation[], s: Strategy, budget: number): Promise<Score> {
  let sum = 0;
  let sumS = 0;
  let complete = 0;
  let n = 0;
  const kind: Record<string, [number, number]> = {};
  for (const c of convs) {
    for (const q of c.questions) {
      const w = await s(c, q, budget);
      const r = recallOf(w, q);
      sumS += recallOf(w, q, true);
      sum += r;
      if (r === 1) complete++;
      n++;
      const k = (kind[q.kind] ??= [0, 0]);
      k[0] += r;
      k[1]++;
    }
  }
  return { recall: sum / n, recallWithSummary: sumS / n, complete: complete / n, byKind: Object.fromEntries(Object.entries(kind).map(([k, [a, b]]) => [k, a / b])) };
}

const f2 = (x: number) => x.toFixed(2);

export async function run(): Promise<void> {
  const tok = await loadTokenizer('o200k_base');
  const convs = SEEDS.map((s) => generateConversation(s));
  const questions = convs.reduce((a, c) => a + c.questions.length, 0);
  const tokens = convs.map((c) => c.turns.reduce((a, t) => a + countTurnTokens(t, tok), 0));
  if (tokens.some((t) => t < 20_000)) throw new Error(`a conversation is under 20,000 tokens: ${tokens.join(', ')}`);
  // How much a question shares with its evidence: Jaccard of stemmed terms, averaged.
  let overlap = 0;
  for (const c of convs) {
    for (const q of c.questions) {
      const qt = new Set(terms(q.text));
      for (const seq of q.evidence) {
        const et = new Set(terms((c.turns[seq - 1]!.parts[0] as { text: string }).text));
        const inter = [...qt].filter((t) => et.has(t)).length;
        overlap += inter / (qt.size + et.size - inter) / q.evidence.length;
      }
    }
  }
  overlap /= questions;

  // Dense relevance: every turn and every question embedded once by the offline embedder (in this thread).
  const embedder = createUseLiteEmbedder();
  const te = now();
  const turnVecs = new Map<Conversation, Float32Array[]>();
  for (const c of convs) turnVecs.set(c, await embedder.embed(c.turns.map(embeddingText)));
  const turnEmbedMs = now() - te;
  const qVecs = new Map<Question, Float32Array>();
  const queryMs: number[] = [];
  for (const c of convs) {
    for (const q of c.questions) {
      const t0 = now();
      qVecs.set(q, (await embedder.embed([q.text]))[0]!);
      queryMs.push(now() - t0);
    }
  }
  const denseOf: DenseOf = (c, q) => {
    const qv = qVecs.get(q)!;
    const tv = turnVecs.get(c)!;
    return new Map(c.turns.map((t, i) => [t.seq, dot(qv, tv[i]!)]));
  };
  const DENSE_ONLY: ContextOptionsInput = { scorer: { weights: { lexical: 0, recency: 0, importance: 0, role: 0, dense: 1 }, prf: { docs: 0 } }, neighborWeight: 0, summary: false, recentTurns: 0 };

  const strategies: [string, Strategy][] = [
    ['sira relevance (default)', engine('relevance')],
    ['+ dense (offline USE-lite)', engine('relevance', {}, denseOf)],
    ['dense only', engine('relevance', DENSE_ONLY, denseOf)],
    ['recency truncation', engine('recency')],
    ['BM25 + neighbour smoothing', bm25Smoothed(tok)],
  ];
  const data: Record<string, unknown> = { machine: machine(), conversations: convs.length, questions, tokens, overlap };
  const rows: (string | number)[][] = [];
  const kindRows: (string | number)[][] = [];
  for (const [name, s] of strategies) {
    const per: Record<number, Score> = {};
    for (const b of BUDGETS) per[b] = await evaluate(convs, s, b);
    data[name] = per;
    rows.push([name, ...BUDGETS.map((b) => f2(per[b]!.recall)), f2(per[2000]!.complete), f2(per[2000]!.recallWithSummary)]);
    kindRows.push([name, ...KINDS.map((k) => f2(per[2000]!.byKind[k] ?? Number.NaN))]);
  }

  // Ablation of the relevance strategy at 2k: one signal off at a time.
  const ablations: [string, ContextOptionsInput][] = [
    ['default', {}],
    ['− lexical (BM25)', { scorer: { weights: { lexical: 0 } } }],
    ['− recency', { scorer: { weights: { recency: 0 } } }],
    ['− importance', { scorer: { weights: { importance: 0 } } }],
    ['− role prior', { scorer: { weights: { role: 0 } } }],
    ['− neighbours', { neighborWeight: 0 }],
    ['− query expansion (PRF)', { scorer: { prf: { docs: 0 } } }],
    ['− summary', { summary: false }],
    ['− always-kept recent turns', { recentTurns: 0 }],
    ['BM25 only (no PRF, neighbours, summary, recent)', { scorer: { weights: { recency: 0, importance: 0, role: 0 }, prf: { docs: 0 } }, neighborWeight: 0, summary: false, recentTurns: 0 }],
  ];
  const ablRows: (string | number)[][] = [];
  for (const [name, input] of ablations) {
    const sc = await evaluate(convs, engine('relevance', input), 2000);
    ablRows.push([name, f2(sc.recall), f2(sc.complete)]);
    data[`ablation ${name}`] = sc;
  }

  // Latency: a 500-turn session, 2k budget; warm = per-turn caches filled by earlier requests, cold = none.
  const conv500 = generateConversation(99, { turns: 500 });
  const opts = resolveContextOptions();
  const caches = createContextCaches();
  const scope = { tenant: 'bench', session: 'latency' };
  const qs = conv500.questions;
  for (const q of qs) await buildContext({ turns: conv500.turns, query: q.text, budgetTokens: 2000, scope }, opts, caches);
  const warm: number[] = [];
  const cold: number[] = [];
  const runs = QUICK ? 300 : 2000;
  for (let i = 0; i < runs; i++) {
    const q = qs[i % qs.length]!;
    const t0 = now();
    await buildContext({ turns: conv500.turns, query: q.text, budgetTokens: 2000, scope }, opts, caches);
    warm.push(now() - t0);
  }
  for (let i = 0; i < runs / 10; i++) {
    const q = qs[i % qs.length]!;
    const t0 = now();
    await buildContext({ turns: conv500.turns, query: q.text, budgetTokens: 2000 }, opts);
    cold.push(now() - t0);
  }
  // The same build with dense scores passed in (the map built outside the timer, as the service reads stored vectors).
  const vec500 = await embedder.embed(conv500.turns.map(embeddingText));
  const qv500 = await embedder.embed(qs.map((q) => q.text));
  const warmDense: number[] = [];
  for (let i = 0; i < runs; i++) {
    const k = i % qs.length;
    const dense = new Map(conv500.turns.map((t, j) => [t.seq, dot(qv500[k]!, vec500[j]!)]));
    const t0 = now();
    await buildContext({ turns: conv500.turns, query: qs[k]!.text, budgetTokens: 2000, scope, dense }, opts, caches);
    warmDense.push(now() - t0);
  }
  // Query embedding through the worker thread (the service's path): one uncached question at a time.
  const worker = createUseLiteWorkerEmbedder();
  await worker.embed(['warm up']);
  const workerMs: number[] = [];
  for (const c of convs) {
    for (const q of c.questions) {
      const t0 = now();
      await worker.embed([q.text]);
      workerMs.push(now() - t0);
    }
  }
  await worker.close();
  const w = summary(warm);
  const c = summary(cold);
  const wd = summary(warmDense);
  const qe = summary(queryMs);
  const qw = summary(workerMs);
  data.latency = { turns: conv500.turns.length, warm: w, cold: c, warmDense: wd };
  const nTurns = [...turnVecs.values()].reduce((a, v) => a + v.length, 0);
  data.embedding = { turns: nTurns, turnEmbedMs, query: qe, queryWorker: qw };

  const md = [
    `Machine: ${data.machine}. ${convs.length} conversations (seeds ${SEEDS.join(', ')}), ${convs[0]!.turns.length} turns and ${tokens.map((t) => t.toLocaleString('en-US')).join(' / ')} tokens each (o200k), ${questions} questions; mean question–evidence overlap (Jaccard of stemmed terms) ${f2(overlap)}.`,
    '',
    'Evidence recall (share of evidence turns inside the window) by budget; then, at 2k: the share of questions with all their evidence, and recall counting evidence whose fact the summary message quotes.',
    '',
    table(['strategy', '1k', '2k', '4k', '8k', 'all evidence @2k', '@2k incl. summary'], rows),
    '',
    'Evidence recall at 2k by question kind.',
    '',
    table(['strategy', ...KINDS], kindRows),
    '',
    'Ablation of the relevance strategy at 2k (one signal off at a time).',
    '',
    table(['variant', 'recall @2k', 'all evidence @2k'], ablRows),
    '',
    `Context build latency, ${conv500.turns.length}-turn session, 2k budget, ms (no embeddings involved).`,
    '',
    table(['', 'n', 'p50', 'p90', 'p99', 'max'], [
      ['warm (per-turn counts and analyses cached)', w.n, ms(w.p50), ms(w.p90), ms(w.p99), ms(w.max)],
      ['cold (no cache: every turn tokenised and analysed)', c.n, ms(c.p50), ms(c.p90), ms(c.p99), ms(c.max)],
      ['warm, with dense scores (query embedding excluded)', wd.n, ms(wd.p50), ms(wd.p90), ms(wd.p99), ms(wd.max)],
    ]),
    '',
    `Offline embedder (USE-lite, tfjs wasm): ${nTurns} turns embedded in ${(turnEmbedMs / 1000).toFixed(1)} s (${(nTurns / (turnEmbedMs / 1000)).toFixed(0)} turns/s, model calls of 4 texts, first call includes the model load). Query embedding, one uncached question per call, ms:`,
    '',
    table(['', 'n', 'p50', 'p90', 'p99', 'max'], [
      ['in the calling thread', qe.n, ms(qe.p50), ms(qe.p90), ms(qe.p99), ms(qe.max)],
      ['through the worker thread (service default)', qw.n, ms(qw.p50), ms(qw.p90), ms(qw.p99), ms(qw.max)],
    ]),
  ].join('\n');
  writeResult('context-quality', data, md);
}

if (import.meta.main) await run();
