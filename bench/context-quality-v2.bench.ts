/**
 * Context quality on the HARDER set (issue 4, generator v2: training/lib/conversations-v2.ts): evidence recall at
 * 1k/2k/4k/8k for our engine (hand-set default weights; learned weights from data/models/importance; each with
 * and without dense relevance from the offline USE-lite embedder; with the default static embedder), dense alone
 * (each embedder), recency truncation and stemmed
 * BM25 + neighbour smoothing, on the TEST split (template family B, entity pool B, corpus test text — the learned
 * weights were fitted on the train split only); recall by question kind at 2k; an ablation at 2k. The v1 bench
 * (context-quality) is unchanged, so its numbers reproduce.
 * usage: npm run bench -- context-quality-v2   (env BENCH_QUICK=1: one conversation; BENCH_NO_DENSE=1: skip the embedder)
 */
import { resolveContextOptions, type ContextOptionsInput, type ScoreWeights } from '../src/memory/index.ts';
import { loadLearnedWeights } from '../src/memory/policy/index.ts';
import { createStaticEmbedder, createUseLiteEmbedder } from '../src/models/embedders/index.ts';
import { countTurnTokens, loadTokenizer } from '../src/models/tokens.ts';
import { generateConversationV2, KINDS_V2 } from '../training/lib/conversations-v2.ts';
import { bm25Smoothed, denseOfEmbedder, embedConversations, engineStrategy, evaluate, questionOverlap, type DenseOf, type EvalStrategy, type Score } from '../training/lib/context-eval.ts';
import { machine, table, writeResult } from './lib/report.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const NO_DENSE = process.env.BENCH_NO_DENSE === '1';
const SEEDS = QUICK ? [1] : [1, 2, 3, 4];
const BUDGETS = [1000, 2000, 4000, 8000];
const f2 = (x: number) => x.toFixed(2);

