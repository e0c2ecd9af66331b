/**
 * The static embedder's table v3 (issue 12, experience search): table v2 (`npm run train -- static-embed`)
 * retrofitted to WordNet 3.0 so that synonyms sit together (Faruqui et al. 2015; training/lib/retrofit.ts). v2's
 * word vectors come from USE-lite, whose single-word neighbours are poor ("abort" is three pieces, ▁a + bor + t);
 * WordNet says which words mean the same.
 * 1. Rows for common English words the table lacks: WordNet lemmas (letters only, ≥ 3 letters) seen in SemCor
 *    (tag count ≥ `minTag`), not one piece already, the most tagged first (at most `maxNew`). A new row starts as the
 *    sum of the word's pieces, so that before retrofitting every text embeds exactly as with v2.
 * 2. A graph over rows: synonyms (same synset), hypernym ↔ hyponym, derivationally related and similar adjectives
 *    (lower weights), each edge weighted by how often the word is used in that sense (SemCor tag counts, add-½); and each
 *    inflected word of the table → its base form (morphy). Stop words neither move nor pull (their WordNet senses
 *    are rare nouns: "can", "will").
 * 3. Retrofitting (10 iterations, directions only; each row keeps its length, i.e. its SIF weight). New rows trust
 *    their piece sum less (α_new) than rows distilled from USE-lite (α = 1).
 * Held-out metric (no benchmark text): 10% of the synsets (by a hash of their key) are left out of a first run;
 * for their synonym pairs, the share of cases where the pair is closer than a random word pair (before → after).
 * Drift: CLINC150 nearest-neighbour intent accuracy with the table before and after (sentence vectors must not
 * lose what the distillation gave them).
 *
 * usage: npm run train -- static-retrofit   (reads data/models/static-embed/v2 and WordNet at $WORDNET_DIR,
 *        default /usr/share/wordnet; writes data/models/static-embed/v3)
 * env (exploration): STATIC_RETROFIT_ALPHA_NEW, STATIC_RETROFIT_BETA, STATIC_RETROFIT_MAX_NEW, STATIC_RETROFIT_MIN_TAG
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isStopword } from '../../src/memory/context/text.ts';
import { f32Tensor, loadArtifact, saveArtifact, tensorF32 } from '../../src/models/artifact.ts';
import { StaticUnits, useLiteVocabulary } from '../../src/models/embedders/static-units.ts';
import { STATIC_ARTIFACT } from '../../src/models/embedders/static.ts';
import { mulberry32, type Rng } from '../../src/core/rng.ts';
import { loadClinc150 } from '../lib/intent-data.ts';
import { retrofit, RowGraph } from '../lib/retrofit.ts';
import { loadWordNet, wordnetDir, type WordNet } from '../lib/wordnet.ts';
import type { TrainTask } from '../lib/task.ts';
import { knnAccuracy, staticVectors } from './static-embed.ts';

const SOURCE_VERSION = 'v2';
const VERSION = 'v3';
/** Edge weights by relation (synonym = 1); env STATIC_RETROFIT_W_<RELATION> overrides (exploration). */
/** Add-k prior of the sense probabilities (SemCor counts). */
const SENSE_PRIOR = Number(process.env.STATIC_RETROFIT_SENSE_PRIOR ?? 0.5);
const WEIGHTS = Object.fromEntries(
  Object.entries({ synonym: 1, hypernym: 0.5, derivation: 0.5, similar: 0.5, morph: 1 }).map(([k, v]) => [k, Number(process.env[`STATIC_RETROFIT_W_${k.toUpperCase()}`] ?? v)]),
) as Record<'synonym' | 'hypernym' | 'derivation' | 'similar' | 'morph', number>;

interface Config {
  dim: number;
  alphaNew: number;
  beta: number;
  maxNew: number;
  minTag: number;
  iterations: number;
  centre: boolean;
}

/** The float table of an artifact (int8 rows × per-row scale) and its word list. */
function readTable(dir: string): { table: Float32Array; words: string[]; dim: number } {
  const { tensors } = loadArtifact(dir);
  const v = tensors.vectors!;
  const dim = v.shape[1]!;
  const rows = new Int8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
  const scales = tensorF32(tensors.scales, 'scales');
  const table = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) table[i] = rows[i]! * scales[Math.floor(i / dim)]!;
  return { table, words: new TextDecoder().decode(tensors.words!.data).split('\n'), dim };
}

/** WordNet lemmas the table lacks a row for, the most tagged first. */
function newWords(wn: WordNet, units: StaticUnits, known: ReadonlySet<string>, c: Config): string[] {
  return [...wn.tagCount]
    .filter(([w, n]) => n >= c.minTag && /^[a-z]{3,}$/.test(w) && !known.has(w) && !isStopword(w) && units.tokenUnits(w).length > 1)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, c.maxNew)
    .map(([w]) => w);
}

