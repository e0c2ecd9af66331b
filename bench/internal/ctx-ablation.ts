/**
 * Context-engine ablation (issue 12): each retrieval change of the engine switched off one at a time against the
 * full default configuration, at 2k and 1k tokens, overall and per question kind, beside the baselines (stemmed
 * BM25 + neighbours: "the 30-line script"), on generator v3 (bench/lib/conversations-v3.ts). Tuning reads the DEV
 * split only; `--blind` reports the blind split once the configuration is fixed. Quality only (no timings).
 * Dense similarities come from the default embedder (static, computed on each run); `--use-lite` takes USE-lite's
 * (cached in bench/.work), `--no-dense` none (embedder `none`), `--dense-with-headers` the static embedder over turns
 * with their `[date] Name:` header (the embedded text before that change). With the static embedder the engine also
 * gets it as its word embedder (neighbour expansion), as the service does; `--no-words` leaves that out.
 * usage: node bench/internal/ctx-ablation.ts [--blind] [--n=10] [--use-lite | --no-dense | --dense-with-headers] [--no-words]
 *        [--static-version=v2] (another table of data/models/static-embed than the default)
 *        env CTX_EXTRA='[["name", {options}], …]' adds configurations (exploration on dev)
 */
import { DEFAULT_CONTEXT_OPTIONS, type ContextOptionsInput } from '../../src/memory/index.ts';
import { loadTokenizer } from '../../src/models/tokens.ts';
import { embeddingText } from '../../src/memory/index.ts';
import { dot } from '../../src/models/embedder.ts';
import { turnText } from '../../src/models/chat.ts';
import { join } from 'node:path';
import { defaultModelsDir } from '../../src/models/artifact.ts';
import { createStaticEmbedder, createUseLiteEmbedder, STATIC_ARTIFACT } from '../../src/models/embedders/index.ts';
import { bm25Baseline, conversationsV3, embedDenseV3, engineV3, KINDS_V3, scoreStrategy, type DenseOfV3, type ScoreV3, type StoredConversationV3, type StrategyV3 } from '../lib/context-eval-v3.ts';


/**
 * Similarities from the default static embedder (as the service computes them: over `embeddingText`; with
 * `withHeaders`, over the whole turn text, `[date] Name:` header included, as before issue 12's header change).
 */
/** The static embedder of `--static-version` (the default table without it). */
function staticEmbedder(): ReturnType<typeof createStaticEmbedder> {
  const version = process.argv.find((a) => a.startsWith('--static-version='))?.slice(17);
  return createStaticEmbedder(version === undefined ? {} : { dir: join(defaultModelsDir(), STATIC_ARTIFACT, version) });
}

function staticDense(convs: readonly StoredConversationV3[], withHeaders = false): DenseOfV3 {
  const e = staticEmbedder();
  const text = withHeaders ? (t: StoredConversationV3['stored'][number]) => turnText(t) : embeddingText;
  const turns = new Map(convs.map((c) => [c, e.embedSync(c.stored.map(text))]));
  const qs = new Map(convs.flatMap((c) => {
    const v = e.embedSync(c.questions.map((q) => q.text));
    return c.questions.map((q, i) => [q, v[i]!] as const);
  }));
  return (c, q) => new Map(c.stored.map((t, i) => [t.seq, dot(qs.get(q)!, turns.get(c)![i]!)]));
}

const BUDGETS = [2000, 1000];
const d = DEFAULT_CONTEXT_OPTIONS;

