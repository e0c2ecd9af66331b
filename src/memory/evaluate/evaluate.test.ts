import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSiraError } from '../../core/errors.ts';
import type { Turn } from '../../core/types.ts';
import { defaultModelsDir, f32Tensor, loadLatestArtifact, saveArtifact } from '../../models/artifact.ts';
import { fixedConversations } from '../../../test/fixtures/quality/conversations.ts';
import { SessionEvaluator, type SessionIntentClassifier } from './evaluator.ts';
import { FEATURE_NAMES, sessionFeatures } from './features.ts';
import { valence } from './lexicon.ts';
import { HEADS, QUALITY_ARTIFACT, fallbackQualityModel, loadQualityModel, qualityModelFromArtifact } from './model.ts';

type Expect = Record<string, { model: { name: string; version: string }; quality: Record<string, { score: number; evidence: number[] } | number> }>;
const expectations = JSON.parse(readFileSync(join(import.meta.dirname, '../../../test/fixtures/quality/expectations.json'), 'utf8')) as Expect;
const convs = fixedConversations();

describe('quality artifact (data/models/quality)', () => {
  it('loadQualityModel() loads the committed artifact with the features this code computes', () => {
    const m = loadQualityModel();
    expect(m.fallback).toBe(false);
    expect(m.model).toEqual({ name: QUALITY_ARTIFACT, version: 'v1' });
    expect(m.weights.w.length).toBe(HEADS.length * FEATURE_NAMES.length);
    expect(m.terms?.idf.size).toBeGreaterThan(500);
    const card = loadLatestArtifact(defaultModelsDir(), QUALITY_ARTIFACT)!.card;
    // The card reports held-out AUCs for every head, next to the fallback's.
    for (const h of HEADS) {
      expect(card.metrics[`auc_${h}_heldout`]).toBeGreaterThan(0.5);
      expect(card.metrics[`fallback_auc_${h}_heldout`]).toBeGreaterThan(0.5);
    }
  });

  it('scores the fixed conversations as pinned in test/fixtures/quality/expectations.json (±0.002)', async () => {
    const ev = new SessionEvaluator();
    for (const [name, turns] of Object.entries(convs)) {
      const r = await ev.evaluate(turns);
      const want = expectations[name]!;
      expect(r.model, name).toEqual(want.model);
      for (const h of HEADS) {
        const w = want.quality[h] as { score: number; evidence: number[] };
        expect(Math.abs(r.quality[h].score - w.score), `${name}.${h}`).toBeLessThanOrEqual(0.002);
        expect(r.quality[h].evidence, `${name}.${h} evidence`).toEqual(w.evidence);
      }
      expect(Math.abs(r.quality.overall - (want.quality.overall as number))).toBeLessThanOrEqual(0.002);
    }
  });

  it('orders clear cases the right way round', async () => {
    const ev = new SessionEvaluator();
    const good = await ev.evaluate(convs.resolved_polite!);
    const bad = await ev.evaluate(convs.unresolved_repetitive_angry!);
    const terse = await ev.evaluate(convs.terse_satisfied!);
    expect(good.quality.resolution.score).toBeGreaterThan(0.8);
    expect(terse.quality.resolution.score).toBeGreaterThan(0.8);
    expect(bad.quality.resolution.score).toBeLessThan(0.2);
    expect(bad.quality.repetition.score).toBeGreaterThan(0.8);
    expect(good.quality.repetition.score).toBeLessThan(0.2);
    expect(bad.quality.frustration.score).toBeGreaterThan(0.8);
    expect(good.quality.frustration.score).toBeLessThan(0.2);
    expect(good.quality.sentiment_trend.score).toBeGreaterThan(bad.quality.sentiment_trend.score);
    expect(good.quality.overall).toBeGreaterThan(bad.quality.overall);
    // Evidence points at the turns: the repeated asks and the angry turns of the bad session.
    expect(bad.quality.repetition.evidence).toEqual(expect.arrayContaining([1, 3]));
    expect(bad.quality.frustration.evidence).toEqual(expect.arrayContaining([5, 7]));
    expect(good.quality.resolution.evidence).toContain(5);
  });
});

