/**
 * @module bench/internal/hostile-text
 * Reproduces issue 11's super-linear per-turn work: times every text step of a context build and of append-time
 * work on adversarial texts (long unbroken runs of letters, digits, punctuation, whitespace, CJK, emoji, mixed)
 * at growing sizes, and prints each step's time and its growth ratio per doubling (≈ 2 is linear, ≈ 4 quadratic).
 * Usage: node bench/internal/hostile-text.ts [maxChars=65536] [steps=comma list]
 */
import { loadTokenizer } from '../../src/models/tokens.ts';
import { analyzeTurn, sentenceInfos } from '../../src/memory/context/analysis.ts';
import { sentences, shingles, terms, words } from '../../src/memory/context/text.ts';
import { textImportance } from '../../src/memory/context/importance.ts';
import { extractStatements } from '../../src/memory/profile/extract.ts';
import { splitClauses } from '../../src/memory/profile/rules.ts';
import { pruneSentences, summarize } from '../../src/memory/context/compress.ts';
import type { Turn } from '../../src/core/types.ts';

const max = Number(process.argv[2] ?? 65536);
const only = process.argv[3]?.split(',');
const o200k = await loadTokenizer('o200k_base');
const cl100k = await loadTokenizer('cl100k_base');

const gens: Record<string, (n: number) => string> = {
  letters: (n) => 'a'.repeat(n),
  mixedcase: (n) => 'aB'.repeat(n / 2),
  digits: (n) => '7'.repeat(n),
  punct: (n) => '.'.repeat(n),
  spaces: (n) => ' '.repeat(n),
  newlines: (n) => '\n'.repeat(n),
  dotspace: (n) => '. '.repeat(n / 2),
  cjk: (n) => '漢'.repeat(n),
  emoji: (n) => '😀'.repeat(n / 2),
  base64ish: (n) => Array.from({ length: n }, (_, i) => 'Ab9+/xQz'[(i * 7919) % 8]).join(''),
  prose: (n) => 'I prefer tea on Monday at 9:30 and Alice decided to go. '.repeat(Math.ceil(n / 56)).slice(0, n),
};
const turn = (text: string): Turn => ({ seq: 1, role: 'user', agent_id: null, name: null, parts: [{ type: 'text', text }], metadata: null, created_at: 1, importance: null, pinned: false } as unknown as Turn);
const steps: Record<string, (s: string) => unknown> = {
  o200k: (s) => o200k.count(s),
  cl100k: (s) => cl100k.count(s),
  words: (s) => words(s),
  terms: (s) => terms(s),
  sentences: (s) => sentences(s),
  sentenceInfos: (s) => sentenceInfos(s),
  shingles: (s) => shingles(s),
  importance: (s) => textImportance(s),
  analyzeTurn: (s) => analyzeTurn(turn(s)),
  splitClauses: (s) => splitClauses(s),
  profile: (s) => extractStatements(s),
  prune: (s) => { const ss = sentenceInfos(s); return pruneSentences(ss, ss.map((x) => x.text.length / 4), new Map([['tea', 1]]), 50, (t) => Math.ceil(t.length / 4)); },
  summary: (s) => { const ss = sentenceInfos(s); return summarize([{ seq: 1, speaker: 'user', score: 1, sentences: ss, cost: ss.map((x) => x.text.length / 4) }], new Map([['tea', 1]]), 50, (t) => Math.ceil(t.length / 4)); },
};
const sizes: number[] = [];
for (let n = 4096; n <= max; n *= 2) sizes.push(n);
console.log(`step\tinput\t${sizes.join('\t')}\tratio(last doubling)`);
for (const [sname, f] of Object.entries(steps)) {
  if (only !== undefined && !only.includes(sname)) continue;
  for (const [gname, g] of Object.entries(gens)) {
    const ms: number[] = [];
    for (const n of sizes) {
      const s = g(n);
      const t0 = performance.now();
      f(s);
      const dt = performance.now() - t0;
      ms.push(dt);
      if (dt > 3000) break;
    }
    const r = ms.length >= 2 ? ms.at(-1)! / Math.max(ms.at(-2)!, 0.01) : NaN;
    console.log(`${sname}\t${gname}\t${ms.map((x) => x.toFixed(1)).join('\t')}\t${r.toFixed(2)}${ms.at(-1)! > 50 ? '  SLOW' : ''}`);
  }
}
