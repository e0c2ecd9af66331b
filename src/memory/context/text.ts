/**
 * @module memory/context/text
 * Text analysis shared by the scorer, the duplicate detector and the compressor: index terms (lower-cased,
 * stop words removed, Porter-stemmed), sentences, and hashed word shingles with their Jaccard similarity.
 */
import { stem } from './stem.ts';
import { fnv1a } from '../../core/hash.ts';

// A compact English stop-word list (function words, auxiliaries, pronouns, chat fillers).
const STOP = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by can ' +
    'could did do does doing down during each few for from further had has have having he her here hers herself him himself his ' +
    'how i if in into is it its itself just let me more most my myself no nor not now of off on once only or other our ours ' +
    'ourselves out over own same she should so some such than that the their theirs them themselves then there these they this ' +
    'those through to too under until up very was we were what when where which while who whom why will with would you your ' +
    'yours yourself yourselves also ok okay yes yeah hi hello thanks thank please sure got get gets getting s t d ll m re ve ' +
    "don't didn't doesn't isn't aren't wasn't weren't won't wouldn't can't couldn't shouldn't i'm i've i'll i'd you're you've " +
    "we're we've we'll it's that's there's let's he's she's they're they've"
  ).split(/\s+/),
);

/** True for a stop word (lower case). */
export function isStopword(w: string): boolean {
  return STOP.has(w);
}

const WORD = /[\p{L}\p{M}]+(?:['’][\p{L}]+)*|\p{N}+(?:[.,:]\p{N}+)*/gu;

/** Lower-cased words and numbers of `text` in order (numbers keep inner `.,:`; commas dropped: 42,000 → 42000). */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(WORD)) {
    let w = m[0].replace(/’/g, "'");
    if (/^\p{N}/u.test(w)) w = w.replace(/,/g, '');
    else if (w.endsWith("'s")) w = w.slice(0, -2);
    out.push(w);
  }
  return out;
}

/** Index terms of `text`: words without stop words, stemmed. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) if (!STOP.has(w)) out.push(stem(w));
  return out;
}

const SENTENCE_END = /(?<=[.!?…]["')\]]*)\s+(?=["'([]?[\p{Lu}\p{N}])|\n+/u;

/** Sentences of `text` (split after . ! ? … before a capital or digit, and at line breaks), trimmed, non-empty. */
export function sentences(text: string): string[] {
  return text
    .split(SENTENCE_END)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Sorted unique hashes of the word 3-grams of `text` (of its words when it has fewer than 3). */
export function shingles(text: string): Uint32Array {
  const ws = words(text);
  const hs: number[] = [];
  if (ws.length < 3) for (const w of ws) hs.push(fnv1a(w));
  else for (let i = 0; i + 2 < ws.length; i++) hs.push(fnv1a(`${ws[i]} ${ws[i + 1]} ${ws[i + 2]}`));
  const out = Uint32Array.from(new Set(hs));
  return out.sort();
}

/** Jaccard similarity |A ∩ B| / |A ∪ B| of two sorted unique hash sets (0 when both are empty). */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 0;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      inter++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return inter / (a.length + b.length - inter);
}
