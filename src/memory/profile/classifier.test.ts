import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadLatestArtifact, saveArtifact } from '../../models/artifact.ts';
import { generateSentences } from '../../../training/lib/preference-data.ts';
import { accuracyOf, examplesOf, trainClassifier } from '../../../training/lib/preferences-train.ts';
import { FEATURE_DIM, featureStrings, loadPreferenceClassifier, MODEL_NAME, weightsFromArtifact, weightsToTensors } from './classifier.ts';
import { readText } from './extract.ts';
import { matchClause } from './rules.ts';

describe('preference classifier', () => {
  it('masks the value and capitalised words, so the features carry the frame and not the vocabulary', () => {
    const f = featureStrings('I moved to Lyon last month', matchClause('I moved to Lyon last month'));
    expect(f).toContain('b:to __val');
    expect(f.some((x) => x.includes('lyon'))).toBe(false);
    expect(f).toContain('rule:city.moved');
  });

  it('a tiny training run: the loss falls and accuracy is far above the majority class, on sentences it did not see', () => {
    const train = examplesOf(generateSentences(600, 11, 'train'));
    const test = examplesOf(generateSentences(400, 12, 'train'));
    const { weights, losses } = trainClassifier(train, { epochs: 4, seed: 3 });
    expect(losses[0]!).toBeGreaterThan(losses.at(-1)!);
    const counts = [0, 0, 0];
    for (const e of test) counts[e.y]!++;
    const majority = Math.max(...counts) / test.length;
    expect(accuracyOf(weights, test)).toBeGreaterThan(Math.max(0.85, majority + 0.2));
  });

  it('the same seed trains the same weights', () => {
    const ex = examplesOf(generateSentences(200, 5, 'train'));
    const a = trainClassifier(ex, { epochs: 2, seed: 9 }).weights;
    const b = trainClassifier(ex, { epochs: 2, seed: 9 }).weights;
    expect(Buffer.from(a.w.buffer).equals(Buffer.from(b.w.buffer))).toBe(true);
  });

  it('round-trips its weights through an artifact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sira-pref-'));
    try {
      const { weights } = trainClassifier(examplesOf(generateSentences(100, 1, 'train')), { epochs: 1, seed: 1 });
      const card = { name: MODEL_NAME, version: 'v1', description: 't', created_at: '', seed: 1, data: [], features: '', metrics: {}, command: '', config: { feature_dim: FEATURE_DIM } };
      saveArtifact(dir, card, weightsToTensors(weights));
      const back = weightsFromArtifact(loadLatestArtifact(dir, MODEL_NAME)!);
      expect(Array.from(back.w)).toEqual(Array.from(weights.w));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the committed artifact gives the stored outputs (test/fixtures/preferences/expectations.json)', () => {
    const weights = loadPreferenceClassifier();
    expect(weights).toBeDefined();
    const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../../../test/fixtures/preferences/expectations.json'), 'utf8')) as {
      rows: { text: string; match: string | null; label: string; probs: number[] | null }[];
    };
    expect(fixture.rows.length).toBeGreaterThan(10);
    for (const row of fixture.rows) {
      const r = readText(row.text, { weights })[0]!;
      expect({ text: row.text, match: r.match?.pattern ?? null, label: r.label }).toEqual({ text: row.text, match: row.match, label: row.label });
      if (row.probs !== null) r.probs!.forEach((p, i) => expect(p).toBeCloseTo(row.probs![i]!, 3));
    }
  });
});
