import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../core/config.ts';
import { openStore } from '../../storage/index.ts';
import type { LmdbStore } from '../../storage/lmdb/lmdb-store.ts';
import { generateTrace, resumeExamples, TEST_ARCHETYPES, TRAIN_ARCHETYPES } from '../../../training/lib/usage-traces.ts';
import { loadLatestArtifact } from '../../models/artifact.ts';
import { loadResumeModel, Prefetcher, RESUME_ARTIFACT } from './prefetch.ts';
import { ActivityLog, auc, hourOfWeek, LogisticModel } from './resume.ts';

describe('resume prediction', () => {
  it('auc ranks, with ties as ½', () => {
    expect(auc([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.4, 0.3, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5);
  });

  it('hourOfWeek: Sunday 00:00 UTC is 0, Monday 10:00 is 34', () => {
    expect(hourOfWeek(Date.UTC(2026, 0, 4, 0, 30))).toBe(0);
    expect(hourOfWeek(Date.UTC(2026, 0, 5, 10))).toBe(34);
  });

  it('a small logistic model: loss falls and held-out AUC (other users, other generators) is well above chance', () => {
    const train = resumeExamples(generateTrace(11, 40, TRAIN_ARCHETYPES, 35));
    const test = resumeExamples(generateTrace(12, 30, TEST_ARCHETYPES, 35));
    const losses: number[] = [];
    const m = LogisticModel.fit(train.map((e) => e.x), train.map((e) => e.y), { epochs: 80, onEpoch: (_, l) => losses.push(l) });
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.8);
    const a = auc(test.map((e) => m.predict(e.x)), test.map((e) => e.y));
    expect(a).toBeGreaterThan(0.7);
  });

  it('the committed resume artifact loads and reproduces its stored predictions', () => {
    const card = loadLatestArtifact(join(import.meta.dirname, '../../../data/models'), RESUME_ARTIFACT)!.card;
    const { model } = loadResumeModel()!;
    const ref = card.config.reference as { x: number[]; p: number }[];
    expect(ref.length).toBeGreaterThan(0);
    for (const r of ref) expect(model.predict(r.x)).toBeCloseTo(r.p, 12);
    expect(card.metrics.test_auc).toBeGreaterThan(0.8);
  });
});

describe('Prefetcher', () => {
  let dir: string;
  let store: LmdbStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sira-prefetch-'));
    store = (await openStore(resolveConfig({ dataDir: dir }), Date.now)) as LmdbStore;
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('warms the likeliest sessions into the tail cache and leaves the others cold', async () => {
    const now = Date.UTC(2026, 1, 2, 9);
    const log = new ActivityLog();
    for (const id of ['hot', 'cold']) {
      await store.createSession('t', { id, user_id: 'u', metadata: {}, ttl_seconds: null });
      await store.appendTurns('t', id, [{ role: 'user', parts: [{ type: 'text', text: `hello ${id}` }], name: null, agent_id: null, metadata: null, importance: null, pinned: false }]);
    }
    // Drop what the appends put in the cache: only the prefetch may warm it.
    store.tailCache!.drop('t\u0000hot');
    store.tailCache!.drop('t\u0000cold');
    // Appends arrive in time order: the cold session six days ago, the hot one (an open task) every hour since 2 am.
    log.touch('t', 'u', 'cold', now - 6 * 86_400_000, false);
    for (let h = 7; h >= 1; h--) log.touch('t', 'u', 'hot', now - h * 3_600_000, true);
    const { model } = loadResumeModel()!;
    const p = new Prefetcher(store, log, model, { top: 1, clock: () => now });
    const round = await p.tick();
    expect(round.scored).toBe(2);
    expect(round.warmed.map((w) => w.session)).toEqual(['hot']);
    const all = new Prefetcher(store, log, model, { top: 2, clock: () => now }).rank().warmed;
    expect(all[0]!.p).toBeGreaterThan(10 * all[1]!.p);
    // The warmed session is now read from the hot tier; the other still misses it.
    const cache = store.tailCache!;
    const [h0, m0] = [cache.hits, cache.misses];
    await store.getTurns('t', 'hot', { last: 1 });
    expect([cache.hits - h0, cache.misses - m0]).toEqual([1, 0]);
    await store.getTurns('t', 'cold', { last: 1 });
    expect([cache.hits - h0, cache.misses - m0]).toEqual([1, 1]);
  });
});
