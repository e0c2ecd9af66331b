/**
 * Experiences (issue 7): does a search for a new task find runs of the same task family, and is the HNSW index
 * fast at scale?
 *
 * Quality: 48 task families (6 actions × 8 objects, so every family shares its action with 7 others and its object
 * with 5: built-in distractors with overlapping words). Stored runs are written from 3 training templates and the
 * training synonyms of each action/object; queries use 3 held-out templates, held-out names and times, and for
 * each slot (action, object) a held-out synonym with probability ½ — so a quarter of the queries share no content
 * word with their family's runs. Each family has a good strategy (succeeds 85%) and a bad one (25%). Measured
 * through the service (Experiences.search on LMDB, HNSW): hit@5 (a same-family run in the top 5), precision@5, the
 * cluster's purity and recall, and whether the top "do" lesson is part of the family's good strategy — for the
 * default static embedder, the offline encoder USE-lite and the lexical hashing embedder of `embedder: none`; a brute
 * force BM25 over the task texts is the third row (same queries). Latency: HNSW build and search (k = 10) at
 * N = 100,000 random 512-d unit vectors (synthetic: random vectors are the hard case for HNSW, real embeddings
 * cluster), recall@10 against exact search, and the end-to-end search latency at the quality corpus size.
 * usage: npm run bench -- experiences   (env EXP_SPLIT=dev or blind: one split of the quality half (default both);
 *        BENCH_QUICK=1: 10,000 vectors, static and hash only; EXP_OPTIONS='{…}': search options of the default
 *        row, for exploration on dev; EXP_PARTS=quality or
 *        EXP_PARTS=latency runs one half, written to bench/results/experiences-<part>.{json,md})
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiraSession } from '../src/sira.ts';
import type { ExperiencesOptions } from '../src/memory/experiences/index.ts';
import type { Embedder } from '../src/models/embedder.ts';
import { createEmbedder } from '../src/models/embedders/index.ts';
import { bm25Scores, termFrequencies } from '../src/memory/context/bm25.ts';
import { terms } from '../src/memory/context/text.ts';
import { VectorIndex } from '../src/memory/vector-index.ts';
import { l2normalize } from '../src/models/embedder.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32, pick, type Rng } from '../training/lib/rng.ts';
import { ms, now, summary } from './lib/stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const RUNS_PER_FAMILY = 30;
const QUERIES_PER_FAMILY = 8;
const N_VECTORS = QUICK ? 10_000 : 100_000;
const SEARCHES = 2000;
const RECALL_QUERIES = 100;
const CENTRES = 1000;
const PARTS = (process.env.EXP_PARTS ?? 'quality,latency').split(',');

interface Slot {
  train: string[];
  held: string[];
}
const ACTIONS: Record<string, Slot> = {
  cancel: { train: ['cancel', 'call off'], held: ['abort', 'terminate'] },
  create: { train: ['create', 'set up'], held: ['establish', 'start'] },
  update: { train: ['update', 'modify'], held: ['change', 'edit'] },
  status: { train: ['check the status of', 'look up the status of'], held: ['find out the progress of', 'track'] },
  delete: { train: ['delete', 'remove'], held: ['erase', 'get rid of'] },
  share: { train: ['share', 'send over'], held: ['forward', 'pass along'] },
};
const OBJECTS: Record<string, Slot> = {
  invoice: { train: ['invoice', 'bill'], held: ['billing statement', 'payment request'] },
  flight: { train: ['flight booking', 'plane reservation'], held: ['air ticket', 'airline seat'] },
  password: { train: ['account password', 'login password'], held: ['sign-in credentials', 'passcode'] },
  backup: { train: ['database backup', 'db snapshot'], held: ['backup of the database', 'data dump'] },
  pr: { train: ['pull request', 'code review'], held: ['merge request', 'patch review'] },
  shipment: { train: ['shipment', 'parcel delivery'], held: ['package', 'courier order'] },
  meeting: { train: ['calendar meeting', 'team meeting'], held: ['appointment', 'video call'] },
  subscription: { train: ['subscription', 'monthly plan'], held: ['membership', 'recurring plan'] },
};
const TRAIN_TEMPLATES = ['{a} the {o} for {who}', 'please {a} the {o} {when}', 'I need you to {a} the {o} of {who} {when}'];
const QUERY_TEMPLATES = ['could you {a} my {o}?', '{who} asked us to {a} their {o} {when}', 'task: {a} {o} asap'];
const WHO = { train: ['Maria', 'the ACME account', 'John', 'our biggest client'], held: ['Priya', 'the Globex team', 'Ahmed'] };
const WHEN = { train: ['today', 'before friday', 'this week'], held: ['by tomorrow noon', 'right away', 'before the weekend'] };

/** The words a corpus is written from: a split. */
interface Vocabulary {
  actions: Record<string, Slot>;
  objects: Record<string, Slot>;
  trainTemplates: string[];
  queryTemplates: string[];
  who: Slot;
  when: Slot;
}
/** The split tuned on (the corpus of the earlier reports). */
export const DEV: Vocabulary = { actions: ACTIONS, objects: OBJECTS, trainTemplates: TRAIN_TEMPLATES, queryTemplates: QUERY_TEMPLATES, who: WHO, when: WHEN };
/**
 * The blind split: other actions, objects, synonyms, templates, names and times (no word list shared with DEV), built
 * the same way. Nothing is tuned on it; it is reported beside DEV.
 */
