/**
 * @module memory/context/importance
 * A prior in [0, 1] for how much a turn is worth keeping whatever the query: turns that carry facts (numbers,
 * dates and times, money, emails and URLs, names), decisions and stated preferences, and tool results, score
 * higher than small talk. Each feature found adds its weight by noisy-or (1 − Π(1 − w)), so the prior saturates
 * instead of growing with length. A client's own `importance` on the turn wins; pinned turns are 1.
 */

/** One feature: a name, a weight in [0, 1] and the pattern that finds it. */
interface Feature {
  name: string;
  weight: number;
  re: RegExp;
}

const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const DAYS = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tomorrow|yesterday|tonight|next week|last week';

/** The features, in the order they are reported. */
export const IMPORTANCE_FEATURES: readonly Feature[] = [
  { name: 'number', weight: 0.15, re: /\d/ },
  {
    name: 'date_time',
    weight: 0.2,
    re: new RegExp(`\\b(?:\\d{4}-\\d{2}-\\d{2}|\\d{1,2}[:.]\\d{2}\\s*(?:am|pm)?|\\d{1,2}\\s*(?:am|pm)|\\d{1,2}/\\d{1,2}(?:/\\d{2,4})?|(?:${MONTHS})\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?(?:${MONTHS})|${DAYS})\\b`, 'i'),
  },
  { name: 'money', weight: 0.25, re: /[$€£¥]\s?\d|\b\d[\d,.]*\s?(?:k|m|bn)?\s?(?:usd|eur|gbp|dollars?|euros?|pounds|bucks)\b/i },
  { name: 'contact', weight: 0.2, re: /\b[\w.+-]+@[\w-]+\.[\w.-]+\b|\bhttps?:\/\/\S+|\+?\d[\d ()-]{7,}\d/i },
  // A capitalised word that does not start a sentence (a crude named-entity detector).
  { name: 'entity', weight: 0.15, re: /(?<=[\p{Ll},;:] )\p{Lu}[\p{Ll}\p{Lu}]+(?:\s\p{Lu}[\p{Ll}]+)*/u },
  {
    name: 'decision',
    weight: 0.4,
    re: /\b(?:we|i)(?:'ve| have)? (?:decided|agreed|settled|chose|picked|went with|are going with|will go with)\b|\blet'?s go with\b|\b(?:final|our) decision\b|\bdecision is\b|\bconfirmed\b|\bchange of plans?\b|\b(?:switch|switched|changed) (?:it |that )?to\b/i,
  },
  {
    name: 'preference',
    weight: 0.4,
    re: /\bi (?:really |strongly )?(?:prefer|like|love|hate|dislike|want|need|can't stand|cannot stand)\b|\bi (?:don't|do not) (?:like|want|eat|drink)\b|\bmy favou?rite\b|\b(?:always|never)\b|\ballergic\b|\bplease (?:always|never|don't)\b/i,
  },
];

/** The prior of a text and the features found in it. */
export function textImportance(text: string): { score: number; features: string[] } {
  let keep = 1;
  const features: string[] = [];
  for (const f of IMPORTANCE_FEATURES) {
    if (f.re.test(text)) {
      keep *= 1 - f.weight;
      features.push(f.name);
    }
  }
  return { score: 1 - keep, features };
}

/** Weight of a turn that carries a tool result. */
export const TOOL_RESULT_WEIGHT = 0.3;

/** The prior of a turn: the client's `importance` when set, 1 when pinned, else the text features (+ tool result). */
export function turnImportance(text: string, turn: { importance: number | null; pinned: boolean; hasToolResult: boolean }): { score: number; features: string[] } {
  if (turn.pinned) return { score: 1, features: ['pinned'] };
  if (turn.importance !== null) return { score: turn.importance, features: ['client'] };
  const t = textImportance(text);
  if (!turn.hasToolResult) return t;
  return { score: 1 - (1 - t.score) * (1 - TOOL_RESULT_WEIGHT), features: [...t.features, 'tool_result'] };
}