/** The source table with a row for each added word: the sum of its pieces' rows (so every text embeds as before). */
function extendTable(source: Float32Array, dim: number, before: StaticUnits, added: readonly string[]): Float32Array {
  const table = new Float32Array(source.length + added.length * dim);
  table.set(source);
  added.forEach((w, k) => {
    const off = (before.size + k) * dim;
    for (const u of before.tokenUnits(w)) for (let d = 0; d < dim; d++) table[off + d]! += source[u * dim + d]!;
  });
  return table;
}

/** The row of a word when it is one unit of the table (a listed word or a single piece), else undefined. */
function rowOf(units: StaticUnits, word: string): number | undefined {
  if (!/^[a-z]+$/.test(word) || isStopword(word)) return undefined;
  const ids = units.tokenUnits(word);
  return ids.length === 1 ? ids[0] : undefined;
}

/** The WordNet graph over the table's rows; synsets for which `skip` is true are left out (held-out runs). */
function buildGraph(wn: WordNet, units: StaticUnits, skip: (synsetKey: string) => boolean): RowGraph {
  const g = new RowGraph();
  // p(sense | lemma) from SemCor tag counts, add-½ smoothed: a word leans towards the senses it is used in.
  const senseWeight = (lemma: string, key: string) => {
    const keys = wn.senses.get(lemma) ?? [key];
    const total = keys.reduce((a, k) => a + (wn.senseCount.get(`${lemma} ${k}`) ?? 0), 0);
    return ((wn.senseCount.get(`${lemma} ${key}`) ?? 0) + SENSE_PRIOR) / (total + SENSE_PRIOR * keys.length);
  };
  for (const s of wn.synsets.values()) {
    if (skip(s.key)) continue;
    const rows = s.lemmas.map((l) => rowOf(units, l));
    s.lemmas.forEach((a, i) => {
      const ra = rows[i];
      if (ra === undefined) return;
      const sw = senseWeight(a, s.key);
      rows.forEach((rb, j) => j !== i && rb !== undefined && g.add(ra, rb, WEIGHTS.synonym * sw));
      for (const p of s.pointers) {
        const t = wn.synsets.get(p.target);
        if (t === undefined || skip(t.key)) continue;
        const w = p.symbol.startsWith('@') || p.symbol.startsWith('~') ? WEIGHTS.hypernym : p.symbol === '+' ? WEIGHTS.derivation : p.symbol === '&' ? WEIGHTS.similar : 0;
        if (w === 0 || (p.sourceWord !== 0 && p.sourceWord !== i + 1)) continue;
        t.lemmas.forEach((b, j) => {
          if (p.targetWord !== 0 && p.targetWord !== j + 1) return;
          const rb = rowOf(units, b);
          if (rb !== undefined) g.add(ra, rb, w * sw);
        });
      }
    });
  }
  // Inflected forms of the table's words → their base forms.
  for (const w of units.words) {
    const r = rowOf(units, w);
    if (r === undefined) continue;
    for (const b of wn.morphy(w)) if (b !== w) g.add(r, rowOf(units, b) ?? -1, WEIGHTS.morph);
  }
  g.edges.forEach((m) => m.delete(-1));
  return g;
}

const held = (key: string) => createHash('sha256').update(key).digest()[0]! < 26; // ~10% of synsets

/**
 * Held-out synonym pairs against random node pairs (20 random draws per pair): the share where the pair is closer
 * (`win`), the pairs' mean cosine, and the random pairs' mean cosine (how much unrelated words look alike).
 */
function heldOutSynonymScore(table: Float32Array, dim: number, wn: WordNet, units: StaticUnits, nodes: readonly number[], rng: Rng): { win: number; pairCos: number; randomCos: number; hit10: number } {
  const cos = (a: number, b: number) => {
    let s = 0;
    let na = 0;
    let nb = 0;
    for (let d = 0; d < dim; d++) {
      s += table[a * dim + d]! * table[b * dim + d]!;
      na += table[a * dim + d]! ** 2;
      nb += table[b * dim + d]! ** 2;
    }
    return na > 0 && nb > 0 ? s / Math.sqrt(na * nb) : 0;
  };
  let wins = 0;
  let trials = 0;
  let pairSum = 0;
  let pairs = 0;
  let randomSum = 0;
  let hits = 0;
  let ranked = 0;
  // The first 300 pairs: is the partner among the 10 nearest of all graph rows?
  const top10 = (a: number, b: number) => {
    const target = cos(a, b);
    let closer = 0;
    for (const n of nodes) if (n !== a && n !== b && cos(a, n) > target) closer++;
    return closer < 10;
  };
  for (const s of wn.synsets.values()) {
    if (!held(s.key)) continue;
    const rows = [...new Set(s.lemmas.map((l) => rowOf(units, l)).filter((r) => r !== undefined))];
    for (let i = 0; i < rows.length; i++) {
      for (let j = i + 1; j < rows.length; j++) {
        const c = cos(rows[i]!, rows[j]!);
        pairSum += c;
        pairs++;
        if (ranked < 300) {
          ranked++;
          if (top10(rows[i]!, rows[j]!)) hits++;
        }
        for (let k = 0; k < 20; k++, trials++) {
          const r = cos(rows[i]!, nodes[Math.floor(rng() * nodes.length)]!);
          randomSum += r;
          if (c > r) wins++;
        }
      }
    }
  }
  return { win: wins / trials, pairCos: pairSum / pairs, randomCos: randomSum / trials, hit10: hits / ranked };
}

