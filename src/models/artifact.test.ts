import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { artifactVersions, f32Tensor, loadArtifact, loadLatestArtifact, saveArtifact, tensorF32, type ModelCard } from './artifact.ts';

const card = (version: string): ModelCard => ({
  name: 'toy',
  version,
  description: 'a toy',
  created_at: '2026-11-25T00:00:00Z',
  seed: 1,
  data: [{ name: 'none', split: 'train', rows: 0 }],
  features: 'none',
  metrics: { acc: 0.5 },
  command: 'test',
  config: { labels: ['a', 'b'] },
});

describe('model artifacts', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('round-trips weights and card, and picks the newest version numerically', () => {
    const root = mkdtempSync(join(tmpdir(), 'sira-art-'));
    dirs.push(root);
    const w = new Float32Array([1.5, -2, 3.25, 0]);
    for (const v of ['v2', 'v10', 'v1']) saveArtifact(root, card(v), { w: f32Tensor(w, [2, 2]) });
    expect(artifactVersions(root, 'toy')).toEqual(['v1', 'v2', 'v10']);
    const a = loadLatestArtifact(root, 'toy')!;
    expect(a.card.version).toBe('v10');
    expect(a.card.config).toEqual({ labels: ['a', 'b'] });
    expect(Array.from(tensorF32(a.tensors.w))).toEqual([1.5, -2, 3.25, 0]);
    expect(a.tensors.w!.shape).toEqual([2, 2]);
    expect(loadLatestArtifact(root, 'missing')).toBeUndefined();
    expect(() => loadArtifact(join(root, 'toy', 'v7'))).toThrow(/could not be loaded/);
  });
});
