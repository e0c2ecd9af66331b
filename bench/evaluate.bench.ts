/**
 * Session evaluation benchmark (issue 7): `POST /v1/sessions/:id/evaluate` on 200-turn sessions.
 *  - quality: ROC AUC of the committed artifact (data/models/quality) and of the hand-set fallback on freshly
 *    generated conversations (seeds not used in training): new rows of the training families, the held-out
 *    families (other templates, phrases, domains, speakers), and the blind families (written after the model and
 *    its features were fixed);
 *  - latency, one request at a time after a warm-up, each request on one of 50 different 200-turn sessions:
 *    in-process (`tenant.evaluateSession`: LMDB read + features + model), and over HTTP on loopback (an app in
 *    this process, fetch), each with no intent classifier and with a stub classifier of realistic cost (hashed
 *    unigram+bigram features of the user turns × a dense 150-intent linear layer + softmax, like a small
 *    bag-of-words intent model).
 * usage: npm run bench -- evaluate   (BENCH_QUICK=1 for short runs)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Turn } from '../src/core/types.ts';
import { buildApp } from '../src/api/app.ts';
import { SessionEvaluator, loadQualityModel, fallbackQualityModel, HEADS, type SessionIntentClassifier } from '../src/memory/evaluate/index.ts';
import { SiraSession } from '../src/sira.ts';
import { generateQualitySet } from '../training/data/quality-conversations.ts';
import { auc } from '../training/lib/logistic.ts';
import { HEAD_LABEL } from '../training/tasks/quality.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32 } from '../training/lib/rng.ts';
import { ms, now, summary } from './lib/stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const N_EVAL = QUICK ? 400 : 3000;
const ITER = QUICK ? 300 : 2000;
const SESSIONS = 50;

/** A stub intent classifier doing the work of a small bag-of-words model (2^14 hashed features → 150 intents). */
function stubIntent(): SessionIntentClassifier {
  const K = 150;
  const D = 1 << 14;
  const rng = mulberry32(3);
  const W = Float32Array.from({ length: K * D }, () => rng() - 0.5);
  const labels = Array.from({ length: K }, (_, i) => `intent_${i}`);
  return {
    model: { name: 'intent-stub', version: 'bench' },
    classifySession(turns) {
      const ids: number[] = [];
      for (const t of turns) {
        if (t.role !== 'user') continue;
        for (const p of t.parts) {
          if (p.type !== 'text') continue;
          const ws = p.text.toLowerCase().split(/\W+/).filter(Boolean);
          for (let i = 0; i < ws.length; i++) {
            for (const g of i + 1 < ws.length ? [ws[i]!, `${ws[i]} ${ws[i + 1]}`] : [ws[i]!]) {
              let h = 0x811c9dc5;
              for (let c = 0; c < g.length; c++) h = Math.imul(h ^ g.charCodeAt(c), 0x01000193);
              ids.push((h >>> 0) & (D - 1));
            }
          }
        }
      }
      // Feature-major weights: each feature adds its row of K logits (contiguous, as a real sparse linear model does).
      const z = new Float64Array(K);
      for (const i of ids) {
        const row = i * K;
        for (let k = 0; k < K; k++) z[k]! += W[row + k]!;
      }
      const norm = Math.sqrt(ids.length + 1);
      for (let k = 0; k < K; k++) z[k]! /= norm;
      const m = Math.max(...z);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += z[k] = Math.exp(z[k]! - m);
      const order = [...z.keys()].sort((a, b) => z[b]! - z[a]!).slice(0, 5);
      return { label: labels[order[0]!]!, confidence: z[order[0]!]! / sum, distribution: order.map((k) => ({ label: labels[k]!, p: z[k]! / sum })), out_of_scope: false };
    },
  };
}

/** A 200-turn session: held-out conversations of many rounds, trimmed to 200 turns. */
function longSession(seed: number): Turn[] {
  const [c] = generateQualitySet({ split: 'heldout', n: 1, seed, rounds: 120 });
  return c!.turns.slice(0, 200);
}

/**
 * Wall-clock latency of sequential calls, and the mean CPU time of this process per call (user + system over the
 * whole loop / calls: getrusage ticks are too coarse for per-call CPU percentiles). On a contended machine the
 * wall-clock tail is mostly time spent descheduled; the CPU mean is the work itself.
 */
async function timeLoop(label: string, fn: (i: number) => Promise<unknown>): Promise<{ label: string; p50: number; p99: number; max: number; cpuMean: number; n: number }> {
  for (let i = 0; i < Math.min(200, ITER); i++) await fn(i);
  const xs: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < ITER; i++) {
    const t0 = now();
    await fn(i);
    xs.push(now() - t0);
  }
  const c = process.cpuUsage(c0);
  const s = summary(xs);
  return { label, p50: s.p50, p99: s.p99, max: s.max, cpuMean: (c.user + c.system) / 1000 / ITER, n: s.n };
}