/** CLINC150 nearest-neighbour intent accuracy (1,000 test queries → the train queries) under a table. */
function clincKnn(table: Float32Array, dim: number, units: StaticUnits, rng: Rng): number {
  const { train, test } = loadClinc150();
  const index = train.filter((r) => r.label !== 'oos');
  const queries = test.filter((r) => r.label !== 'oos').sort(() => rng() - 0.5).slice(0, 1000);
  const vec = (rs: typeof index) => staticVectors(rs.map((r) => units.encode(r.text)), table, dim);
  return knnAccuracy(vec(queries), queries.map((r) => r.label), vec(index), index.map((r) => r.label), dim);
}

/** int8 rows with a per-row scale (as v2). */
function quantize(table: Float32Array, dim: number): { q: Int8Array; scales: Float32Array } {
  const rows = table.length / dim;
  const q = new Int8Array(table.length);
  const scales = new Float32Array(rows);
  for (let u = 0; u < rows; u++) {
    let max = 0;
    for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(table[u * dim + d]!));
    const s = max > 0 ? max / 127 : 0;
    scales[u] = s;
    for (let d = 0; d < dim; d++) q[u * dim + d] = s > 0 ? Math.round(table[u * dim + d]! / s) : 0;
  }
  return { q, scales };
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export const task: TrainTask = {
  name: 'static-retrofit',
  description: 'static embedder v3: table v2 plus common WordNet words, retrofitted to WordNet 3.0 synonyms (Faruqui et al. 2015)',
  async run(opts) {
    const env = (k: string, d: number) => (process.env[`STATIC_RETROFIT_${k}`] === undefined ? d : Number(process.env[`STATIC_RETROFIT_${k}`]));
    const source = readTable(join(opts.out, STATIC_ARTIFACT, SOURCE_VERSION));
    const c: Config = { dim: source.dim, alphaNew: env('ALPHA_NEW', 0.25), beta: env('BETA', 0.5), maxNew: env('MAX_NEW', opts.quick ? 500 : 8000), minTag: env('MIN_TAG', 1), iterations: 10, centre: env('CENTRE', 1) === 1 };
    const { dim } = c;
    const vocabulary = useLiteVocabulary();
    const wn = loadWordNet();
    const before = new StaticUnits(vocabulary, source.words);
    const added = newWords(wn, before, new Set(source.words), c);
    const units = new StaticUnits(vocabulary, [...source.words, ...added]);
    const base = extendTable(source.table, dim, before, added);
    const table = base.slice();
    const options = { iterations: c.iterations, beta: c.beta, centre: c.centre, alpha: (row: number) => (row >= before.size ? c.alphaNew : 1) };

    // Held-out run: 10% of the synsets left out of the graph, scored before and after.
    const heldGraph = buildGraph(wn, units, held);
    const nodes = [...heldGraph.edges.keys()];
    const heldTable = table.slice();
    const scoreBefore = heldOutSynonymScore(heldTable, dim, wn, units, nodes, mulberry32(opts.seed));
    retrofit(heldTable, dim, heldGraph, options);
    const scoreAfter = heldOutSynonymScore(heldTable, dim, wn, units, nodes, mulberry32(opts.seed));

    // The artifact: every synset.
    const graph = buildGraph(wn, units, () => false);
    const moved = retrofit(table, dim, graph, options);
    const { q, scales } = quantize(table, dim);
    const dequant = Float32Array.from(q, (x, i) => x * scales[Math.floor(i / dim)]!);
    const metrics = {
      heldout_synonym_win_before: r4(scoreBefore.win),
      heldout_synonym_win_after: r4(scoreAfter.win),
      heldout_synonym_hit10_before: r4(scoreBefore.hit10),
      heldout_synonym_hit10_after: r4(scoreAfter.hit10),
      heldout_synonym_cos_before: r4(scoreBefore.pairCos),
      heldout_synonym_cos_after: r4(scoreAfter.pairCos),
      random_pair_cos_before: r4(scoreBefore.randomCos),
      random_pair_cos_after: r4(scoreAfter.randomCos),
      clinc_knn1_v2: r4(clincKnn(base, dim, units, mulberry32(opts.seed))),
      clinc_knn1_v3: r4(clincKnn(dequant, dim, units, mulberry32(opts.seed))),
      rows: units.size,
      words_added: added.length,
      rows_retrofitted: moved,
      graph_edges: graph.size,
      dim,
      bytes: q.byteLength + scales.byteLength,
    };
    const wordBytes = new TextEncoder().encode(units.words.join('\n'));
    const sourceCard = JSON.parse(readFileSync(join(opts.out, STATIC_ARTIFACT, SOURCE_VERSION, 'card.json'), 'utf8')) as { data: unknown[]; config: Record<string, unknown> };
    const dir = saveArtifact(
      opts.out,
      {
        name: STATIC_ARTIFACT,
        version: VERSION,
        description: `Static embedder: table ${SOURCE_VERSION} (USE-lite distilled into int8 piece and word vectors) plus common English words, retrofitted to WordNet 3.0 synonyms; a text is the normalised sum of its rows`,
        created_at: new Date().toISOString(),
        seed: opts.seed,
        data: [
          ...(sourceCard.data as ModelData[]).map((d) => ({ ...d, name: `(table ${SOURCE_VERSION}) ${d.name}` })),
          { name: `WordNet 3.0 (Princeton University; ${wordnetDir()}): synsets, hypernyms, derivations, similar adjectives, SemCor tag counts, morphological exceptions`, split: 'train (90% of synsets in the held-out run, all in the artifact)', rows: wn.synsets.size, license: 'WordNet 3.0 license (BSD-like; notice in WORDNET-LICENSE.txt beside the weights)' },
        ],
        features: `units = ${vocabulary.length} USE-lite pieces + ${units.words.length} words (${source.words.length} of ${SOURCE_VERSION}, ${added.length} WordNet lemmas added, initialised as the sum of their pieces); ${moved} rows retrofitted to WordNet (Faruqui et al. 2015: ${c.iterations} iterations, directions only, each row keeps its length)`,
        metrics,
        command: `${Object.entries(process.env).filter(([k]) => k.startsWith('STATIC_RETROFIT_')).map(([k, v]) => `${k}=${v} `).join('')}${opts.command}`,
        config: { ...sourceCard.config, words: units.words.length, source: `${STATIC_ARTIFACT}/${SOURCE_VERSION}`, retrofit: { ...c, weights: WEIGHTS, sense_weight: `p(sense | lemma), SemCor counts + ${SENSE_PRIOR}` } },
      },
      {
        vectors: { dtype: 'i8', shape: [units.size, dim], data: new Uint8Array(q.buffer) },
        scales: f32Tensor(scales, [units.size]),
        words: { dtype: 'u8', shape: [wordBytes.byteLength], data: wordBytes },
      },
    );
    writeFileSync(join(dir, 'WORDNET-LICENSE.txt'), WORDNET_NOTICE);
    return metrics;
  },
};