describe('fallback and stale artifacts', () => {
  it('loadQualityModel(dir) without an artifact gives the hand-set fallback, flagged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sira-quality-'));
    try {
      const m = loadQualityModel(dir);
      expect(m).toMatchObject({ fallback: true, model: null });
      const r = await new SessionEvaluator({ quality: m }).evaluate(convs.unresolved_repetitive_angry!);
      expect(r.fallback).toBe(true);
      expect(r.model).toBeNull();
      expect(r.quality.frustration.score).toBeGreaterThan(0.5);
      expect(r.quality.resolution.score).toBeLessThan(0.5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an artifact trained on other features is refused with SIRA_ERR_CODEC_CORRUPT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sira-quality-'));
    try {
      const F = 3;
      const card = {
        name: QUALITY_ARTIFACT,
        version: 'v1',
        description: 'stale',
        created_at: new Date(0).toISOString(),
        seed: 1,
        data: [],
        features: '3 old features',
        metrics: {},
        command: 'test',
        config: { features: ['a', 'b', 'c'] },
      };
      const z = (n: number) => f32Tensor(new Float32Array(n), [n]);
      saveArtifact(dir, card, { mean: z(F), std: z(F), W: z(4 * F), b: z(4) });
      let err: unknown;
      try {
        qualityModelFromArtifact(loadLatestArtifact(dir, QUALITY_ARTIFACT)!);
      } catch (e) {
        err = e;
      }
      expect(isSiraError(err, 'SIRA_ERR_CODEC_CORRUPT')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('SessionEvaluator', () => {
  const stub: SessionIntentClassifier = {
    model: { name: 'intent-stub', version: 'v0' },
    classifySession: (turns) => {
      const n = turns.filter((t) => t.role === 'user').length;
      return { label: n > 3 ? 'refund' : 'setup', confidence: 0.9, distribution: [{ label: 'refund', p: 0.9 }], out_of_scope: false };
    },
  };

  it('evaluate() returns intent: null and intent_available: false without a classifier', async () => {
    const r = await new SessionEvaluator({ quality: fallbackQualityModel() }).evaluate(convs.resolved_polite!);
    expect(r).toMatchObject({ intent: null, intent_available: false, turns: 5 });
  });

  it('evaluate() passes the turns to the classifier and reports its model; intent: false skips it', async () => {
    const ev = new SessionEvaluator({ intent: stub, quality: fallbackQualityModel() });
    const r = await ev.evaluate(convs.unresolved_repetitive_angry!);
    expect(r.intent).toEqual({ label: 'refund', confidence: 0.9, distribution: [{ label: 'refund', p: 0.9 }], out_of_scope: false, model: { name: 'intent-stub', version: 'v0' } });
    expect((await ev.evaluate(convs.unresolved_repetitive_angry!, { intent: false })).intent).toBeNull();
  });

  it('evaluate([]) scores an empty session without throwing; every score is in 0..1', async () => {
    const r = await new SessionEvaluator().evaluate([]);
    for (const h of HEADS) {
      expect(r.quality[h].score).toBeGreaterThanOrEqual(0);
      expect(r.quality[h].score).toBeLessThanOrEqual(1);
      expect(r.quality[h].evidence).toEqual([]);
    }
  });
});

describe('features', () => {
  it('valence() flips a negated word and reads AFINN phrases', () => {
    expect(valence(['good']).sum).toBeGreaterThan(0);
    expect(valence(['not', 'good']).sum).toBeLessThan(0);
    expect(valence(['this', 'is', 'terrible']).min).toBeLessThanOrEqual(-3);
  });

  it('sessionFeatures() counts a rephrased ask as repetition and a status report repeated verbatim as not', () => {
    const mk = (texts: string[]) =>
      texts.map((text, i) => ({ ...convs.resolved_polite![0]!, seq: i + 1, role: (i % 2 ? 'assistant' : 'user') as 'user' | 'assistant', parts: [{ type: 'text' as const, text }] }));
    const rep = sessionFeatures(mk(['How do I reset the router?', 'Try this.', 'Again: how can I reset my router?']));
    const status = sessionFeatures(mk(['How do I reset the router?', 'Try this.', 'It still fails.', 'Try that.', 'It still fails.']));
    const i = FEATURE_NAMES.indexOf('rep_max_terms');
    expect(rep.x[i]).toBeGreaterThan(0.5);
    expect(status.x[i]).toBe(0);
    expect(rep.evidence.repetition).toEqual([1, 3]);
  });
});

describe('SessionEvaluator properties', () => {
  it('for random sessions: scores in 0..1, evidence ⊆ the session’s seqs and ascending, deterministic (seed-pinned)', async () => {
    const ev = new SessionEvaluator();
    const word = fc.constantFrom('how', 'reset', 'router', 'thanks', 'still', 'NOT', 'working', 'great', 'again', '!!!', '??', 'fixed', 'why', 'manager', 'sorry', '42', 'ugh', 'ok');
    const turn = fc.record({ role: fc.constantFrom('user', 'assistant', 'tool', 'system'), words: fc.array(word, { maxLength: 12 }), err: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(turn, { maxLength: 40 }), async (spec) => {
        const turns = spec.map((s, i) => ({
          ...convs.resolved_polite![0]!,
          seq: i + 1,
          role: s.role as Turn['role'],
          parts: s.role === 'tool' ? [{ type: 'tool_result' as const, tool_call_id: 'c', content: s.words.join(' '), is_error: s.err }] : [{ type: 'text' as const, text: s.words.join(' ') }],
        }));
        const a = await ev.evaluate(turns);
        const b = await ev.evaluate(turns);
        expect(a).toEqual(b);
        for (const h of HEADS) {
          expect(a.quality[h].score).toBeGreaterThanOrEqual(0);
          expect(a.quality[h].score).toBeLessThanOrEqual(1);
          const e = a.quality[h].evidence;
          expect(e).toEqual([...e].sort((x, y) => x - y));
          for (const seq of e) expect(seq >= 1 && seq <= turns.length).toBe(true);
          expect(e.length).toBeLessThanOrEqual(12);
        }
      }),
      { seed: 20260107, numRuns: 150 },
    );
  });

  it('a classifier that throws leaves intent null with intent_error, and the quality scores intact', async () => {
    const broken: SessionIntentClassifier = {
      classifySession: () => {
        throw new Error('model not loaded');
      },
    };
    const r = await new SessionEvaluator({ intent: broken }).evaluate(convs.resolved_polite!);
    expect(r).toMatchObject({ intent: null, intent_available: true, intent_error: 'model not loaded' });
    expect(r.quality.resolution.score).toBeGreaterThan(0.5);
  });
});