export const BLIND: Vocabulary = {
  actions: {
    renew: { train: ['renew', 'extend'], held: ['prolong', 'keep going'] },
    approve: { train: ['approve', 'sign off on'], held: ['accept', 'give the green light to'] },
    schedule: { train: ['schedule', 'book a slot for'], held: ['plan', 'arrange'] },
    refund: { train: ['refund', 'pay back'], held: ['reimburse', 'return the money for'] },
    restore: { train: ['restore', 'recover'], held: ['bring back', 'roll back'] },
    export: { train: ['export', 'download'], held: ['extract', 'pull out'] },
  },
  objects: {
    order: { train: ['order', 'purchase'], held: ['checkout', 'shopping basket'] },
    contract: { train: ['contract', 'agreement'], held: ['deal', 'signed terms'] },
    vacation: { train: ['vacation request', 'time off'], held: ['holiday leave', 'days off'] },
    report: { train: ['sales report', 'quarterly report'], held: ['revenue summary', 'earnings sheet'] },
    server: { train: ['web server', 'virtual machine'], held: ['cloud instance', 'host'] },
    ticket: { train: ['support ticket', 'help desk case'], held: ['customer complaint', 'issue report'] },
    photos: { train: ['photo album', 'picture gallery'], held: ['image collection', 'snapshots'] },
    car: { train: ['rental car', 'car hire'], held: ['hired vehicle', 'automobile rental'] },
  },
  trainTemplates: ['{a} the {o} for {who} {when}', 'can you {a} the {o}', 'we must {a} the {o} of {who} {when}'],
  queryTemplates: ['I would like to {a} the {o}', 'urgent: {a} the {o} of {who} {when}', '{who} wants us to {a} our {o}'],
  who: { train: ['Lena', 'the Initech group', 'Carlos', 'a new customer'], held: ['Yuki', 'the Umbrella office', 'Olu'] },
  when: { train: ['tonight', 'by monday', 'next week'], held: ['within the hour', 'first thing tomorrow', 'before month end'] },
};
const TOOLS = ['crm', 'billing', 'mail', 'calendar', 'db', 'shell', 'docs', 'ticketing'];
const VERBS = ['lookup', 'verify', 'apply', 'notify', 'fetch', 'confirm', 'validate', 'log'];

interface Family {
  name: string;
  action: string;
  object: string;
  good: { tool: string; action: string }[];
  bad: { tool: string; action: string }[];
}

function families(rng: Rng, v: Vocabulary): Family[] {
  const out: Family[] = [];
  const strat = () => Array.from({ length: 3 + Math.floor(rng() * 2) }, () => ({ tool: pick(rng, TOOLS), action: pick(rng, VERBS) }));
  for (const a of Object.keys(v.actions)) for (const o of Object.keys(v.objects)) out.push({ name: `${a}/${o}`, action: a, object: o, good: strat(), bad: strat() });
  return out;
}
const fill = (tpl: string, a: string, o: string, who: string, when: string) => tpl.replace('{a}', a).replace('{o}', o).replace('{who}', who).replace('{when}', when);