type ModelData = { name: string; split: string; rows: number; license?: string };

const WORDNET_NOTICE = `The word vectors of this table were retrofitted to WordNet 3.0 (and its lemma list and SemCor tag counts chose
the added words). WordNet 3.0 license:

WordNet Release 3.0 This software and database is being provided to you, the LICENSEE, by Princeton University
under the following license. By obtaining, using and/or copying this software and database, you agree that you
have read, understood, and will comply with these terms and conditions.: Permission to use, copy, modify and
distribute this software and database and its documentation for any purpose and without fee or royalty is hereby
granted, provided that you agree to comply with the following copyright notice and statements, including the
disclaimer, and that the same appear on ALL copies of the software, database and documentation, including
modifications that you make for internal use or for distribution. WordNet 3.0 Copyright 2006 by Princeton
University. All rights reserved. THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO
REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED. BY WAY OF EXAMPLE, BUT NOT LIMITATION, PRINCETON UNIVERSITY
MAKES NO REPRESENTATIONS OR WARRANTIES OF MERCHANT- ABILITY OR FITNESS FOR ANY PARTICULAR PURPOSE OR THAT THE USE
OF THE LICENSED SOFTWARE, DATABASE OR DOCUMENTATION WILL NOT INFRINGE ANY THIRD PARTY PATENTS, COPYRIGHTS,
TRADEMARKS OR OTHER RIGHTS. The name of Princeton University or Princeton may not be used in advertising or
publicity pertaining to distribution of the software and/or database. Title to copyright in this software,
database and any associated documentation shall at all times remain with Princeton University and LICENSEE agrees
to preserve same.
`;
