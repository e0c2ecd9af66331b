/**
 * Context windows on "real long-term chat" (issue 12, generator v3: bench/lib/conversations-v3.ts), measured as
 * the held-out run measures them: every conversation is one session of the REAL service (`sira-session serve`,
 * default configuration, a fresh data dir), its turns appended through POST /v1/sessions/:id/turns in batches of
 * 100, then per question POST /v1/sessions/:id/context {query, budget_tokens} (no messages); evidence recall =
 * share of the question's evidence turns among `selected`. Beside it, in this same process and on the same data:
 * recency truncation, plain BM25, BM25 over 5-character stems + neighbour smoothing (the issue's "30-line
 * script"), that + the static embedder or USE-lite fused, and the engine in process (with the default static
 * embedder's dense scores, without dense, and with USE-lite's).
 * Both splits are reported: `dev` (tune on it) and `blind` (never tune on it).
 *
 * usage: npm run bench -- context-real [--split dev|blind] [--budget 2000] [--conversations 10]
 *        (defaults: both splits, budgets 2000 and 1000, 10 conversations each)
 * env:   BENCH_QUICK=1 (2 conversations per split), BENCH_NO_DENSE=1 (skip USE-lite: slow on first run, then
 *        cached in bench/.work), BENCH_NO_HTTP=1 (in-process rows only)
 */
import { embeddingText } from '../src/memory/index.ts';
import { dot } from '../src/models/embedder.ts';
import { createStaticEmbedder, createUseLiteEmbedder } from '../src/models/embedders/index.ts';
import { countTurnTokens, loadTokenizer } from '../src/models/tokens.ts';
import { questionOverlap, type EvalConversation } from '../training/lib/context-eval.ts';
import { bm25Baseline, conversationsV3, embedDenseV3, engineV3, KINDS_V3, recencyBaseline, scoreStrategy, type DenseOfV3, type ScoreV3, type StoredConversationV3, type StrategyV3 } from './lib/context-eval-v3.ts';
import type { SplitV3 } from './lib/conversations-v3.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { startServer } from './lib/server.ts';
import { ms, summary } from './lib/stats.ts';

const f2 = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(2));

/** Command-line options (after the scenario name). */
function parseArgs(argv: readonly string[]): { splits: SplitV3[]; budgets: number[]; conversations: number } {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i === -1 ? undefined : argv[i + 1];
  };
  const split = get('--split');
  if (split !== undefined && split !== 'dev' && split !== 'blind') throw new Error(`--split must be dev or blind, not ${split}`);
  const budget = get('--budget');
  const n = get('--conversations');
  const budgets = budget === undefined ? [2000, 1000] : [Number(budget)];
  const conversations = n === undefined ? (process.env.BENCH_QUICK === '1' ? 2 : 10) : Number(n);
  if (budgets.some((b) => !Number.isSafeInteger(b) || b < 100)) throw new Error('--budget must be an integer ≥ 100');
  if (!Number.isSafeInteger(conversations) || conversations < 1) throw new Error('--conversations must be a positive integer');
  return { splits: split === undefined ? ['dev', 'blind'] : [split], budgets, conversations };
}