export async function run(): Promise<void> {
  const tok = await loadTokenizer('o200k_base');
  const convs = SEEDS.map((s) => generateConversationV2(s, { split: 'test' }));
  const questions = convs.reduce((a, c) => a + c.questions.length, 0);
  const tokens = convs.map((c) => c.turns.reduce((a, t) => a + countTurnTokens(t, tok), 0));
  if (tokens.some((t) => t < 20_000)) throw new Error(`a conversation is under 20,000 tokens: ${tokens.join(', ')}`);
  const overlap = questionOverlap(convs);
  let denseOf: DenseOf | undefined;
  let embedNote = 'dense rows skipped (BENCH_NO_DENSE=1)';
  if (!NO_DENSE) {
    const e = await embedConversations(convs, SEEDS.map((s) => `v2-test-${s}`), createUseLiteEmbedder());
    denseOf = e.denseOf;
    embedNote = e.embedded > 0 ? `${e.embedded} turns and questions embedded by USE-lite in ${(e.ms / 1000).toFixed(0)} s` : 'USE-lite vectors from the bench/.work cache (embedded by an earlier run of the same generator and seeds)';
  }
  const staticEmbedder = createStaticEmbedder();
  const st = await denseOfEmbedder(convs, staticEmbedder);
  const denseStatic = st.denseOf;
  const staticNote = `static (${staticEmbedder.id}): ${convs.reduce((a, c) => a + c.turns.length + c.questions.length, 0)} texts embedded in ${st.ms.toFixed(0)} ms`;
  let learned: ScoreWeights | undefined;
  let learnedNote = 'no learned weights artifact (npm run train -- importance)';
  try {
    const l = loadLearnedWeights();
    learned = l.weights;
    learnedNote = `learned weights ${l.artifact.card.name}/${l.artifact.card.version}: ${Object.entries(l.weights).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`;
  } catch {
    // reported in the note
  }
  const defaults = resolveContextOptions().scorer.weights;
  const denseOnly: ContextOptionsInput = { scorer: { weights: { lexical: 0, recency: 0, importance: 0, role: 0, dense: 1 }, prf: { docs: 0 } }, neighborWeight: 0, summary: false, recentTurns: 0 };
  const strategies: [string, EvalStrategy][] = [
    ['sira relevance (default weights, no dense)', engineStrategy('relevance')],
    ['sira relevance + dense static (default weights; the service default)', engineStrategy('relevance', {}, denseStatic)],
    ['dense only (static)', engineStrategy('relevance', denseOnly, denseStatic)],
    ...(learned === undefined ? [] : ([['sira relevance (learned weights, no dense)', engineStrategy('relevance', { scorer: { weights: learned } })]] as [string, EvalStrategy][])),
    ...(denseOf === undefined
      ? []
      : ([
          ['sira relevance + dense USE-lite (default weights)', engineStrategy('relevance', {}, denseOf)],
          ...(learned === undefined ? [] : [['sira relevance + dense (learned weights)', engineStrategy('relevance', { scorer: { weights: learned } }, denseOf)]]),
          ['dense only (USE-lite)', engineStrategy('relevance', denseOnly, denseOf)],
        ] as [string, EvalStrategy][])),
    ['recency truncation', engineStrategy('recency')],
    ['BM25 + neighbour smoothing', bm25Smoothed(tok)],
  ];
  const data: Record<string, unknown> = { machine: machine(), generator: 'conversations-v2 test split', seeds: SEEDS, questions, tokens, overlap, embedNote, staticNote, learnedNote, defaults };
  const rows: (string | number)[][] = [];
  const kindRows: (string | number)[][] = [];
  for (const [name, s] of strategies) {
    const per: Record<number, Score> = {};
    for (const b of BUDGETS) per[b] = await evaluate(convs, s, b);
    data[name] = per;
    rows.push([name, ...BUDGETS.map((b) => f2(per[b]!.recall)), f2(per[2000]!.complete)]);
    kindRows.push([name, ...KINDS_V2.map((k) => f2(per[2000]!.byKind[k] ?? Number.NaN))]);
  }
  // Ablation at 2k on the service default (static dense), one signal off at a time.
  const base: ContextOptionsInput = {};
  const ablations: [string, ContextOptionsInput][] = [
    ['full (default weights)', base],
    ['− lexical (BM25)', { scorer: { weights: { lexical: 0 } } }],
    ['− dense', { scorer: { weights: { dense: 0 } } }],
    ['− recency', { scorer: { weights: { recency: 0 } } }],
    ['− importance', { scorer: { weights: { importance: 0 } } }],
    ['− role prior', { scorer: { weights: { role: 0 } } }],
    ['− neighbours', { neighborWeight: 0 }],
    ['− query expansion (PRF)', { scorer: { prf: { docs: 0 } } }],
    ['− summary', { summary: false }],
    ['− always-kept recent turns', { recentTurns: 0 }],
  ];
  const ablRows: (string | number)[][] = [];
  for (const [name, input] of ablations) {
    const sc = await evaluate(convs, engineStrategy('relevance', input, denseStatic), 2000);
    ablRows.push([name, f2(sc.recall), f2(sc.complete)]);
    data[`ablation ${name}`] = sc;
  }
  const md = [
    `Machine: ${data.machine} (shared, contended). Generator v2, TEST split (family B), ${convs.length} conversations (seeds ${SEEDS.join(', ')}), ${convs[0]!.turns.length} turns and ${tokens.map((t) => t.toLocaleString('en-US')).join(' / ')} tokens each (o200k), ${questions} questions; mean question–evidence overlap (Jaccard of stemmed terms) ${f2(overlap)}. Dense: ${embedNote}; ${staticNote}. ${learnedNote}.`,
    '',
    'Evidence recall by budget, and at 2k the share of questions with all their evidence.',
    '',
    table(['strategy', '1k', '2k', '4k', '8k', 'all evidence @2k'], rows),
    '',
    'Evidence recall at 2k by question kind.',
    '',
    table(['strategy', ...KINDS_V2], kindRows),
    '',
    'Ablation at 2k (the service default: default weights, static dense; one signal off at a time).',
    '',
    table(['variant', 'recall @2k', 'all evidence @2k'], ablRows),
  ].join('\n');
  writeResult('context-quality-v2', data, md);
}

if (import.meta.main) await run();
