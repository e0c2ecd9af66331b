/**
 * @module training/lib/wordnet
 * A reader of the WordNet 3.0 database files (Princeton; Debian package `wordnet-base`, /usr/share/wordnet), for
 * offline training only (training/tasks/static-retrofit.ts): synsets with their lemmas and pointers
 * (data.noun/verb/adj/adv), each lemma's senses in WordNet's frequency order with its SemCor tag count
 * (index.*), and base forms of inflected words (morphy: the exception lists *.exc, then the detachment rules).
 * Format: wndb(5WN). Lemmas are lower-cased, `_` becomes a space, and the adjective markers `(a)`, `(p)`, `(ip)`
 * are dropped. The service never reads WordNet (tests must not need it installed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Part of speech of a data/index file (adjective satellites `s` are read as `a`). */
export type Pos = 'n' | 'v' | 'a' | 'r';
const FILES: Record<Pos, string> = { n: 'noun', v: 'verb', a: 'adj', r: 'adv' };

/** One pointer of a synset: `symbol` (`@` hypernym, `~` hyponym, `+` derivation, `&` similar, `!` antonym …). */
export interface Pointer {
  symbol: string;
  /** Key of the target synset (`<pos><offset>`). */
  target: string;
  /** 0 for a semantic pointer (synset to synset), else the 1-based lemma numbers of a lexical one. */
  sourceWord: number;
  targetWord: number;
}

/** A synset: its key (`<pos><offset>`), lemmas in file order, and pointers. */
export interface Synset {
  key: string;
  pos: Pos;
  lemmas: string[];
  pointers: Pointer[];
}

/** The parts of WordNet the retrofitting reads. */
export interface WordNet {
  synsets: Map<string, Synset>;
  /** Per lemma, its synset keys in sense order (most frequent sense first), all parts of speech. */
  senses: Map<string, string[]>;
  /** Per lemma, the sum of its SemCor tag counts over the parts of speech (0: never tagged). */
  tagCount: Map<string, number>;
  /** SemCor tag count of one sense, keyed `<lemma> <synset key>` (cntlist.rev; absent: never tagged). */
  senseCount: Map<string, number>;
  /** Base forms of `word` that are lemmas of WordNet (the word itself first when it is one). */
  morphy(word: string): string[];
}

/** The default WordNet directory (env `WORDNET_DIR` overrides). */
export function wordnetDir(): string {
  return process.env.WORDNET_DIR ?? '/usr/share/wordnet';
}

const lemmaOf = (raw: string) => raw.replace(/\((a|p|ip)\)$/, '').replace(/_/g, ' ').toLowerCase();

function parseData(text: string, pos: Pos, into: Map<string, Synset>): void {
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('  ')) continue; // the license header lines start with two spaces
    const f = line.split(' | ')[0]!.trim().split(/\s+/);
    const key = `${pos}${f[0]}`;
    const wordCount = parseInt(f[3]!, 16);
    const lemmas: string[] = [];
    for (let i = 0; i < wordCount; i++) lemmas.push(lemmaOf(f[4 + i * 2]!));
    let at = 4 + wordCount * 2;
    const pointerCount = Number(f[at++]);
    const pointers: Pointer[] = [];
    for (let i = 0; i < pointerCount; i++, at += 4) {
      const tpos = (f[at + 2] === 's' ? 'a' : f[at + 2]) as Pos;
      const st = f[at + 3]!;
      pointers.push({ symbol: f[at]!, target: `${tpos}${f[at + 1]}`, sourceWord: parseInt(st.slice(0, 2), 16), targetWord: parseInt(st.slice(2), 16) });
    }
    into.set(key, { key, pos, lemmas, pointers });
  }
}

