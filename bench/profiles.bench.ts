/**
 * Profiles (issue 7): quality of preference/fact extraction on our generated data (training/lib/preference-data.ts)
 * and what it costs.
 * - Statement F1: is a sentence the user's own preference/fact, with the right polarity (plus slot accuracy of
 *   the hits), on the `train` split (families and vocabulary the classifier was trained on; fresh sentences from
 *   other seeds) and the `heldout` split (unseen template families × unseen vocabulary), for the rules alone and
 *   the classifier as the only judge of questions/hypotheticals/reported speech (the rules still give slot and
 *   value), and rules + the committed classifier (data/models/preferences/v1; the service's default).
 * - Current-value accuracy: a user's multi-session history (updates, contradictions, distractors naming other
 *   values of the same slot) is extracted into a profile; the share of gold slots whose current value and
 *   polarity are right, and spurious current slots per user.
 * - Where the errors are: recall by statement family kind and false-positive rate by distractor kind (held-out).
 * - Throughput: clauses/s of extraction alone, and the end-to-end service (appends through the facade on LMDB,
 *   the profile queue draining into profile documents), with the append latency with profiles off vs on.
 * usage: npm run bench -- profiles   (env BENCH_QUICK=1 for a short run)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiraSession } from '../src/sira.ts';
import { extractStatements, labelSentence, loadPreferenceClassifier, type ExtractOptions } from '../src/memory/profile/index.ts';
import { generateHistories, generateSentences, type LabelledSentence, type Split } from '../training/lib/preference-data.ts';
import { historyMetrics, statementMetrics } from '../training/lib/preference-eval.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { ms, now, summary } from './lib/stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const SENTENCES = QUICK ? 1000 : 6000;
const USERS = QUICK ? 60 : 400;
const SEED = 424242;

function byKind(rows: readonly LabelledSentence[], opts: ExtractOptions): { kind: string; n: number; rate: number; what: string }[] {
  const groups = new Map<string, { n: number; hit: number }>();
  for (const r of rows) {
    const { label } = labelSentence(r.text, opts);
    const kind = r.kind === 'statement' ? `statement (${r.label})` : r.kind;
    const g = groups.get(kind) ?? { n: 0, hit: 0 };
    g.n++;
    if (r.kind === 'statement' ? label === r.label : label !== 'none') g.hit++;
    groups.set(kind, g);
  }
  return [...groups].sort().map(([kind, g]) => ({ kind, n: g.n, rate: round(g.hit / g.n), what: kind.startsWith('statement') ? 'recall' : 'false-positive rate' }));
}

async function endToEnd(turnsText: string[], profiles: boolean): Promise<{ appendsPerSec: number; lat: number[]; drainMs: number; totalPerSec: number; docs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sira-bench-prof-'));
  const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent', profiles });
  try {
    const t = sira.tenant('bench');
    const users = 50;
    const sessions = await Promise.all(Array.from({ length: users }, (_, u) => t.createSession({ user_id: `user-${u}` })));
    const lat: number[] = [];
    const t0 = now();
    for (let i = 0; i < turnsText.length; i++) {
      const a = now();
      await t.appendTurns(sessions[i % users]!.id, [{ role: 'user', content: turnsText[i]! }]);
      lat.push(now() - a);
    }
    const appendMs = now() - t0;
    const d0 = now();
    await sira.profiles?.drain();
    const drainMs = now() - d0;
    const docs = (await sira.store.listDocs('bench', 'profiles', { limit: 1000 })).items.length;
    return { appendsPerSec: turnsText.length / (appendMs / 1000), lat, drainMs, totalPerSec: turnsText.length / ((appendMs + drainMs) / 1000), docs };
  } finally {
    await sira.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const weights = loadPreferenceClassifier();
  if (weights === undefined) throw new Error('no committed preferences artifact: npm run train -- preferences');
  const modes: [string, ExtractOptions][] = [
    ['rules only', {}],
    ['classifier as the only gate (v1, rules give slot and value)', { weights, gatedThreshold: 0.5 }],
    ['rules + classifier (v1; the default)', { weights }],
  ];
  const quality: Record<string, unknown>[] = [];
  const rows: (string | number)[][] = [];
  for (const split of ['train', 'heldout'] as Split[]) {
    const sentences = generateSentences(SENTENCES, SEED + (split === 'train' ? 1 : 2), split);
    const histories = generateHistories(USERS, SEED + (split === 'train' ? 3 : 4), split);
    for (const [mode, opts] of modes) {
      const s = statementMetrics(sentences, opts);
      const h = historyMetrics(histories, opts);
      quality.push({ split, mode, statements: { ...s, errors_by_family: undefined }, histories: h });
      rows.push([split, mode, s.n, s.precision, s.recall, `**${s.f1}**`, s.slot_accuracy, h.slots, `**${h.current_value_accuracy}**`, h.spurious_per_user]);
    }
  }
  const held = generateSentences(SENTENCES, SEED + 2, 'heldout');
  const kinds = byKind(held, { weights });

  // Throughput of extraction alone (rules + classifier), over held-out sentences.
  const texts = held.map((r) => r.text);
  for (const t of texts.slice(0, 500)) extractStatements(t, { weights });
  const x0 = now();
  let found = 0;
  for (let rep = 0; rep < 3; rep++) for (const t of texts) found += extractStatements(t, { weights }).length;
  const extractPerSec = (3 * texts.length) / ((now() - x0) / 1000);

  // End to end, interleaved off/on/off/on: user turns from held-out histories.
  const turns = generateHistories(QUICK ? 100 : 600, SEED + 5, 'heldout').flatMap((h) => h.sessions.flatMap((s) => s.turns));
  const rounds: { profiles: boolean; r: Awaited<ReturnType<typeof endToEnd>> }[] = [];
  for (const profiles of [false, true, false, true]) rounds.push({ profiles, r: await endToEnd(turns, profiles) });
  const agg = (on: boolean) => {
    const rs = rounds.filter((x) => x.profiles === on).map((x) => x.r);
    return { appendsPerSec: Math.round(avg(rs.map((r) => r.appendsPerSec))), lat: summary(rs.flatMap((r) => r.lat)), drainMs: avg(rs.map((r) => r.drainMs)), totalPerSec: Math.round(avg(rs.map((r) => r.totalPerSec))), docs: rs[0]!.docs };
  };
  const off = agg(false);
  const on = agg(true);

  const md = [
    `Machine: ${machine()} (shared, contended VM: timings are indicative). Seed ${SEED}; ${SENTENCES} sentences and ${USERS} user histories per split.`,
    '',
    '### Quality (held-out = unseen template families × unseen vocabulary)',
    '',
    table(['split', 'extractor', 'sentences', 'precision', 'recall', 'statement F1', 'slot acc. of hits', 'gold slots', 'current-value acc.', 'spurious slots/user'], rows),
    '',
    '### Held-out, rules + classifier, by kind',
    '',
    table(['kind', 'sentences', 'measure', 'rate'], kinds.map((k) => [k.kind, k.n, k.what, k.rate])),
    '',
    '### Cost',
    '',
    table(
      ['measure', 'value'],
      [
        ['extraction alone (rules + classifier), sentences/s', Math.round(extractPerSec)],
        ['statements found per sentence', round(found / (3 * texts.length))],
        [`appends/s, profiles off (${turns.length} single-turn appends, 50 users)`, off.appendsPerSec],
        ['appends/s, profiles on', on.appendsPerSec],
        ['append latency p50 / p99 ms, profiles off', `${ms(off.lat.p50)} / ${ms(off.lat.p99)}`],
        ['append latency p50 / p99 ms, profiles on', `${ms(on.lat.p50)} / ${ms(on.lat.p99)}`],
        ['queue drain after the last append, ms (profiles on)', ms(on.drainMs)],
        ['end to end (append + extraction + profile write), turns/s', on.totalPerSec],
        ['profile documents written', on.docs],
      ],
    ),
  ].join('\n');
  writeResult('profiles', { seed: SEED, quick: QUICK, quality, kinds, throughput: { extractPerSec, off, on } }, md);
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
const avg = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
