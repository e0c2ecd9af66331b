/**
 * Adaptive policy (issue 7 (a) and (b)), offline:
 *  1. Bandit: simulated users whose best context strategy differs by request context (6 contexts × 5 arms; each
 *     run draws its own reward table, one arm per context lifted above the rest; thumbs are Bernoulli with 10%
 *     of them flipped). Cumulative regret against the per-context oracle (chart) and against the best FIXED arm,
 *     for the service's contextual Thompson sampling (src/memory/policy/bandit.ts) and baselines.
 *  1b. The same bandit on real engine outcomes: the reward of an arm for a question is a Bernoulli draw with the
 *     evidence recall its context window reaches (generator v2 TEST split, 1k budget, dense from the offline
 *     embedder's cached vectors), so the arm to find is whichever preset the engine actually does best with.
 *  2. Prefetch: the committed resume model (data/models/resume) replayed on a held-out usage trace (other users,
 *     other generators than training): hourly, the top-K sessions are warmed; a "resume read" (a user returning to a
 *     session after ≥ 30 min) is a hit when its session is in the hot tier. Against an LRU of the K most recently
 *     active sessions (the tail cache on its own) and half/half.
 *  3. Read latency of the hot tier: a real LMDB store, `getTurns(last 20)` cold (tail cache entry dropped: read and
 *     decode from LMDB) vs hot (tail cache hit), interleaved.
 * usage: npm run bench -- policy   (env BENCH_QUICK=1 for a short run)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../src/core/config.ts';
import { chooseArm, DEFAULT_ARMS, updateStats, type BanditStats } from '../src/memory/policy/bandit.ts';
import { createUseLiteEmbedder } from '../src/models/embedders/index.ts';
import { generateConversationV2 } from '../training/lib/conversations-v2.ts';
import { embedConversations, engineStrategy, recallOf } from '../training/lib/context-eval.ts';
import { loadResumeModel, Prefetcher } from '../src/memory/policy/prefetch.ts';
import { ActivityLog } from '../src/memory/policy/resume.ts';
import { openStore } from '../src/storage/index.ts';
import type { LmdbStore } from '../src/storage/lmdb/lmdb-store.ts';
import { chatTurns } from '../training/lib/corpus.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32, type Rng } from '../training/lib/rng.ts';
import { ms, now, summary } from './lib/stats.ts';
import { logLogChart } from './lib/svg.ts';
import { generateTrace, TEST_ARCHETYPES } from '../training/lib/usage-traces.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const ARMS = ['balanced', 'lexical', 'semantic', 'recent', 'recency'];
const CONTEXTS = ['short:question', 'short:statement', 'medium:question', 'medium:statement', 'long:question', 'long:statement'];

type Policy = { name: string; choose: (ctx: string, rng: Rng) => string; update: (ctx: string, arm: string, r: number) => void };

function policies(means: Record<string, number[]>): Policy[] {
  const ctxStats: BanditStats = {};
  const flatStats: BanditStats = {};
  const eps: Record<string, { sum: number[]; n: number[] }> = {};
  const overall = ARMS.map((_, k) => CONTEXTS.reduce((a, c) => a + means[c]![k]!, 0) / CONTEXTS.length);
  const bestFixed = ARMS[overall.indexOf(Math.max(...overall))]!;
  return [
    { name: 'contextual Thompson (service)', choose: (c, r) => chooseArm(ctxStats, c, ARMS, r).arm, update: (c, a, x) => updateStats(ctxStats, c, a, x) },
    { name: 'Thompson without context', choose: (_, r) => chooseArm(flatStats, 'all', ARMS, r).arm, update: (_, a, x) => updateStats(flatStats, 'all', a, x) },
    {
      name: 'ε-greedy 0.1 (contextual)',
      choose: (c, r) => {
        const e = (eps[c] ??= { sum: ARMS.map(() => 0), n: ARMS.map(() => 0) });
        if (r() < 0.1 || e.n.some((n) => n === 0)) return ARMS[Math.floor(r() * ARMS.length)]!;
        const m = e.sum.map((s, k) => s / e.n[k]!);
        return ARMS[m.indexOf(Math.max(...m))]!;
      },
      update: (c, a, x) => {
        const e = eps[c]!;
        const k = ARMS.indexOf(a);
        e.sum[k]! += x;
        e.n[k]!++;
      },
    },
    { name: 'uniform random', choose: (_, r) => ARMS[Math.floor(r() * ARMS.length)]!, update: () => {} },
    { name: `best fixed arm (${bestFixed}, knows the means)`, choose: () => bestFixed, update: () => {} },
  ];
}

function banditSim(runs: number, rounds: number) {
  const checkpoints = [10, 30, 100, 300, 1000, 3000, 10000, 30000].filter((x) => x <= rounds);
  const names: string[] = [];
  const vsOracle: number[][] = [];
  const vsFixed: number[][] = [];
  const bestLate: number[] = [];
  for (let run = 0; run < runs; run++) {
    const rng = mulberry32(9000 + run);
    const means: Record<string, number[]> = {};
    for (const c of CONTEXTS) {
      const m = ARMS.map(() => 0.25 + 0.35 * rng());
      m[Math.floor(rng() * ARMS.length)]! += 0.15;
      means[c] = m;
    }
    const overall = ARMS.map((_, k) => CONTEXTS.reduce((a, c) => a + means[c]![k]!, 0) / CONTEXTS.length);
    const fixed = overall.indexOf(Math.max(...overall));
    const ps = policies(means);
    ps.forEach((p, i) => {
      names[i] = p.name.replace(/\(.*knows/, '(knows');
      const r = mulberry32(run * 7919 + i);
      let regO = 0;
      let regF = 0;
      let late = 0;
      for (let t = 1; t <= rounds; t++) {
        const c = CONTEXTS[Math.floor(r() * CONTEXTS.length)]!;
        const arm = p.choose(c, r);
        const m = means[c]!;
        const k = ARMS.indexOf(arm);
        regO += Math.max(...m) - m[k]!;
        regF += m[fixed]! - m[k]!;
        if (t > rounds - 1000 && m[k] === Math.max(...m)) late++;
        let reward = r() < m[k]! ? 1 : 0;
        if (r() < 0.1) reward = 1 - reward; // noisy thumbs
        p.update(c, arm, reward);
        const ci = checkpoints.indexOf(t);
        if (ci >= 0) {
          ((vsOracle[i] ??= checkpoints.map(() => 0))[ci] as number) += regO / runs;
          ((vsFixed[i] ??= checkpoints.map(() => 0))[ci] as number) += regF / runs;
        }
      }
      bestLate[i] = (bestLate[i] ?? 0) + late / Math.min(1000, rounds) / runs;
    });
  }
  return { checkpoints, names, vsOracle, vsFixed, bestLate };
}

/** Recall@budget of every arm on every v2 test question, then Thompson sampling with Bernoulli(recall) rewards. */
async function groundedSim(runs: number, rounds: number, budget: number) {
  const convs = (QUICK ? [1] : [1, 2, 3, 4]).map((s) => generateConversationV2(s, { split: 'test' }));
  const { denseOf } = await embedConversations(convs, convs.map((c) => `v2-test-${c.seed}`), createUseLiteEmbedder());
  const qs = convs.flatMap((c) => c.questions.map((q) => ({ c, q })));
  const recall: number[][] = [];
  for (const arm of DEFAULT_ARMS) {
    const s = engineStrategy(arm.strategy, arm.weights === undefined ? {} : { scorer: { weights: arm.weights } }, denseOf);
    const r: number[] = [];
    for (const { c, q } of qs) r.push(recallOf(await s(c, q, budget), q));
    recall.push(r);
  }
  const means = recall.map((r) => r.reduce((a, x) => a + x, 0) / r.length);
  const best = means.indexOf(Math.max(...means));
  const names = DEFAULT_ARMS.map((a) => a.name);
  let regret = 0;
  let bestShare = 0;
  const checkpoints = [...new Set([100, 1000, 2000, rounds])].filter((c) => c <= rounds);
  const at: number[] = checkpoints.map(() => 0);
  for (let run = 0; run < runs; run++) {
    const rng = mulberry32(500 + run);
    const stats: BanditStats = {};
    let reg = 0;
    let late = 0;
    for (let t = 1; t <= rounds; t++) {
      const qi = Math.floor(rng() * qs.length);
      const arm = chooseArm(stats, 'long:question', names, rng).arm;
      const k = names.indexOf(arm);
      reg += means[best]! - means[k]!;
      if (t > rounds - 500 && k === best) late++;
      updateStats(stats, 'long:question', arm, rng() < recall[k]![qi]! ? 1 : 0);
      const ci = checkpoints.indexOf(t);
      if (ci >= 0) at[ci]! += reg / runs;
    }
    regret += reg / runs;
    bestShare += late / 500 / runs;
  }
  return { budget, questions: qs.length, means: Object.fromEntries(names.map((n, i) => [n, means[i]!])), best: names[best]!, checkpoints, regretAt: at, regret, bestShare };
}