export async function run(): Promise<void> {
  // Quality on fresh data.
  const trained = loadQualityModel();
  const fb = fallbackQualityModel();
  const quality: { split: string; head: string; auc: number; fallback: number; n: number }[] = [];
  // Hard cases of the held-out split: how often the trained model gets each right at the 0.5 threshold.
  const hard: { split: string; case: string; rule: string; n: number; correct: number }[] = [];
  const RULES: Record<string, [string, (q: Awaited<ReturnType<SessionEvaluator['evaluate']>>['quality']) => boolean]> = {
    'polite-unresolved': ['resolution < 0.5', (q) => q.resolution.score < 0.5],
    'terse-satisfied': ['resolution ≥ 0.5', (q) => q.resolution.score >= 0.5],
    sarcasm: ['frustration ≥ 0.5', (q) => q.frustration.score >= 0.5],
    'new-question-same-object': ['repetition < 0.5 (when not repetitive)', (q) => q.repetition.score < 0.5],
    'rephrase-synonyms': ['repetition ≥ 0.5', (q) => q.repetition.score >= 0.5],
    'frustration-resolved': ['resolution ≥ 0.5 and frustration ≥ 0.5', (q) => q.resolution.score >= 0.5 && q.frustration.score >= 0.5],
    'concrete-but-failed': ['resolution < 0.5', (q) => q.resolution.score < 0.5],
  };
  for (const [split, set] of [
    ['train families (new rows)', generateQualitySet({ split: 'train', n: N_EVAL, seed: 9001 })],
    ['held-out families', generateQualitySet({ split: 'heldout', n: N_EVAL, seed: 9002 })],
    ['blind families', generateQualitySet({ split: 'blind', n: N_EVAL, seed: 9003 })],
  ] as const) {
    const a = new SessionEvaluator({ quality: trained });
    const f = new SessionEvaluator({ quality: fb });
    const ra = await Promise.all(set.map((c) => a.evaluate(c.turns)));
    const rf = await Promise.all(set.map((c) => f.evaluate(c.turns)));
    if (split !== 'train families (new rows)') {
      for (const [name, [rule, ok]] of Object.entries(RULES)) {
        const idx = set.map((c, i) => [c, i] as const).filter(([c]) => c.confounders.includes(name) && (name !== 'new-question-same-object' || c.labels.repetitive === 0));
        hard.push({ split, case: name, rule, n: idx.length, correct: idx.filter(([, i]) => ok(ra[i]!.quality)).length });
      }
    }
    for (const h of HEADS) {
      const ys = set.map((c) => c.labels[HEAD_LABEL[h]]);
      quality.push({ split, head: h, auc: auc(ra.map((r) => r.quality[h].score), ys), fallback: auc(rf.map((r) => r.quality[h].score), ys), n: set.length });
    }
  }

  // Latency.
  const dir = mkdtempSync(join(tmpdir(), 'sira-eval-bench-'));
  const lat: Awaited<ReturnType<typeof timeLoop>>[] = [];
  const inMemory = Array.from({ length: SESSIONS }, (_, s) => longSession(100 + s));
  const bare = new SessionEvaluator({ quality: trained });
  lat.push(await timeLoop('features + model only (turns in memory, no store read), no intent classifier', (i) => bare.evaluate(inMemory[i % SESSIONS]!)));
  for (const withIntent of [false, true]) {
    const sira = await SiraSession.open({ dataDir: join(dir, String(withIntent)), sweepIntervalMs: 0, logLevel: 'silent' }, withIntent ? { intentClassifier: stubIntent() } : {});
    const t = sira.tenant('bench');
    const ids: string[] = [];
    for (let s = 0; s < SESSIONS; s++) {
      const sess = await t.createSession({});
      await t.appendTurns(
        sess.id,
        longSession(100 + s).map((x) => ({ role: x.role, content: x.parts })),
      );
      ids.push(sess.id);
    }
    const tag = withIntent ? 'stub intent (150 intents, 2^14 hashed features)' : 'no intent classifier';
    lat.push(await timeLoop(`in-process evaluateSession, ${tag}`, (i) => t.evaluateSession(ids[i % SESSIONS]!)));
    const app = await buildApp({ sira });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const { key } = await sira.createApiKey('bench');
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    // The API key's tenant is 'bench': the same sessions.
    lat.push(
      await timeLoop(`HTTP POST /evaluate (loopback, fetch), ${tag}`, async (i) => {
        const r = await fetch(`${base}/v1/sessions/${ids[i % SESSIONS]}/evaluate`, { method: 'POST', headers, body: '{}' });
        if (r.status !== 200) throw new Error(`evaluate: ${r.status} ${await r.text()}`);
        await r.arrayBuffer();
      }),
    );
    await app.close();
    await sira.close();
  }
  rmSync(dir, { recursive: true, force: true });

  const md = [
    `Machine: ${machine()} (shared, contended VM: 8 helpers building in parallel). ${QUICK ? 'QUICK run — not for quoting.' : ''}`,
    '',
    `Quality: ROC AUC of the committed artifact (\`${trained.model?.name}/${trained.model?.version}\`) and of the hand-set fallback, ${N_EVAL} fresh conversations per split (seeds 9001/9002/9003, not used in training).`,
    '',
    table(
      ['split', 'score', 'AUC (trained)', 'AUC (fallback)'],
      quality.map((q) => [q.split, q.head, q.auc.toFixed(3), q.fallback.toFixed(3)]),
    ),
    '',
    'Hard cases (trained model, threshold 0.5):',
    '',
    table(
      ['split', 'case', 'counted right when', 'conversations', 'right'],
      hard.map((h) => [h.split, h.case, h.rule, h.n, `${h.correct} (${((100 * h.correct) / Math.max(1, h.n)).toFixed(0)}%)`]),
    ),
    '',
    `Latency of one evaluation of a 200-turn session (${ITER} sequential requests over ${SESSIONS} sessions after a warm-up; CPU = this process's user+system time over the loop / requests, for HTTP including the fetch client in the same process):`,
    '',
    table(
      ['path', 'p50 ms', 'p99 ms', 'max ms', 'CPU ms / request (mean)'],
      lat.map((l) => [l.label, ms(l.p50), ms(l.p99), ms(l.max), ms(l.cpuMean)]),
    ),
  ].join('\n');
  writeResult('evaluate', { machine: machine(), quick: QUICK, quality, hard, latency: lat }, md);
}
