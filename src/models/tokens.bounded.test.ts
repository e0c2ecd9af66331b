/**
 * Bounded token counting (issue 11): exact for ordinary text, conservative (never below the exact BPE count) for
 * long unbroken runs and long texts, and never handing the BPE more than a bounded amount of text. fast-check,
 * seed pinned and printed (override with SIRA_FC_SEED, more runs with SIRA_FC_RUNS).
 */
import fc from 'fast-check';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { describe, expect, it } from 'vitest';
import { boundedCount, countTokensPaced, EXACT_COUNT_CHARS, LONG_RUN_CHARS, loadTokenizer, PIECE_CHARS } from './tokens.ts';

const SEED = Number(process.env.SIRA_FC_SEED ?? 20_261_202);
const RUNS = Number(process.env.SIRA_FC_RUNS ?? 60);
console.log(`tokens.bounded: fast-check seed ${SEED}, runs ${RUNS}`);
const PLAIN = { disallowedSpecial: new Set<string>() };
const ENCODINGS = { o200k: (s: string) => o200k(s, PLAIN), cl100k: (s: string) => cl100k(s, PLAIN) };

const word = fc.constantFrom('the', 'Lisbon', 'flight', '7:40', '$420', '日本語', 'über', '😀', 'naïve', "don't", '<|endoftext|>', '\n', '...');
const prose = fc.array(word, { minLength: 1, maxLength: 400 }).map((ws) => ws.join(' '));
// Long ordinary text: many pieces, every cut before a space.
const longProse = fc.array(word, { minLength: 600, maxLength: 3000 }).map((ws) => ws.join(' '));
// One character repeated, or a short alphabet mixed: letters, CJK, emoji, marks, punctuation, whitespace.
const runChar = fc.constantFrom('a', 'Z', 'é', '\u0301', '漢', '😀', '.', '!', '/', ' ', '\n', '\t', 'ß', 'ا');
const run = fc.tuple(fc.array(runChar, { minLength: 1, maxLength: 4 }), fc.integer({ min: LONG_RUN_CHARS - 5, max: 3 * LONG_RUN_CHARS })).map(([cs, n]) => {
  let s = '';
  for (let i = 0; s.length < n; i++) s += cs[(i * 7) % cs.length];
  return s;
});
const hostile = fc.array(fc.oneof(prose, run), { minLength: 1, maxLength: 6 }).map((xs) => xs.join(''));

describe('boundedCount', () => {
  for (const [name, exact] of Object.entries(ENCODINGS)) {
    it(`equals the exact ${name} count for ordinary text, short or cut in ${PIECE_CHARS}-char pieces`, () => {
      fc.assert(
        fc.property(fc.oneof(prose, longProse), (text) => {
          expect(boundedCount(text, exact)).toBe(exact(text));
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });

    it(`is never below the exact ${name} count on long runs mixed with prose`, () => {
      fc.assert(
        fc.property(hostile, (text) => {
          expect(boundedCount(text, exact)).toBeGreaterThanOrEqual(exact(text));
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });
  }

  it('is never below the exact count for a text longer than EXACT_COUNT_CHARS (the tail counts as bytes)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(prose, run), { minLength: 60, maxLength: 90 }), (xs) => {
        const text = xs.join(' ').padEnd(EXACT_COUNT_CHARS + 100, ' tail');
        expect(boundedCount(text, ENCODINGS.o200k)).toBeGreaterThanOrEqual(ENCODINGS.o200k(text));
      }),
      { seed: SEED, numRuns: 8 },
    );
  });

  it('hands the BPE at most EXACT_COUNT_CHARS characters in all, and no run longer than LONG_RUN_CHARS', () => {
    fc.assert(
      fc.property(runChar, fc.integer({ min: 1, max: 1 << 20 }), (c, n) => {
        const text = c.repeat(n);
        let seen = 0;
        let longest = 0;
        const total = boundedCount(text, (s) => {
          seen += s.length;
          longest = Math.max(longest, s.length);
          return ENCODINGS.o200k(s);
        });
        expect(seen).toBeLessThanOrEqual(EXACT_COUNT_CHARS);
        if (text.length > LONG_RUN_CHARS) expect(longest).toBeLessThanOrEqual(LONG_RUN_CHARS);
        expect(total).toBeGreaterThan(0);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('never splits a surrogate pair (each piece is well-formed UTF-16)', () => {
    const pieces: string[] = [];
    boundedCount('x😀'.repeat(EXACT_COUNT_CHARS), (s) => (pieces.push(s), s.length));
    expect(pieces.every((p) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(p))).toBe(true);
  });
});

describe('loadTokenizer(…).count', () => {
  it('countTokensPaced(tok, text) equals tok.count(text) and paces between pieces', async () => {
    const tok = await loadTokenizer('o200k_base');
    const text = `${'word '.repeat(3000)}${'漢'.repeat(5000)}`;
    let paces = 0;
    const n = await countTokensPaced(tok, text, async () => void paces++);
    expect(n).toBe(tok.count(text));
    expect(paces).toBeGreaterThanOrEqual(Math.floor(text.length / PIECE_CHARS) - 1);
  });

  it('counts a 1 Mi-character unbroken run (o200k, cl100k) as at least its exact head', async () => {
    for (const enc of ['o200k_base', 'cl100k_base'] as const) {
      const tok = await loadTokenizer(enc);
      const text = 'q'.repeat(1 << 20);
      const n = tok.count(text);
      // The tail beyond the exact head counts one token per byte.
      expect(n).toBeGreaterThanOrEqual((1 << 20) - EXACT_COUNT_CHARS);
      expect(tok.count(text)).toBe(n);
    }
  });
});