async function prefetchSim(ks: number[]) {
  const loaded = loadResumeModel();
  if (loaded === undefined) throw new Error('no resume model: npm run train -- policy');
  const trace = generateTrace(7001, QUICK ? 60 : 200, TEST_ARCHETYPES);
  const HOUR = 3_600_000;
  const warm = trace.start + 14 * 86_400_000;
  const end = trace.start + trace.days * 86_400_000;
  const out: Record<number, { prefetch: number; lru: number; half: number; reads: number; perRound: number }> = {};
  for (const K of ks) {
    const log = new ActivityLog();
    let clock = trace.start;
    const pf = new Prefetcher(undefined as never, log, loaded.model, { top: K, horizonMs: loaded.horizonMs, clock: () => clock });
    const pfHalf = new Prefetcher(undefined as never, log, loaded.model, { top: Math.floor(K / 2), horizonMs: loaded.horizonMs, clock: () => clock });
    const lastSeen = new Map<string, number>();
    let i = 0;
    let hot = new Set<string>();
    let hotHalf = new Set<string>();
    let hits = 0;
    let hitsLru = 0;
    let hitsHalf = 0;
    let reads = 0;
    for (let t = trace.start; t < end; t += HOUR) {
      clock = t;
      if (t >= warm) {
        hot = new Set(pf.rank().warmed.map((w) => w.session));
        hotHalf = new Set(pfHalf.rank().warmed.map((w) => w.session));
      }
      while (i < trace.events.length && trace.events[i]!.t < t + HOUR) {
        const e = trace.events[i++]!;
        const prev = lastSeen.get(e.session);
        if (t >= warm && prev !== undefined && e.t - prev >= 30 * 60_000) {
          reads++;
          // LRU of capacity K: the K sessions touched most recently before this read.
          let rankOf = 0;
          for (const v of lastSeen.values()) if (v > prev) rankOf++;
          if (hot.has(e.session)) hits++;
          if (rankOf < K) hitsLru++;
          if (hotHalf.has(e.session) || rankOf < K - Math.floor(K / 2)) hitsHalf++;
        }
        lastSeen.set(e.session, e.t);
        log.touch('t', e.user, e.session, e.t, e.open);
      }
    }
    out[K] = { prefetch: hits / reads, lru: hitsLru / reads, half: hitsHalf / reads, reads, perRound: K };
  }
  const sessions = new Set(trace.events.map((e) => e.session)).size;
  return { out, sessions, users: trace.users.length, events: trace.events.length };
}

