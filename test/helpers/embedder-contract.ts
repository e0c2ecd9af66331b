/**
 * @module test/helpers/embedder-contract
 * The properties every {@link Embedder} must have, run by each provider's test (hono `runTest` style): one
 * unit vector of `dim` per text in order, identical text → identical vector, batching equals one-by-one.
 */
import { describe, expect, it } from 'vitest';
import { dot, type Embedder } from '../../src/models/embedder.ts';

const TEXTS = ['The meeting moved to Thursday at 3pm.', 'I prefer window seats on long flights.', 'The meeting moved to Thursday at 3pm.', 'Résumé: naïve café ☕ 東京'];

/** Run the embedder contract against `create()`; `skip` lists cases left out, each with a reason. */
export function runEmbedderContract(name: string, create: () => Embedder, skip: Record<string, string> = {}): void {
  // A provider may skip a contract test only through `skip`, whose reason goes into the test's name; none does today.
  const test = (title: string, fn: () => Promise<void>) => (title in skip ? it.skip(`${title} (${skip[title]})`, fn) : it(title, fn));
  describe(`Embedder contract: ${name}`, () => {
    test('embed(texts) returns one unit vector of dim per text, in order', async () => {
      const e = create();
      const v = await e.embed(TEXTS);
      expect(v).toHaveLength(TEXTS.length);
      for (const x of v) {
        expect(x).toBeInstanceOf(Float32Array);
        expect(x).toHaveLength(e.dim);
        expect(Math.abs(dot(x, x) - 1)).toBeLessThan(1e-4);
      }
    });
    test('embed([]) returns []', async () => {
      expect(await create().embed([])).toEqual([]);
    });
    test('identical text gives an identical vector', async () => {
      const v = await create().embed(TEXTS);
      expect(Array.from(v[2]!)).toEqual(Array.from(v[0]!));
      expect(dot(v[0]!, v[1]!)).toBeLessThan(0.999);
    });
    test('a batch equals the texts embedded one by one', async () => {
      const e = create();
      const batch = await e.embed(TEXTS);
      for (let i = 0; i < TEXTS.length; i++) {
        const [one] = await e.embed([TEXTS[i]!]);
        expect(dot(one!, batch[i]!)).toBeGreaterThan(1 - 1e-4);
      }
    });
  });
}