/** Adds a part of speech's index to `senses` and `tagCount`; returns its lemmas and their synsets in sense order. */
function parseIndex(text: string, pos: Pos, senses: Map<string, string[]>, tagCount: Map<string, number>): Map<string, string[]> {
  const lemmas = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('  ')) continue;
    const f = line.trim().split(/\s+/);
    const lemma = lemmaOf(f[0]!);
    const synsetCount = Number(f[2]);
    const pointerCount = Number(f[3]);
    const tagged = Number(f[5 + pointerCount]);
    const offsets = f.slice(6 + pointerCount, 6 + pointerCount + synsetCount).map((o) => `${pos}${o}`);
    senses.set(lemma, [...(senses.get(lemma) ?? []), ...offsets]);
    tagCount.set(lemma, (tagCount.get(lemma) ?? 0) + tagged);
    lemmas.set(lemma, offsets);
  }
  return lemmas;
}

/** WordNet's detachment rules (morph.c), by part of speech: suffix → replacement. */
const RULES: Record<Pos, [string, string][]> = {
  n: [['s', ''], ['ses', 's'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y']],
  v: [['s', ''], ['ies', 'y'], ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', '']],
  a: [['er', ''], ['est', ''], ['er', 'e'], ['est', 'e']],
  r: [],
};

/** Reads WordNet from `dir`; throws when the files are not there. */
export function loadWordNet(dir = wordnetDir()): WordNet {
  if (!existsSync(join(dir, 'data.noun'))) throw new Error(`WordNet 3.0 not found at ${dir} (Debian: apt-get install wordnet-base; or set WORDNET_DIR)`);
  const synsets = new Map<string, Synset>();
  const senses = new Map<string, string[]>();
  const tagCount = new Map<string, number>();
  const exceptions = new Map<string, string[]>();
  const lemmasByPos = {} as Record<Pos, Map<string, string[]>>;
  for (const pos of Object.keys(FILES) as Pos[]) {
    parseData(readFileSync(join(dir, `data.${FILES[pos]}`), 'utf8'), pos, synsets);
    lemmasByPos[pos] = parseIndex(readFileSync(join(dir, `index.${FILES[pos]}`), 'utf8'), pos, senses, tagCount);
    for (const line of readFileSync(join(dir, `${FILES[pos]}.exc`), 'utf8').split('\n')) {
      const [form, ...bases] = line.trim().split(/\s+/);
      if (form === undefined || form === '' || bases.length === 0) continue;
      const k = lemmaOf(form);
      exceptions.set(k, [...(exceptions.get(k) ?? []), ...bases.map(lemmaOf)]);
    }
  }
  // cntlist.rev: `<lemma>%<ss_type>:… <sense number> <tag count>`; ss_type 1 n, 2 v, 3 a, 4 r, 5 a (satellite).
  const senseCount = new Map<string, number>();
  const ssPos: Record<string, Pos> = { '1': 'n', '2': 'v', '3': 'a', '4': 'r', '5': 'a' };
  for (const line of readFileSync(join(dir, 'cntlist.rev'), 'utf8').split('\n')) {
    const [key, number, count] = line.trim().split(' ');
    if (key === undefined || count === undefined) continue;
    const lemma = lemmaOf(key.slice(0, key.indexOf('%')));
    const synset = lemmasByPos[ssPos[key[key.indexOf('%') + 1]!]!]?.get(lemma)?.[Number(number) - 1];
    if (synset !== undefined) senseCount.set(`${lemma} ${synset}`, (senseCount.get(`${lemma} ${synset}`) ?? 0) + Number(count));
  }
  const morphy = (word: string): string[] => {
    const w = word.toLowerCase();
    const out = new Set<string>();
    if (senses.has(w)) out.add(w);
    for (const b of exceptions.get(w) ?? []) if (senses.has(b)) out.add(b);
    for (const pos of Object.keys(RULES) as Pos[]) {
      for (const [suffix, repl] of RULES[pos]) {
        if (w.length > suffix.length + 1 && w.endsWith(suffix)) {
          const base = w.slice(0, w.length - suffix.length) + repl;
          if (lemmasByPos[pos].has(base)) out.add(base);
        }
      }
    }
    return [...out];
  };
  return { synsets, senses, tagCount, senseCount, morphy };
}