/** The real service over HTTP, default configuration: recall per budget and the context latencies. */
async function httpStrategy(convs: readonly StoredConversationV3[]): Promise<{ strategy: StrategyV3; latencies: number[]; close: () => Promise<void>; appendMs: number }> {
  const srv = await startServer();
  const headers = { authorization: `Bearer ${srv.key}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${srv.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<unknown>;
  };
  const t0 = performance.now();
  for (const c of convs) {
    await post('/v1/sessions', { id: c.id });
    for (let i = 0; i < c.turns.length; i += 100) await post(`/v1/sessions/${c.id}/turns`, { turns: c.turns.slice(i, i + 100) });
  }
  const appendMs = performance.now() - t0;
  const latencies: number[] = [];
  const strategy: StrategyV3 = async (c, q, budget) => {
    const t = performance.now();
    const r = (await post(`/v1/sessions/${c.id}/context`, { query: q.text, budget_tokens: budget })) as { selected: { seq: number }[] };
    latencies.push(performance.now() - t);
    return new Set(r.selected.map((s) => s.seq));
  };
  return { strategy, latencies, appendMs, close: () => srv.stop() };
}

/** Similarities from the default static embedder (fast: computed on every run, never cached). */
function staticDense(convs: readonly StoredConversationV3[]): { dense: DenseOfV3; note: string } {
  const e = createStaticEmbedder();
  const t0 = performance.now();
  const turns = new Map(convs.map((c) => [c, e.embedSync(c.stored.map(embeddingText))]));
  const qs = new Map(convs.flatMap((c) => { const v = e.embedSync(c.questions.map((q) => q.text)); return c.questions.map((q, i) => [q, v[i]!] as const); }));
  const took = performance.now() - t0;
  const dense: DenseOfV3 = (c, q) => new Map(c.stored.map((t, i) => [t.seq, dot(qs.get(q)!, turns.get(c)![i]!)]));
  return { dense, note: `static (${e.id}): ${[...turns.values()].reduce((a, v) => a + v.length, 0) + qs.size} texts in ${took.toFixed(0)} ms` };
}

export async function run(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const tok = await loadTokenizer('o200k_base');
  const noDense = process.env.BENCH_NO_DENSE === '1';
  const noHttp = process.env.BENCH_NO_HTTP === '1';
  const data: Record<string, unknown> = { machine: machine(), generator: 'conversations-v3', ...args };
  const md: string[] = [];
  for (const split of args.splits) {
    const convs = conversationsV3(split, args.conversations);
    const questions = convs.reduce((a, c) => a + c.questions.length, 0);
    const tokens = convs.map((c) => c.stored.reduce((a, t) => a + countTurnTokens(t, tok), 0));
    const kinds = Object.fromEntries(KINDS_V3.map((k) => [k, convs.reduce((a, c) => a + c.questions.filter((q) => q.kind === k).length, 0)]));
    const overlap = questionOverlap(convs.map((c) => ({ turns: c.stored, questions: c.questions }) as unknown as EvalConversation));
    const dense = noDense ? undefined : await embedDenseV3(convs, createUseLiteEmbedder());
    const st = staticDense(convs);
    const strategies: [string, StrategyV3][] = [];
    const http = noHttp ? undefined : await httpStrategy(convs);
    if (http !== undefined) strategies.push(['**Sira over HTTP, default configuration**', http.strategy]);
    const words = createStaticEmbedder();
    strategies.push(['Sira in process + static dense (the default embedder)', engineV3({}, st.dense, (ws) => words.embedSync(ws))]);
    strategies.push(['Sira in process, no dense (embedder none)', engineV3()]);
    if (dense !== undefined) strategies.push(['Sira in process + USE-lite dense', engineV3({}, dense.dense)]);
    strategies.push(
      ['recency truncation', recencyBaseline(tok)],
      ['plain BM25', bm25Baseline(tok)],
      ['BM25 over 5-char stems + neighbours', bm25Baseline(tok, { prefix: 5, neighbours: true })],
    );
    strategies.push(['that + static, fused', bm25Baseline(tok, { prefix: 5, neighbours: true, dense: st.dense })]);
    if (dense !== undefined) strategies.push(['that + USE-lite, fused', bm25Baseline(tok, { prefix: 5, neighbours: true, dense: dense.dense })]);
    const rows: (string | number)[][] = [];
    const kindRows: (string | number)[][] = [];
    const results: Record<string, Record<number, Omit<ScoreV3, 'perQuestion'>>> = {};
    const perQuestion: Record<string, Record<string, number>> = {};
    try {
      for (const [name, s] of strategies) {
        const per: Record<number, ScoreV3> = {};
        for (const b of args.budgets) per[b] = await scoreStrategy(convs, s, b);
        results[name] = Object.fromEntries(Object.entries(per).map(([b, { perQuestion: _, ...rest }]) => [b, rest]));
        perQuestion[name] = per[args.budgets[0]!]!.perQuestion;
        rows.push([name, ...args.budgets.map((b) => f2(per[b]!.recall)), f2(per[args.budgets[0]!]!.complete)]);
        for (const b of args.budgets) kindRows.push([name, b, ...KINDS_V3.map((k) => f2(per[b]!.byKind[k]))]);
      }
    } finally {
      await http?.close();
    }
    // The in-process entry point must agree with the service (same engine, same turns): share of equal recalls.
    const httpName = strategies[0]![0];
    const agree = http === undefined ? undefined : Object.keys(perQuestion[httpName]!).filter((id) => perQuestion[httpName]![id] === perQuestion['Sira in process + static dense (the default embedder)']![id]).length / questions;
    const lat = http === undefined ? undefined : summary(http.latencies);
    data[split] = { seeds: convs.map((c) => c.seed), turns: convs.map((c) => c.turns.length), tokens, questions, kinds, overlap, dense: dense?.note ?? 'skipped (BENCH_NO_DENSE=1)', results, httpInProcessAgreement: agree, contextLatencyMs: lat, appendMs: http?.appendMs };
    md.push(
      `### ${split} split${split === 'blind' ? ' (never tuned on)' : ''}`,
      '',
      `${convs.length} conversations (seeds ${convs[0]!.seed}–${convs.at(-1)!.seed}), ${Math.min(...convs.map((c) => c.turns.length))}–${Math.max(...convs.map((c) => c.turns.length))} turns and ${Math.min(...tokens).toLocaleString('en-US')}–${Math.max(...tokens).toLocaleString('en-US')} tokens each (o200k), ${questions} questions (${KINDS_V3.map((k) => `${k} ${kinds[k]}`).join(', ')}); mean question–evidence overlap (Jaccard of stemmed terms) ${f2(overlap)}. Dense: ${dense?.note ?? 'USE-lite skipped (BENCH_NO_DENSE=1)'}; ${st.note}.`,
      '',
      table(['strategy', ...args.budgets.map((b) => `recall @${b / 1000}k`), `all evidence @${args.budgets[0]! / 1000}k`], rows),
      '',
      table(['strategy', 'budget', ...KINDS_V3], kindRows),
      '',
      lat === undefined
        ? 'HTTP skipped (BENCH_NO_HTTP=1).'
        : `HTTP context latency (informational; shared machine): p50 ${ms(lat.p50)} ms, p99 ${ms(lat.p99)} ms over ${lat.n} requests; HTTP and in-process recall agree on ${(agree! * 100).toFixed(1)}% of questions.`,
      '',
    );
  }
  md.unshift(`Machine: ${data.machine as string}. Generator v3 ("real long-term chat"); evidence recall = share of a question's evidence turns among \`selected\`, mean over questions.`, '');
  const custom = process.argv.slice(2).some((a) => a === '--split' || a === '--budget' || a === '--conversations') || process.env.BENCH_QUICK === '1';
  writeResult(custom ? 'context-real-custom' : 'context-real', data, md.join('\n'));
}

if (import.meta.main) await run();
