/**
 * @module memory/context/stem
 * The Porter (1980) stemmer for English, so "booked", "booking" and "books" meet at "book" in the lexical index.
 * Stems are memoised (a conversation reuses a small vocabulary).
 */
import { Lru } from '../../models/lru.ts';

const c = '[^aeiou]';
const v = '[aeiouy]';
const C = `${c}[^aeiouy]*`;
const V = `${v}[aeiou]*`;
const MGR0 = new RegExp(`^(${C})?${V}${C}`); // measure > 0
const MEQ1 = new RegExp(`^(${C})?${V}${C}(${V})?$`); // measure = 1
const MGR1 = new RegExp(`^(${C})?${V}${C}${V}${C}`); // measure > 1
const S_V = new RegExp(`^(${C})?${v}`); // the stem holds a vowel
const CVC = new RegExp(`^${C}${v}[^aeiouwxy]$`);
const DOUBLE = /([^aeiouylsz])\1$/;

const STEP2: Record<string, string> = {
  ational: 'ate', tional: 'tion', enci: 'ence', anci: 'ance', izer: 'ize', bli: 'ble', alli: 'al', entli: 'ent', eli: 'e', ousli: 'ous',
  ization: 'ize', ation: 'ate', ator: 'ate', alism: 'al', iveness: 'ive', fulness: 'ful', ousness: 'ous', aliti: 'al', iviti: 'ive',
  biliti: 'ble', logi: 'log',
};
const STEP3: Record<string, string> = { icate: 'ic', ative: '', alize: 'al', iciti: 'ic', ical: 'ic', ful: '', ness: '' };
const RE2 = /^(.+?)(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|alism|iveness|fulness|ousness|aliti|iviti|biliti|logi)$/;
const RE3 = /^(.+?)(icate|ative|alize|iciti|ical|ful|ness)$/;
const RE4 = /^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$/;
const RE4B = /^(.+?)(s|t)(ion)$/;

function porter(word: string): string {
  if (word.length < 3) return word;
  let w = word;
  const firstY = w[0] === 'y';
  if (firstY) w = `Y${w.slice(1)}`;
  // Step 1a: plurals.
  let m = /^(.+?)(ss|i)es$/.exec(w) ?? /^(.+?)([^s])s$/.exec(w);
  if (m) w = m[1]! + m[2]!;
  // Step 1b: -eed, -ed, -ing.
  if ((m = /^(.+?)eed$/.exec(w))) {
    if (MGR0.test(m[1]!)) w = w.slice(0, -1);
  } else if ((m = /^(.+?)(ed|ing)$/.exec(w)) && S_V.test(m[1]!)) {
    w = m[1]!;
    if (/(at|bl|iz)$/.test(w)) w += 'e';
    else if (DOUBLE.test(w)) w = w.slice(0, -1);
    else if (CVC.test(w)) w += 'e';
  }
  // Step 1c: y → i after a vowel-bearing stem.
  if ((m = /^(.+?)y$/.exec(w)) && S_V.test(m[1]!)) w = `${m[1]!}i`;
  // Steps 2-4: derivational suffixes, each only when the stem keeps enough measure.
  if ((m = RE2.exec(w)) && MGR0.test(m[1]!)) w = m[1]! + STEP2[m[2]!]!;
  if ((m = RE3.exec(w)) && MGR0.test(m[1]!)) w = m[1]! + STEP3[m[2]!]!;
  if ((m = RE4.exec(w))) {
    if (MGR1.test(m[1]!)) w = m[1]!;
  } else if ((m = RE4B.exec(w)) && MGR1.test(m[1]! + m[2]!)) w = m[1]! + m[2]!;
  // Step 5: final -e and -ll.
  if ((m = /^(.+?)e$/.exec(w))) {
    const s = m[1]!;
    if (MGR1.test(s) || (MEQ1.test(s) && !CVC.test(s))) w = s;
  }
  if (/ll$/.test(w) && MGR1.test(w)) w = w.slice(0, -1);
  if (firstY) w = `y${w.slice(1)}`;
  return w;
}

const memo = new Lru<string, string>(50_000);

/** The Porter stem of a lower-case English word (other words pass through unchanged). */
export function stem(word: string): string {
  if (word.length < 3 || !/^[a-z]+$/.test(word)) return word;
  let s = memo.get(word);
  if (s === undefined) {
    s = porter(word);
    memo.set(word, s);
  }
  return s;
}
