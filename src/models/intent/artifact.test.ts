import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultModelsDir } from '../artifact.ts';
import { IntentModel } from './model.ts';
import { IntentModels } from './registry.ts';

interface Case {
  text: string;
  label: string;
  confidence: number;
  out_of_scope: boolean;
  top3: string[];
}
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../../../test/fixtures/intent-expectations.json'), 'utf8')) as {
  models: Record<string, { version: string; cases: Case[] }>;
};

describe('committed intent artifacts', () => {
  for (const [name, { version, cases }] of Object.entries(fixture.models)) {
    it(`${name}/${version} answers the stored expectations (labels, top-3, confidence ± 1e-4)`, () => {
      const model = IntentModel.load(join(defaultModelsDir(), name, version));
      for (const c of cases) {
        const r = model.classify(c.text, { topK: 3 });
        expect({ text: c.text, label: r.label, out_of_scope: r.out_of_scope, top3: r.distribution.map((d) => d.label) }).toEqual({
          text: c.text,
          label: c.label,
          out_of_scope: c.out_of_scope,
          top3: c.top3,
        });
        expect(r.confidence).toBeCloseTo(c.confidence, 4);
      }
    });
  }

  it('the artifacts are small (model.safetensors ≤ 3 MB) and carry their metrics and threshold in the card', () => {
    const models = IntentModels.load();
    for (const info of models.list()) {
      expect(info.loaded, info.name).toBe(true);
      expect(info.metrics?.test_accuracy).toBeGreaterThan(0.8);
    }
    expect(models.get('clinc150')?.config).toMatchObject({ oos_label: 'oos' });
    expect(models.get('clinc150')?.config.threshold).toBeGreaterThan(0);
    for (const [name, { version }] of Object.entries(fixture.models)) {
      const size = readFileSync(join(defaultModelsDir(), name, version, 'model.safetensors')).byteLength;
      expect(size).toBeLessThanOrEqual(3_000_000);
    }
  });

  it('IntentModels.load on a directory with no artifacts falls back (fallback: true) instead of failing', () => {
    const empty = IntentModels.load(join(import.meta.dirname, 'no-such-models-dir'));
    expect(empty.get()).toBeUndefined();
    expect(empty.classify('hello')).toMatchObject({ fallback: true, label: 'unknown' });
    expect(empty.classifySession([{ role: 'user', text: 'hello' }])).toMatchObject({ fallback: true, turns: [] });
    expect(empty.list().every((m) => !m.loaded)).toBe(true);
  });
});