interface Run {
  task: string;
  family: string;
  experience: Record<string, unknown>;
}
interface Query {
  task: string;
  family: string;
  heldSlots: number;
}

export function corpus(seed: number, v: Vocabulary = DEV): { fams: Family[]; runs: Run[]; queries: Query[] } {
  const rng = mulberry32(seed);
  const fams = families(rng, v);
  const runs: Run[] = [];
  const queries: Query[] = [];
  for (const f of fams) {
    for (let i = 0; i < RUNS_PER_FAMILY; i++) {
      const task = fill(pick(rng, v.trainTemplates), pick(rng, v.actions[f.action]!.train), pick(rng, v.objects[f.object]!.train), pick(rng, v.who.train), pick(rng, v.when.train));
      const goodRun = rng() < 0.5;
      const success = rng() < (goodRun ? 0.85 : 0.25);
      const steps = (goodRun ? f.good : f.bad).map((s, j, all) => ({ ...s, ok: success || j < all.length - 1 }));
      runs.push({ task, family: f.name, experience: { task, agent_id: 'bench-agent', steps, outcome: success ? 'success' : 'failure', reward: success ? 1 : 0, metadata: { family: f.name } } });
    }
    for (let i = 0; i < QUERIES_PER_FAMILY; i++) {
      const ha = rng() < 0.5;
      const ho = rng() < 0.5;
      const a = pick(rng, ha ? v.actions[f.action]!.held : v.actions[f.action]!.train);
      const o = pick(rng, ho ? v.objects[f.object]!.held : v.objects[f.object]!.train);
      queries.push({ task: fill(pick(rng, v.queryTemplates), a, o, pick(rng, v.who.held), pick(rng, v.when.held)), family: f.name, heldSlots: Number(ha) + Number(ho) });
    }
  }
  return { fams, runs, queries };
}

/** An embedder that answers from vectors computed in batches beforehand (a service embeds one text per put). */
async function precomputed(base: Embedder, texts: string[]): Promise<{ embedder: Embedder; ms: number }> {
  const cache = new Map<string, Float32Array>();
  const uniq = [...new Set(texts)];
  const t0 = now();
  for (let i = 0; i < uniq.length; i += 64) {
    const batch = uniq.slice(i, i + 64);
    const vs = await base.embed(batch);
    batch.forEach((t, j) => cache.set(t, vs[j]!));
  }
  const took = now() - t0;
  return {
    ms: took,
    embedder: {
      id: base.id,
      dim: base.dim,
      embed: async (ts) => {
        const miss = ts.filter((t) => !cache.has(t));
        if (miss.length > 0) (await base.embed(miss)).forEach((v, j) => cache.set(miss[j]!, v));
        return ts.map((t) => Float32Array.from(cache.get(t)!));
      },
    },
  };
}

interface QualityRow {
  retriever: string;
  hit5: number;
  p5: number;
  top1: number;
  hit5ByHeld: number[];
  /** Top-1 accuracy of the queries with 0, 1 and 2 held-out synonyms. */
  top1ByHeld: number[];
  clusterPurity: number;
  clusterRecall: number;
  lessonOk: number;
  /** Share of queries whose cluster yields a "do" lesson at all. */
  withLesson: number;
  searchP50: number;
  searchP99: number;
  embedMs: number;
}

