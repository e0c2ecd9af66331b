/**
 * @module memory/context/compress
 * Extractive compression (DESIGN §4.4): a long turn is pruned to the sentences most relevant to the query (in
 * their original order, gaps marked with …) so that it fits a token limit; and the turns left out of the window
 * are summarised by their best sentences, in chronological order, as one system message under a token limit.
 * Sentence costs are estimated from per-sentence counts (cached by the engine); every result is then measured
 * exactly with the caller's `measure` (the rendered message's tokens) and trimmed until it fits.
 */
import { sentenceInfos, type SentenceInfo } from './analysis.ts';

/** The query as the compressor sees it: each query term's IDF over the session. */
export type QueryWeights = ReadonlyMap<string, number>;

/** Relevance of a sentence in [0, 1]: 0.6 × query-term coverage (IDF-weighted) + 0.4 × its importance prior. */
export function sentenceScore(s: Pick<SentenceInfo, 'terms' | 'importance'>, query: QueryWeights): number {
  let total = 0;
  for (const w of query.values()) total += w;
  if (total === 0) return s.importance;
  let hit = 0;
  for (const [q, w] of query) if (s.terms.has(q)) hit += w;
  return 0.6 * (hit / total) + 0.4 * s.importance;
}

function joinKept(ss: readonly SentenceInfo[], kept: readonly number[]): string {
  const k = [...kept].sort((a, b) => a - b);
  let out = k[0] === 0 ? '' : '… ';
  k.forEach((i, n) => {
    if (n > 0) out += i === k[n - 1]! + 1 ? ' ' : ' … ';
    out += ss[i]!.text;
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
 * A turn's text pruned so that `measure(pruned) ≤ maxTokens`: its best sentences (relevance, the first sentence
 * winning ties) in original order; when not even one sentence fits, the best sentence cut to a word prefix.
 * Undefined when nothing fits at all. `ss` are its sentences and `cost` their token counts.
 */
export function pruneSentences(ss: readonly SentenceInfo[], cost: readonly number[], query: QueryWeights, maxTokens: number, measure: (text: string) => number): string | undefined {
  const base = measure('');
  const order = ss.map((s, i) => ({ i, s: sentenceScore(s, query) + (i === 0 ? 0.05 : 0) })).sort((a, b) => b.s - a.s || a.i - b.i);
  const kept: number[] = [];
  let est = base;
  for (const { i } of order) {
    if (est + cost[i]! + 2 <= maxTokens) {
      kept.push(i);
      est += cost[i]! + 2;
    }
  }
  // Estimates add per-sentence counts; the exact count of the joined text decides (drop the weakest until it fits).
  while (kept.length > 0) {
    const t = joinKept(ss, kept);
    if (measure(t) <= maxTokens) return t;
    kept.pop();
  }
  const best = ss[order[0]?.i ?? 0]?.text ?? '';
  let lo = 0;
  let hi = ss[order[0]?.i ?? 0]?.words ?? 0;
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

/** {@link pruneSentences} for a plain text (sentences analysed and counted on the spot). */
export function pruneText(text: string, query: QueryWeights, maxTokens: number, measure: (text: string) => number): string | undefined {
  if (measure(text) <= maxTokens) return text;
  const ss = sentenceInfos(text);
  const base = measure('');
  return pruneSentences(ss, ss.map((s) => measure(s.text) - base), query, maxTokens, measure);
}

/** A turn left out of the window, as the summary sees it. */
export interface SummarySource {
  seq: number;
  /** Who spoke: the turn's name, else its role. */
  speaker: string;
  /** The turn's score in [0, 1]. */
  score: number;
  sentences: readonly SentenceInfo[];
  /** Token count of each sentence. */
  cost: readonly number[];
}

/** The summary message's text. */
export interface Summary {
  content: string;
  /** Seqs whose sentences it quotes. */
  seqs: number[];
  /** Its lines, oldest first, with the seq each quotes. */
  lines: { seq: number; line: string }[];
}

/** The summary without the lines quoting `drop`'s seqs (undefined when none is left). */
export function withoutSeqs(s: Summary, drop: (seq: number) => boolean): Summary | undefined {
  const lines = s.lines.filter((l) => !drop(l.seq));
  if (lines.length === 0) return undefined;
  return { content: [SUMMARY_HEADER, ...lines.map((l) => l.line)].join('\n'), seqs: [...new Set(lines.map((l) => l.seq))], lines };
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
  const base = measure('');
  for (const src of sources) {
    const prefix = `- [#${src.seq} ${src.speaker}] `;
    const prefixCost = measure(prefix) - base;
    src.sentences.forEach((s, idx) => {
      if (s.words < 3) return;
      const short = s.words > MAX_SENTENCE_WORDS;
      const line = prefix + (short ? firstWords(s.text, MAX_SENTENCE_WORDS) : s.text);
      const cost = prefixCost + (short ? Math.ceil((src.cost[idx]! * MAX_SENTENCE_WORDS) / s.words) + 1 : src.cost[idx]!) + 1;
      lines.push({ seq: src.seq, idx, line, rank: 0.5 * src.score + 0.5 * sentenceScore(s, query), cost });
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
    if (measure(content) <= maxTokens) return { content, seqs: [...new Set(chrono.map((l) => l.seq))], lines: chrono.map((l) => ({ seq: l.seq, line: l.line })) };
    kept.pop();
  }
  return undefined;
}
