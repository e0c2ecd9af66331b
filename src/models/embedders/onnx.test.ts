import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeTinyBert } from '../../../training/make-tiny-bert.ts';
import { runEmbedderContract } from '../../../test/helpers/embedder-contract.ts';
import { isSiraError } from '../../core/errors.ts';
import { dot } from '../embedder.ts';
import { createOnnxEmbedder, readSentenceTransformersConfig } from './onnx.ts';

// A tiny BERT-style sentence-transformers model written by training/make-tiny-bert.ts (ONNX graph built in code,
// WordPiece tokenizer.json, mean pooling). Nothing may be fetched.
const root = mkdtempSync(join(tmpdir(), 'sira-onnx-'));
const dir = makeTinyBert(join(root, 'tiny-bert'), 16);
const fetchSpy = vi.fn(() => Promise.reject(new Error('network used')));
beforeAll(() => vi.stubGlobal('fetch', fetchSpy));
afterAll(() => {
  vi.unstubAllGlobals();
  rmSync(root, { recursive: true, force: true });
  expect(fetchSpy).not.toHaveBeenCalled();
});

let shared: ReturnType<typeof createOnnxEmbedder> | undefined;
runEmbedderContract('onnx (tiny BERT, local directory)', () => (shared ??= createOnnxEmbedder({ model: dir, batchSize: 3 })));

describe('models/embedders/onnx', () => {
  it('reads pooling and width from the sentence-transformers config; id names the directory', () => {
    expect(readSentenceTransformersConfig(dir)).toEqual({ pooling: 'mean', dim: 16 });
    const e = createOnnxEmbedder({ model: dir });
    expect(e).toMatchObject({ id: 'onnx:tiny-bert', dim: 16 });
  });

  it('CLS pooling from 1_Pooling/config.json gives other vectors than mean pooling', async () => {
    const clsDir = makeTinyBert(join(root, 'tiny-bert-cls'), 16);
    writeFileSync(join(clsDir, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: 16, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }));
    expect(readSentenceTransformersConfig(clsDir).pooling).toBe('cls');
    const text = ['the hotel window seat'];
    const [mean] = await createOnnxEmbedder({ model: dir }).embed(text);
    const [cls] = await createOnnxEmbedder({ model: clsDir }).embed(text);
    expect(dot(mean!, cls!)).toBeLessThan(0.999);
    // CLS pooling ignores everything after the first token: texts sharing nothing else still match exactly.
    const [a, b] = await createOnnxEmbedder({ model: clsDir }).embed(['meeting', 'prefer hotel']);
    expect(dot(a!, b!)).toBeGreaterThan(1 - 1e-5);
  });

  it('a Hub name without allowRemote is a configuration error, never a download', () => {
    let err: unknown;
    try {
      createOnnxEmbedder({ model: 'sentence-transformers/all-MiniLM-L6-v2' });
    } catch (e) {
      err = e;
    }
    expect(isSiraError(err, 'SIRA_ERR_CONFIG_INVALID')).toBe(true);
  });
});