async function latency(nSessions: number, reads: number) {
  const dir = await mkdtemp(join(tmpdir(), 'sira-bench-policy-'));
  const store = (await openStore(resolveConfig({ dataDir: dir }), Date.now)) as LmdbStore;
  try {
    const g = chatTurns(5);
    for (let s = 0; s < nSessions; s++) {
      await store.createSession('t', { id: `s${s}`, user_id: `u${s % 50}`, metadata: {}, ttl_seconds: null });
      const turns = Array.from({ length: 40 }, () => {
        const t = g.next();
        return { role: t.role, parts: t.parts, name: null, agent_id: null, metadata: t.metadata ?? null, importance: null, pinned: false };
      });
      await store.appendTurns('t', `s${s}`, turns as never);
    }
    const cache = store.tailCache!;
    const cold: number[] = [];
    const hot: number[] = [];
    const rng = mulberry32(3);
    for (let i = 0; i < reads; i++) {
      const id = `s${Math.floor(rng() * nSessions)}`;
      cache.drop(`t\u0000${id}`);
      let t0 = now();
      await store.getTurns('t', id, { last: 20 });
      cold.push(now() - t0);
      t0 = now();
      await store.getTurns('t', id, { last: 20 });
      hot.push(now() - t0);
    }
    return { cold: summary(cold), hot: summary(hot), hits: cache.hits, misses: cache.misses };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const runs = QUICK ? 4 : 20;
  const rounds = QUICK ? 3000 : 30000;
  const b = banditSim(runs, rounds);
  const svg = logLogChart({
    title: `Cumulative regret vs the per-context oracle (mean of ${runs} runs)`,
    xLabel: 'rounds (context requests with feedback)',
    yLabel: 'cumulative regret (expected reward lost)',
    series: b.names.map((n, i) => ({ name: n, points: b.checkpoints.map((x, j) => [x, b.vsOracle[i]![j]!] as const) })),
  });
  writeFileSync(join(import.meta.dirname, 'results', 'policy-regret.svg'), svg);
  const g = await groundedSim(runs, QUICK ? 1000 : 5000, 1000);
  const pre = await prefetchSim([25, 50, 100, 200]);
  const lat = await latency(QUICK ? 200 : 2000, QUICK ? 500 : 3000);
  const savedMs = (k: number) => pre.out[k]!.prefetch * pre.out[k]!.reads * (lat.cold.p50 - lat.hot.p50);
  const data = { machine: machine(), bandit: { runs, rounds, ...b }, grounded: g, prefetch: pre, latency: lat };
  const md = [
    `Machine: ${data.machine} (shared, contended).`,
    '',
    `Bandit: ${runs} runs × ${rounds.toLocaleString('en-US')} rounds, ${CONTEXTS.length} contexts × ${ARMS.length} arms, best arm differs by context, 10% of thumbs flipped. Cumulative regret against the per-context oracle (lower is better):`,
    '',
    table(['policy', ...b.checkpoints.map(String), 'best arm chosen, last 1000 rounds'], b.names.map((n, i) => [n, ...b.vsOracle[i]!.map((x) => x.toFixed(1)), (b.bestLate[i]! * 100).toFixed(1) + '%'])),
    '',
    'Cumulative regret against the best FIXED arm (negative = more reward than always playing it):',
    '',
    table(['policy', ...b.checkpoints.map(String)], b.names.map((n, i) => [n, ...b.vsFixed[i]!.map((x) => x.toFixed(1))])),
    '',
    `Chart: bench/results/policy-regret.svg.`,
    '',
    `The same bandit on real engine outcomes: ${g.questions} generator-v2 TEST questions, ${g.budget}-token budget, dense from USE-lite; reward = Bernoulli(evidence recall of the arm's window). Mean recall per arm (the expected reward): ${Object.entries(g.means).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}; best fixed arm ${g.best}. Over ${runs} runs: regret vs that arm ${g.checkpoints.map((c, i) => `${g.regretAt[i]!.toFixed(1)} after ${c}`).join(', ')} rounds; ${g.best} chosen in ${(g.bestShare * 100).toFixed(1)}% of the last 500 rounds.`,
    '',
    `Prefetch: held-out trace of ${pre.users} users (shift and weekend generators, not in training), ${pre.sessions} sessions, ${pre.events.toLocaleString('en-US')} events over 56 days; replayed from day 14, hourly rounds. Hit rate of resume reads (a return to a session after ≥ 30 min) by hot-tier capacity K:`,
    '',
    table(['K', 'resume reads', 'prefetch top-K (resume model)', 'LRU of K (tail cache alone)', 'K/2 prefetch + K/2 LRU'], Object.entries(pre.out).map(([k, v]) => [k, v.reads, (v.prefetch * 100).toFixed(1) + '%', (v.lru * 100).toFixed(1) + '%', (v.half * 100).toFixed(1) + '%'])),
    '',
    `Read latency, real LMDB store, getTurns(last 20) of 40-turn sessions (${QUICK ? 200 : 2000} sessions), ms:`,
    '',
    table(['', 'n', 'p50', 'p90', 'p99', 'max'], [
      ['cold (tail cache entry dropped: LMDB read + decode)', lat.cold.n, ms(lat.cold.p50), ms(lat.cold.p90), ms(lat.cold.p99), ms(lat.cold.max)],
      ['hot (tail cache hit)', lat.hot.n, ms(lat.hot.p50), ms(lat.hot.p90), ms(lat.hot.p99), ms(lat.hot.max)],
    ]),
    '',
    `Read time saved by prefetch at K = 100: ${(pre.out[100]!.prefetch * 100).toFixed(1)}% of ${pre.out[100]!.reads} resume reads hit × (cold p50 − hot p50 = ${ms(lat.cold.p50 - lat.hot.p50)} ms) = ${savedMs(100).toFixed(0)} ms over the trace (p99 gap ${ms(lat.cold.p99 - lat.hot.p99)} ms per hit).`,
  ].join('\n');
  writeResult('policy', data, md);
}

if (import.meta.main) await run();