async function quality(name: string, embedder: Embedder | undefined, c: ReturnType<typeof corpus>, experiences: Partial<ExperiencesOptions> = {}): Promise<QualityRow> {
  const dir = mkdtempSync(join(tmpdir(), 'sira-bench-exp-'));
  let embedMs = 0;
  let e = embedder;
  if (embedder !== undefined) {
    const p = await precomputed(embedder, [...c.runs.map((r) => r.task), ...c.queries.map((q) => q.task)]);
    e = p.embedder;
    embedMs = p.ms;
  }
  // No embedder: the service's fallback when `embedder: 'none'` (the lexical hashing embedder).
  const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent', ...(e === undefined ? { embedder: 'none' as const } : {}) }, { experiences, ...(e === undefined ? {} : { embedder: e }) });
  try {
    const t = sira.tenant('bench');
    const famOf = new Map<string, string>();
    for (const r of c.runs) famOf.set((await t.putExperience(r.experience)).id, r.family);
    const good = new Map(c.fams.map((f) => [f.name, f.good.map((s) => `${s.tool}:${s.action}`).join('\u0001')]));
    let hit = 0, p5 = 0, top1 = 0, purity = 0, recall = 0, lessonOk = 0, lessonN = 0;
    const byHeld = [0, 0, 0];
    const topByHeld = [0, 0, 0];
    const nHeld = [0, 0, 0];
    const lat: number[] = [];
    for (const q of c.queries) {
      const t0 = now();
      const r = await t.searchExperiences({ task: q.task, k: 5 });
      lat.push(now() - t0);
      const fams = r.experiences.map((x) => famOf.get(x.id));
      const h = fams.includes(q.family) ? 1 : 0;
      hit += h;
      byHeld[q.heldSlots]! += h;
      nHeld[q.heldSlots]!++;
      p5 += fams.filter((f) => f === q.family).length / 5;
      top1 += fams[0] === q.family ? 1 : 0;
      topByHeld[q.heldSlots]! += fams[0] === q.family ? 1 : 0;
      const inCluster = r.cluster.ids.map((id) => famOf.get(id));
      purity += inCluster.length === 0 ? 0 : inCluster.filter((f) => f === q.family).length / inCluster.length;
      recall += inCluster.filter((f) => f === q.family).length / RUNS_PER_FAMILY;
      const top = r.lessons.do[0];
      if (top !== undefined) {
        lessonN++;
        if (good.get(q.family)!.includes(top.pattern.join('\u0001'))) lessonOk++;
      }
    }
    const n = c.queries.length;
    const s = summary(lat);
    return {
      retriever: name,
      hit5: hit / n,
      p5: p5 / n,
      top1: top1 / n,
      hit5ByHeld: byHeld.map((x, i) => x / Math.max(1, nHeld[i]!)),
      top1ByHeld: topByHeld.map((x, i) => x / Math.max(1, nHeld[i]!)),
      clusterPurity: purity / n,
      clusterRecall: recall / n,
      lessonOk: lessonN === 0 ? 0 : lessonOk / lessonN,
      withLesson: lessonN / n,
      searchP50: s.p50,
      searchP99: s.p99,
      embedMs,
    };
  } finally {
    await sira.close();
    await embedder?.close?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

function bm25Row(c: ReturnType<typeof corpus>): QualityRow {
  const docs = c.runs.map((r) => {
    const ts = terms(r.task);
    return { tf: termFrequencies(ts), length: ts.length };
  });
  let hit = 0, p5 = 0, top1 = 0;
  const byHeld = [0, 0, 0];
  const topByHeld = [0, 0, 0];
  const nHeld = [0, 0, 0];
  const lat: number[] = [];
  for (const q of c.queries) {
    const t0 = now();
    const s = bm25Scores(docs, [...new Set(terms(q.task))]);
    const top = [...s.keys()].sort((a, b) => s[b]! - s[a]! || a - b).slice(0, 5).map((i) => c.runs[i]!.family);
    lat.push(now() - t0);
    const h = top.includes(q.family) ? 1 : 0;
    hit += h;
    byHeld[q.heldSlots]! += h;
    nHeld[q.heldSlots]!++;
    p5 += top.filter((f) => f === q.family).length / 5;
    top1 += top[0] === q.family ? 1 : 0;
    topByHeld[q.heldSlots]! += top[0] === q.family ? 1 : 0;
  }
  const n = c.queries.length;
  const s = summary(lat);
  return { retriever: 'BM25 brute force (no index)', hit5: hit / n, p5: p5 / n, top1: top1 / n, hit5ByHeld: byHeld.map((x, i) => x / Math.max(1, nHeld[i]!)), top1ByHeld: topByHeld.map((x, i) => x / Math.max(1, nHeld[i]!)), clusterPurity: NaN, clusterRecall: NaN, lessonOk: NaN, withLesson: NaN, searchP50: s.p50, searchP99: s.p99, embedMs: 0 };
}

interface LatencyRow {
  n: number;
  dim: number;
  buildS: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** CPU time of the process per search (ms): what a search costs when it is not waiting for a core. */
  cpuP50: number;
  cpuP99: number;
  recall10: number;
  saveMs: number;
  loadMs: number;
}

async function latency(n: number, dim: number): Promise<LatencyRow> {
  const rng = mulberry32(42);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const centres = Array.from({ length: CENTRES }, () => l2normalize(Float32Array.from({ length: dim }, gauss)));
  // A point: a random centre plus isotropic noise of about the centre's own norm (cosine to its centre ≈ 0.7).
  const vec = () => {
    const c = pick(rng, centres);
    return l2normalize(Float32Array.from({ length: dim }, (_, j) => c[j]! + gauss() / Math.sqrt(dim)));
  };
  const data = Array.from({ length: n }, vec);
  const idx = new VectorIndex({ dim });
  const t0 = now();
  data.forEach((v, i) => idx.add(`k${i}`, v));
  const buildS = (now() - t0) / 1000;
  const queries = Array.from({ length: SEARCHES }, vec);
  for (let i = 0; i < 100; i++) idx.search(queries[i]!, 10);
  const lat: number[] = [];
  const cpu: number[] = [];
  for (const q of queries) {
    const c0 = process.cpuUsage();
    const a = now();
    idx.search(q, 10);
    lat.push(now() - a);
    const c1 = process.cpuUsage(c0);
    cpu.push((c1.user + c1.system) / 1000);
  }
  let found = 0;
  for (const q of queries.slice(0, RECALL_QUERIES)) {
    const scores = data.map((v, i) => {
      let s = 0;
      for (let j = 0; j < dim; j++) s += v[j]! * q[j]!;
      return { i, s };
    });
    scores.sort((a, b) => b.s - a.s);
    const want = new Set(scores.slice(0, 10).map((x) => `k${x.i}`));
    found += idx.search(q, 10).filter((h) => want.has(h.key)).length;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sira-bench-hnsw-'));
  try {
    const s0 = now();
    await idx.save(join(dir, 'i'));
    const saveMs = now() - s0;
    const l0 = now();
    await VectorIndex.load(join(dir, 'i'), { dim });
    const loadMs = now() - l0;
    const s = summary(lat);
    return { n, dim, buildS, p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, cpuP50: summary(cpu).p50, cpuP99: summary(cpu).p99, recall10: found / (RECALL_QUERIES * 10), saveMs, loadMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (x: number) => (Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`);

/** The search before the term-match re-ranking (an ablation row). */
const BEFORE_TERM_MATCH: Partial<ExperiencesOptions> = { termMatch: false, minSeparation: 0.2 };
const SPLITS = (process.env.EXP_SPLIT ?? 'dev,blind').split(',');
/** Search options for the default row (exploration on dev: env EXP_OPTIONS='{"neighbors": 100}'). */
const EXTRA_OPTIONS = JSON.parse(process.env.EXP_OPTIONS ?? '{}') as Partial<ExperiencesOptions>;

async function qualityRows(split: string, c: ReturnType<typeof corpus>): Promise<QualityRow[]> {
  console.log(`${split}: ${c.fams.length} families, ${c.runs.length} runs, ${c.queries.length} queries`);
  const rows: QualityRow[] = [];
  console.log('static (the default embedder)…');
  rows.push(await quality('static 256-d (default, distilled from USE-lite) + HNSW', createEmbedder({ provider: 'static' }), c, EXTRA_OPTIONS));
  rows.push(await quality('static + HNSW, whole-text cosine (term match off, cluster split 0.2: before)', createEmbedder({ provider: 'static' }), c, BEFORE_TERM_MATCH));
  if (!QUICK) {
    console.log('USE-lite (embedding the corpus in batches)…');
    rows.push(await quality('USE-lite 512-d (offline) + HNSW', createEmbedder({ provider: 'offline' }), c));
  }
  console.log('hashing embedder…');
  rows.push(await quality("hash-terms 512-d (embedder: 'none') + HNSW", undefined, c));
  rows.push(await quality('hash-terms + HNSW, whole-text cosine (before)', undefined, c, BEFORE_TERM_MATCH));
  rows.push(bm25Row(c));
  return rows.map((r) => ({ ...r, retriever: `${split}: ${r.retriever}` }));
}

export async function run(): Promise<void> {
  // dev is what the search was tuned on; blind (other words throughout) is only reported.
  const splits = { dev: corpus(7, DEV), blind: corpus(1007, BLIND) };
  const c = splits.dev;
  const rows: QualityRow[] = [];
  if (PARTS.includes('quality')) for (const split of SPLITS) rows.push(...(await qualityRows(split, splits[split as keyof typeof splits])));
  if (PARTS.includes('latency')) console.log(`HNSW latency at ${N_VECTORS} vectors…`);
  const lat = PARTS.includes('latency') ? await latency(N_VECTORS, 512) : undefined;
  const md = [
    `Experiences benchmark — ${machine()} (shared, contended 2-core VM: latencies are indicative)`,
    '',
    ...(rows.length === 0
      ? []
      : [
          `Quality, per split (dev: tuned on; blind: other words throughout, never tuned on): ${c.fams.length} task families (6 actions × 8 objects: each shares words with 12 distractor families), ${c.runs.length} stored runs, ${c.queries.length} queries from held-out templates, names and times; each query slot uses a held-out synonym with p = ½.`,
          '',
          table(
      ['retriever', 'hit@5', 'precision@5', 'top-1', 'top-1 by held-out slots (0 / 1 / 2)', 'hit@5 by held-out slots (0 / 1 / 2)', 'cluster purity', 'cluster recall', 'queries with a "do" lesson', 'top lesson in good strategy', 'search p50 / p99 ms', 'embedding the corpus'],
      rows.map((r) => [r.retriever, pct(r.hit5), pct(r.p5), pct(r.top1), r.top1ByHeld.map(pct).join(' / '), r.hit5ByHeld.map(pct).join(' / '), pct(r.clusterPurity), pct(r.clusterRecall), pct(r.withLesson), pct(r.lessonOk), `${ms(r.searchP50)} / ${ms(r.searchP99)}`, r.embedMs === 0 ? '–' : `${(r.embedMs / 1000).toFixed(1)} s (${Math.round(((c.runs.length + c.queries.length) / r.embedMs) * 1000)} texts/s)`]),
          ),
          '',
        ]),
    ...(lat === undefined
      ? []
      : [
          `HNSW (hnswlib-node, cosine, M 16, efConstruction 200, efSearch 64), ${lat.n.toLocaleString('en')} synthetic ${lat.dim}-d unit vectors (${CENTRES} random centres + noise, like embeddings of many task families), k = 10, ${SEARCHES} searches:`,
          '',
          table(
            ['vectors', 'build', 'search p50', 'p90', 'p99', 'max', 'CPU time per search p50 / p99', 'recall@10 vs exact', 'save / load'],
            [[lat.n.toLocaleString('en'), `${lat.buildS.toFixed(1)} s (${Math.round(lat.n / lat.buildS)}/s)`, `${ms(lat.p50)} ms`, `${ms(lat.p90)} ms`, `${ms(lat.p99)} ms`, `${ms(lat.max)} ms`, `${ms(lat.cpuP50)} / ${ms(lat.cpuP99)} ms`, pct(lat.recall10), `${(lat.saveMs / 1000).toFixed(2)} s / ${(lat.loadMs / 1000).toFixed(2)} s`]],
          ),
        ]),
  ].join('\n');
  // One half alone is written to its own file (experiences-quality / experiences-latency), so both can be quoted.
  const name = PARTS.includes('quality') && PARTS.includes('latency') ? 'experiences' : `experiences-${PARTS.join('-')}`;
  writeResult(name, { machine: machine(), quick: QUICK, corpus: { families: c.fams.length, runs: c.runs.length, queries: c.queries.length }, quality: rows, latency: lat }, md);
}
