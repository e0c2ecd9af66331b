/**
 * @module memory/context/compress
 * Extractive compression (DESIGN §4.4): a long turn is pruned to the sentences most relevant to the query (in
 * their original order, gaps marked with …) so that it fits a token limit; and the turns left out of the window
 * are summarised by their best sentences, in chronological order, as one system message under a token limit.
 * Every size is measured exactly with the caller's `measure` (the rendered message's tokens).
 */
import { textImportance } from './importance.ts';
import { sentences, terms, words } from './text.ts';

/** The query as the compressor sees it: each query term's IDF over the session. */
export type QueryWeights = ReadonlyMap<string, number>;

/** Relevance of a sentence in [0, 1]: 0.6 × query-term coverage (IDF-weighted) + 0.4 × its importance prior. */
export function sentenceScore(sentence: string, query: QueryWeights): number {
  const imp = textImportance(sentence).score;
  let total = 0;
  for (const w of query.values()) total += w;
  if (total === 0) return imp;
  const seen = new Set(terms(sentence));
  let hit = 0;
  for (const [q, w] of query) if (seen.has(q)) hit += w;
  return 0.6 * (hit / total) + 0.4 * imp;
}

function joinKept(ss: readonly string[], kept: readonly number[]): string {
  const k = [...kept].sort((a, b) => a - b);
  let out = k[0] === 0 ? '' : '… ';
  k.forEach((i, n) => {
    if (n > 0) out += i === k[n - 1]! + 1 ? ' ' : ' … ';
    out += ss[i];
  });
  if (k.at(-1) !== ss.length - 1) out += ' …';
  return out;
}

/** The first `n` words of `text` followed by an ellipsis. */
function firstWords(text: string, n: number): string {
  const re = /\S+/g;
  let end = 0;
  for (let i = 0; i < n; i++) {
    const m = re.exec(text);
    if (m === null) return text;
    end = m.index + m[0].length;
  }
  return `${text.slice(0, end)} …`;
}

/**
 * `text` pruned so that `measure(pruned) ≤ maxTokens`: its best sentences (relevance, then the first sentence as
 * a tie-breaker) in original order; when not even one sentence fits, the best sentence cut to a word prefix.
 * Undefined when nothing fits at all.
 */
export function pruneText(text: string, query: QueryWeights, maxTokens: number, measure: (text: string) => number): string | undefined {
  if (measure(text) <= maxTokens) return text;
  const ss = sentences(text);
  const base = measure('');
  const cost = ss.map((s) => measure(s) - base + 2);
  const order = ss.map((s, i) => ({ i, s: sentenceScore(s, query) + (i === 0 ? 0.05 : 0) })).sort((a, b) => b.s - a.s || a.i - b.i);
  const kept: number[] = [];
  let est = base;
  for (const { i } of order) {
    if (est + cost[i]! <= maxTokens) {
      kept.push(i);
      est += cost[i]!;
    }
  }
  // Estimates add per-sentence counts; the exact count of the joined text decides (drop the weakest until it fits).
  while (kept.length > 0) {
    const t = joinKept(ss, kept);
    if (measure(t) <= maxTokens) return t;
    kept.pop();
  }
  const best = ss[order[0]?.i ?? 0] ?? text;
  let lo = 0;
  let hi = words(best).length;
  let fit: string | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = mid === 0 ? '…' : firstWords(best, mid);
    if (measure(t) <= maxTokens) {
      fit = t;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return fit;
}

/** A turn left out of the window, as the summary sees it. */
export interface SummarySource {
  seq: number;
  /** Who spoke: the turn's name, else its role. */
  speaker: string;
  text: string;
  /** The turn's score in [0, 1]. */
  score: number;
}

/** The summary message's text. */
export interface Summary {
  content: string;
  /** Seqs whose sentences it quotes. */
  seqs: number[];
}

export const SUMMARY_HEADER = 'Summary of earlier turns not included in full (extractive, oldest first):';
const MAX_SENTENCE_WORDS = 40;

/**
 * An extractive summary of `sources` with `measure(content) ≤ maxTokens`: sentences ranked by ½ turn score + ½
 * sentence relevance, the best that fit, listed oldest first as `- [#seq speaker] sentence`. Undefined when not
 * even one line fits.
 */
export function summarize(sources: readonly SummarySource[], query: QueryWeights, maxTokens: number, measure: (content: string) => number): Summary | undefined {
  const header = measure(SUMMARY_HEADER);
  if (header >= maxTokens) return undefined;
  const lines: { seq: number; idx: number; line: string; rank: number; cost: number }[] = [];
  for (const src of sources) {
    sentences(src.text).forEach((s, idx) => {
      if (words(s).length < 3) return;
      const short = words(s).length > MAX_SENTENCE_WORDS ? firstWords(s, MAX_SENTENCE_WORDS) : s;
      const line = `- [#${src.seq} ${src.speaker}] ${short}`;
      lines.push({ seq: src.seq, idx, line, rank: 0.5 * src.score + 0.5 * sentenceScore(s, query), cost: measure(`${SUMMARY_HEADER}\n${line}`) - header });
    });
  }
  lines.sort((a, b) => b.rank - a.rank || b.seq - a.seq || a.idx - b.idx);
  const kept: typeof lines = [];
  let est = header;
  for (const l of lines) {
    if (est + l.cost <= maxTokens) {
      kept.push(l);
      est += l.cost;
    }
  }
  while (kept.length > 0) {
    const chrono = [...kept].sort((a, b) => a.seq - b.seq || a.idx - b.idx);
    const content = [SUMMARY_HEADER, ...chrono.map((l) => l.line)].join('\n');
    if (measure(content) <= maxTokens) return { content, seqs: [...new Set(chrono.map((l) => l.seq))] };
    kept.pop();
  }
  return undefined;
}
