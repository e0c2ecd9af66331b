import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runEmbedderContract } from '../../../test/helpers/embedder-contract.ts';
import { join } from 'node:path';
import { defaultModelsDir } from '../artifact.ts';
import { dot } from '../embedder.ts';
import { createStaticEmbedder } from './static.ts';
import { StaticUnits, useLiteVocabulary, wordTokens } from './static-units.ts';

// The static embedder reads only files of the repository: any fetch fails the test.
const fetchSpy = vi.fn(() => Promise.reject(new Error('network used')));
beforeAll(() => vi.stubGlobal('fetch', fetchSpy));
afterAll(() => {
  vi.unstubAllGlobals();
  expect(fetchSpy).not.toHaveBeenCalled();
});

runEmbedderContract('static (distilled from USE lite)', () => createStaticEmbedder());

const SEED = Number(process.env.FC_SEED ?? 20261202);

describe('models/embedders/static', () => {
  const e = createStaticEmbedder();

  it('has a versioned id and the artifact dim', () => {
    expect(e.id).toBe('static-embed-v3');
    expect(e.dim).toBe(256);
  });

  it('createStaticEmbedder({ dir }) loads table v2 (the same format) under its own id', () => {
    const v2 = createStaticEmbedder({ dir: join(defaultModelsDir(), 'static-embed', 'v2') });
    expect(v2.id).toBe('static-embed-v2');
    const [a, b] = [v2.embedSync(['Booked the Lisbon hotel.'])[0]!, e.embedSync(['Booked the Lisbon hotel.'])[0]!];
    expect(Math.abs(dot(a, a) - 1)).toBeLessThan(1e-4);
    expect(dot(a, b)).toBeGreaterThan(0.5); // v3 is v2 retrofitted: close, not equal
    expect(dot(a, b)).toBeLessThan(1 - 1e-6);
  });

  it('v3 (retrofitted to WordNet) puts synonyms closer than v2 did, and unrelated words no closer', () => {
    const v2 = createStaticEmbedder({ dir: join(defaultModelsDir(), 'static-embed', 'v2') });
    const sim = (m: typeof e, x: string, y: string) => dot(m.embedSync([x])[0]!, m.embedSync([y])[0]!);
    for (const [x, y] of [['large', 'big'], ['commence', 'begin'], ['quick', 'fast']] as const) expect(sim(e, x, y)).toBeGreaterThan(sim(v2, x, y) + 0.1);
    expect(sim(e, 'physician', 'banana')).toBeLessThan(sim(v2, 'physician', 'banana') + 0.05);
  });

  it('embedSync(texts) gives the vectors embed(texts) resolves to', async () => {
    const texts = ['Booked the Lisbon hotel for May 3.', '', '☕☕'];
    const [a, b] = [e.embedSync(texts), await e.embed(texts)];
    for (let i = 0; i < texts.length; i++) expect(Array.from(a[i]!)).toEqual(Array.from(b[i]!));
  });

  it('ranks a paraphrase above an unrelated sentence', () => {
    const [q, para, other] = e.embedSync(['Where do I like to sit on a plane?', 'I always book a window seat when I fly.', 'The invoice total was 4,200 euros.']);
    expect(dot(q!, para!)).toBeGreaterThan(dot(q!, other!) + 0.05);
  });

  it('ranks the same topic in other words first among distractors', () => {
    const [q, ...docs] = e.embedSync([
      'my card was stolen, how do I block it?',
      'I lost my credit card and someone may be using it',
      'What is the weather going to be like tomorrow?',
      'Play some jazz music please',
      'How many calories are in a banana?',
    ]);
    const sims = docs.map((d) => dot(q!, d));
    expect(sims.indexOf(Math.max(...sims))).toBe(0);
  });

  it('every text gets a finite unit vector, identical for identical text (property)', () => {
    console.log(`fast-check seed ${SEED}`);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        const [v, w] = e.embedSync([text, text]);
        expect(v).toHaveLength(256);
        expect(v!.every(Number.isFinite)).toBe(true);
        expect(Math.abs(dot(v!, v!) - 1)).toBeLessThan(1e-4);
        expect(Array.from(w!)).toEqual(Array.from(v!));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('rejects with SIRA_ERR_CODEC_CORRUPT when the artifact is missing', () => {
    expect(() => createStaticEmbedder({ dir: '/nonexistent/static-embed/v2' })).toThrow(expect.objectContaining({ code: 'SIRA_ERR_CODEC_CORRUPT' }));
  });
});

describe('models/embedders/static-units', () => {
  const units = new StaticUnits(useLiteVocabulary(), ['lisbon', "don't"]);

  it('wordTokens(text) splits words, keeps inner apostrophes and single symbols', () => {
    expect(wordTokens("I don't know, Lisbon!")).toEqual(['I', "don't", 'know', ',', 'Lisbon', '!']);
  });

  it('encode(text) uses a listed word as one unit (case-insensitive), else its pieces', () => {
    const ids = units.encode('Lisbon');
    expect(ids).toEqual([units.pieces]);
    const other = units.encode('Porto');
    expect(other.length).toBeGreaterThan(0);
    expect(other.every((id) => id > 5 && id < units.pieces)).toBe(true);
    expect(units.encode('')).toEqual([]);
  });
});