/** The engine as it was before issue 12 (each new switch off). */
export const BEFORE_ISSUE_12: ContextOptionsInput = {
  scorer: { prefixStem: 0, smoothing: 0, denseMinMax: false, denseSmoothing: 0, speakerTerms: true, prf: { docs: 3 }, neighbours: { terms: 0 }, weights: { speaker: 0, dense: 0.5 } },
  queryRecentTurns: 4,
  querySummary: true,
};
export const ABLATIONS: [string, ContextOptionsInput][] = [
  ['engine before issue 12 (header terms stripped)', BEFORE_ISSUE_12],
  ['full (defaults)', {}],
  [`− neighbour expansion (terms ${d.scorer.neighbours.terms} → 0)`, { scorer: { neighbours: { terms: 0 } } }],
  [`neighbour weight ${d.scorer.neighbours.weight} → 0.6`, { scorer: { neighbours: { weight: 0.6 } } }],
  [`neighbour similarity ≥ ${d.scorer.neighbours.minSimilarity} → 0.4`, { scorer: { neighbours: { minSimilarity: 0.4 } } }],
  [`− 5-char stems (prefixStem ${d.scorer.prefixStem} → 0)`, { scorer: { prefixStem: 0 } }],
  [`− lexical smoothing (${d.scorer.smoothing} → 0)`, { scorer: { smoothing: 0 } }],
  [`− speaker component (weight ${d.scorer.weights.speaker} → 0)`, { scorer: { weights: { speaker: 0 } } }],
  [`− small recent tail (${d.queryRecentTurns} → 4)`, { queryRecentTurns: 4 }],
  [`− no summary on retrieval (summary on)`, { querySummary: true }],
  [`+ PRF (docs ${d.scorer.prf.docs} → 3, as before)`, { scorer: { prf: { docs: 3 } } }],
  ['+ speaker names as lexical terms (as before)', { scorer: { speakerTerms: true } }],
  ['− selection neighbours', { neighborWeight: 0 }],
  ['+ dense min-max rescaling', { scorer: { denseMinMax: true } }],
  [`− dense smoothing (${d.scorer.denseSmoothing} → 0)`, { scorer: { denseSmoothing: 0 } }],
  [`dense weight ${d.scorer.weights.dense} → 0.5 (before)`, { scorer: { weights: { dense: 0.5 } } }],
  [`dense weight ${d.scorer.weights.dense} → 1.5`, { scorer: { weights: { dense: 1.5 } } }],
];

const f3 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(3));

async function main(): Promise<void> {
  const split = process.argv.includes('--blind') ? 'blind' : 'dev';
  const n = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 10);
  const tok = await loadTokenizer('o200k_base');
  const convs = conversationsV3(split, n);
  const extra = (process.env.CTX_EXTRA ?? '') === '' ? [] : (JSON.parse(process.env.CTX_EXTRA!) as [string, ContextOptionsInput][]);
  const onlyExtra = process.env.CTX_ONLY_EXTRA === '1';
  const denseName = process.argv.includes('--no-dense') ? 'none' : process.argv.includes('--use-lite') ? 'USE-lite' : process.argv.includes('--dense-with-headers') ? 'static over turns with headers' : 'static (default)';
  // The service gives the engine a word embedder only with the static embedder (the default).
  const wordEmbedder = staticEmbedder();
  const words = !process.argv.includes('--no-words') && (denseName === 'static (default)' || denseName === 'static over turns with headers') ? (ws: readonly string[]) => wordEmbedder.embedSync(ws) : undefined;
  const dense: DenseOfV3 | undefined = denseName === 'none' ? undefined : denseName === 'USE-lite' ? (await embedDenseV3(convs, createUseLiteEmbedder())).dense : staticDense(convs, process.argv.includes('--dense-with-headers'));
  console.log(`generator v3 ${split}: ${convs.length} conversations, ${convs.reduce((a, c) => a + c.questions.length, 0)} questions; dense: ${denseName}${process.argv.find((a) => a.startsWith('--static-version=')) ?? ''}`);
  console.log(`| configuration | @2k | @1k | ${KINDS_V3.map((k) => `${k} @2k`).join(' | ')} | ${KINDS_V3.map((k) => `${k} @1k`).join(' | ')} |`);
  console.log(`|---|---|---|${KINDS_V3.map(() => '---').join('|')}|${KINDS_V3.map(() => '---').join('|')}|`);
  const rows: [string, StrategyV3][] = [
    ...(onlyExtra ? [] : ([['BM25 5-char stems + neighbours (baseline)', bm25Baseline(tok, { prefix: 5, neighbours: true })]] as [string, StrategyV3][])),
    ...(onlyExtra || dense === undefined ? [] : ([['that + dense, fused (baseline)', bm25Baseline(tok, { prefix: 5, neighbours: true, dense })]] as [string, StrategyV3][])),
    ...[...(onlyExtra ? [['full (defaults)', {}] as [string, ContextOptionsInput]] : ABLATIONS), ...extra].map(([name, o]) => [name, engineV3(o, dense, words)] as [string, StrategyV3]),
  ];
  for (const [name, s] of rows) {
    const r: ScoreV3[] = [];
    for (const b of BUDGETS) r.push(await scoreStrategy(convs, s, b));
    console.log(`| ${name} | ${f3(r[0]!.recall)} | ${f3(r[1]!.recall)} | ${KINDS_V3.map((k) => f3(r[0]!.byKind[k])).join(' | ')} | ${KINDS_V3.map((k) => f3(r[1]!.byKind[k])).join(' | ')} |`);
  }
}

await main();
