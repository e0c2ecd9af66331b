/**
 * @module memory/evaluate/features
 * Session features for the quality model: one fixed-length vector per session (names in {@link FEATURE_NAMES};
 * the model card stores them so a stale artifact is refused) plus the per-turn signals that become each score's
 * evidence. Embedding-free: word 3-gram shingles and stemmed index terms from the context engine's text analysis,
 * the AFINN-111 lexicon and cue patterns (./lexicon.ts). Cost is linear in turns plus a pairwise pass over user
 * turns (a 200-turn session: ~5k set comparisons).
 */
import type { Turn } from '../../core/types.ts';
import { stem } from '../context/stem.ts';
import { isStopword, jaccard, words } from '../context/text.ts';
import { CUES, valence } from './lexicon.ts';
import { fnv1a } from '../../core/hash.ts';

/** Feature names, in vector order. */
export const FEATURE_NAMES = [
  'rep_max_shingle',
  'rep_max_terms',
  'rep_pairs',
  'rep_frac_turns',
  'rep_markers',
  'rep_novel',
  'rep_pair_positive_lead',
  'frus_min_sent',
  'frus_mean_sent',
  'frus_neg_words',
  'frus_excl',
  'frus_qq',
  'frus_caps',
  'frus_cue',
  'frus_escalation',
  'frus_mixed',
  'frus_failure',
  'frus_short_neg',
  'frus_you_neg',
  'frus_max_turn',
  'res_last_grat',
  'res_last_success',
  'res_last_closure',
  'res_last_unres',
  'res_last_fail',
  'res_last_question',
  'res_last_sent',
  'res_last_is_user',
  'res_asst_concrete',
  'res_last_asst_concrete',
  'res_asst_hedge',
  'res_tool_ok',
  'res_tool_err',
  'res_success_any',
  'trend_slope',
  'trend_delta',
  'len_log',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
const IDX = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<FeatureName, number>;

/** What one user turn shows. */
interface UserSignals {
  seq: number;
  text: string;
  terms: Set<string>;
  shingles: Uint32Array;
  sentiment: number;
  neg: number;
  pos: number;
  /** The most negative word valence (AFINN, −5..0). */
  minValence: number;
  excl: number;
  qq: number;
  capsRatio: number;
  nWords: number;
  frustrationCue: boolean;
  /** Negativity aimed at the assistant ("you", "your") without thanks. */
  youNeg: boolean;
  /** A request or question (repeats are counted among these only, not among status reports). */
  ask: boolean;
  /** The terms in `terms` order with their weights, and the weights' sum (filled when the session is scored). */
  termList: string[];
  termWeights: Float64Array;
  termTotal: number;
  escalation: boolean;
  repeatMarker: boolean;
  failure: boolean;
  gratitude: boolean;
  success: boolean;
  closure: boolean;
  unresolved: boolean;
  question: boolean;
}

/** Features of a session and the turns behind them. */
export interface SessionFeatures {
  /** The vector, in {@link FEATURE_NAMES} order. */
  x: Float64Array;
  /** Seqs behind each dimension, strongest first (at most 12 each). */
  evidence: { resolution: number[]; repetition: number[]; frustration: number[]; sentiment_trend: number[] };
  /** Per-user-turn sentiment −1..1 in order (with seqs), for the trend. */
  sentiment: { seq: number; value: number }[];
}

const text = (t: Turn): string =>
  t.parts
    .map((p) => (p.type === 'text' ? p.text : ''))
    .join('\n')
    .trim();

const EXCL = /!/g;
const QQ = /\?{2,}|\?!|!\?/g;
const CAPS_WORD = /\b[A-Z]{3,}\b/g;

const NEGATED_SUCCESS = /\b(nothing|not|never|no)\b[^.!?]{0,30}\b(works?|worked|fixed|solved|helps?|helped)\b|\b\w+n'?t\s+(work|fix|solve|help)/i;
const ASK = /\?|\b(how|what|where|why|which|can you|could you|would you|help me|i need|i want|is there|is it possible|tell me|explain)\b/i;
const YOU = /\b(you|your|you're|yours)\b/i;

/** Index terms and word-3-gram shingles from the words once (the same values as text.ts `terms` and `shingles`). */
function termsAndShingles(ws: readonly string[]): { terms: Set<string>; shingles: Uint32Array } {
  const terms = new Set<string>();
  for (const w of ws) if (!isStopword(w)) terms.add(stem(w));
  const hs: number[] = [];
  if (ws.length < 3) for (const w of ws) hs.push(fnv1a(w));
  else for (let i = 0; i + 2 < ws.length; i++) hs.push(fnv1a(`${ws[i]} ${ws[i + 1]} ${ws[i + 2]}`));
  return { terms, shingles: Uint32Array.from(new Set(hs)).sort() };
}

function userSignals(seq: number, s: string): UserSignals {
  const ws = words(s);
  const ts = termsAndShingles(ws);
  const v = valence(ws);
  const failure = CUES.failure.test(s) || NEGATED_SUCCESS.test(s);
  const success = CUES.success.test(s) && !failure;
  const gratitude = CUES.gratitude.test(s);
  const sentiment = Math.tanh(v.sum / 4);
  const letters = s.match(/\b[A-Za-z]{3,}\b/g)?.length ?? 0;
  return {
    seq,
    text: s,
    terms: ts.terms,
    shingles: ts.shingles,
    sentiment,
    neg: v.neg,
    pos: v.pos,
    minValence: v.min,
    // Exclamation marks in a thankful or upbeat turn are enthusiasm, not anger.
    excl: gratitude || sentiment > 0.2 ? 0 : (s.match(EXCL)?.length ?? 0),
    qq: s.match(QQ)?.length ?? 0,
    capsRatio: letters === 0 ? 0 : (s.match(CAPS_WORD)?.length ?? 0) / letters,
    nWords: ws.length,
    frustrationCue: CUES.frustration.test(s),
    youNeg: YOU.test(s) && !gratitude && (v.neg > 0 || failure || v.sum < 0),
    ask: ASK.test(s),
    escalation: CUES.escalation.test(s),
    repeatMarker: CUES.repeatMarker.test(s),
    failure,
    gratitude,
    // "does not work" matches both: success only counts without a failure cue in the same turn.
    success,
    closure: CUES.closure.test(s),
    unresolved: CUES.unresolvedClose.test(s),
    question: s.includes('?'),
    termList: [],
    termWeights: new Float64Array(0),
    termTotal: 0,
  };
}

/** Fill a turn's term weights once, so the pairwise pass does no table lookups. */
function weighTerms(u: UserSignals, w: TermWeights | undefined): void {
  u.termList = [...u.terms];
  u.termWeights = Float64Array.from(u.termList, (t) => (w === undefined ? 1 : (w.idf.get(t) ?? w.fallback)));
  u.termTotal = u.termWeights.reduce((a, b) => a + b, 0);
}

/** IDF-weighted Jaccard of two turns' term sets: Σ w(A ∩ B) / Σ w(A ∪ B). */
function weightedJaccard(a: UserSignals, b: UserSignals): number {
  if (a.termTotal === 0 || b.termTotal === 0) return 0;
  const [small, big] = a.termList.length <= b.termList.length ? [a, b] : [b, a];
  let inter = 0;
  for (let i = 0; i < small.termList.length; i++) if (big.terms.has(small.termList[i]!)) inter += small.termWeights[i]!;
  const uni = a.termTotal + b.termTotal - inter;
  return uni > 0 ? inter / uni : 0;
}

/** Inverse document frequency of index terms (from a background corpus); unknown terms weigh `fallback`. */
export interface TermWeights {
  idf: ReadonlyMap<string, number>;
  fallback: number;
}

/**
 * An ask is compared with the user's previous 150 turns only: repeats come back within a conversation's span, and
 * the pairwise pass stays linear on very long sessions (2,000 turns: ~100k pairs instead of ~280k). Sessions of up to
 * ~300 turns are compared in full.
 */
const REPEAT_WINDOW = 150;

const top = (scored: [number, number][], k = 12): number[] =>
  scored
    .filter(([, w]) => w > 0)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, k)
    .map(([seq]) => seq);

/** What a session's turns say, by role: the user's signals, the assistant's cues, the tool results' outcomes. */
interface SessionSignals {
  users: UserSignals[];
  asst: { seq: number; concrete: boolean; hedge: boolean }[];
  toolOk: number;
  toolErr: number;
  lastToolOkSeq: number;
}

function collectSignals(turns: readonly Turn[], weights: TermWeights | undefined): SessionSignals {
  const users: UserSignals[] = [];
  const asst: { seq: number; concrete: boolean; hedge: boolean }[] = [];
  let toolOk = 0;
  let toolErr = 0;
  let lastToolOkSeq = -1;
  for (const t of turns) {
    if (t.role === 'user') {
      const s = text(t);
      if (s.length > 0) {
        const u = userSignals(t.seq, s);
        weighTerms(u, weights);
        users.push(u);
      }
    } else if (t.role === 'assistant') {
      const s = text(t);
      if (s.length > 0) asst.push({ seq: t.seq, concrete: CUES.concrete.test(s), hedge: CUES.hedge.test(s) });
    }
    for (const p of t.parts) {
      if (p.type !== 'tool_result') continue;
      if (p.is_error === true) toolErr++;
      else {
        toolOk++;
        lastToolOkSeq = t.seq;
      }
    }
  }
  return { users, asst, toolOk, toolErr, lastToolOkSeq };
}

/** Repetition features into `x`; returns their evidence seqs. */
function repetitionFeatures(users: readonly UserSignals[], x: Float64Array): number[] {
  const nU = users.length;
  // Repetition: the user asking the same thing again (near-verbatim or rephrased).
  let maxSh = 0;
  let maxTe = 0;
  let best: [number, number] = [-1, -1];
  let pairs = 0;
  const repeated = new Uint8Array(nU);
  const repWeight = new Map<number, number>();
  for (let j = 1; j < nU; j++) {
    const b = users[j]!;
    if (b.terms.size < 2 || !b.ask) continue;
    for (let i = Math.max(0, j - REPEAT_WINDOW); i < j; i++) {
      const a = users[i]!;
      if (a.terms.size < 2 || !a.ask) continue;
      const sh = jaccard(a.shingles, b.shingles);
      const te = weightedJaccard(a, b);
      if (sh > maxSh) maxSh = sh;
      if (te > maxTe) {
        maxTe = te;
        best = [i, j];
      }
      if (te >= 0.5 || sh >= 0.5) pairs++;
      if (te >= 0.34 || sh >= 0.5) {
        repeated[j] = 1;
        const w = Math.max(te, sh);
        repWeight.set(a.seq, Math.max(repWeight.get(a.seq) ?? 0, w));
        repWeight.set(b.seq, Math.max(repWeight.get(b.seq) ?? 0, w));
      }
    }
  }
  let markers = 0;
  for (const u of users) {
    // A marker counts on an ask only ("again: how do I…"), not on a status report ("it crashed again").
    if (u.repeatMarker && u.ask) {
      markers++;
      repWeight.set(u.seq, Math.max(repWeight.get(u.seq) ?? 0, 0.5));
    }
  }
  x[IDX.rep_max_shingle] = maxSh;
  x[IDX.rep_max_terms] = maxTe;
  x[IDX.rep_pairs] = Math.min(1, pairs / Math.max(1, nU - 1));
  x[IDX.rep_frac_turns] = nU > 1 ? repeated.reduce((a, b) => a + b, 0) / (nU - 1) : 0;
  x[IDX.rep_markers] = Math.min(1, markers / 2);
  if (best[0] >= 0) {
    const a = users[best[0]]!;
    const b = users[best[1]]!;
    // Weight of the later ask's terms that the earlier one lacks (a new question brings its own verb or object).
    let shared = 0;
    for (let i = 0; i < b.termList.length; i++) if (a.terms.has(b.termList[i]!)) shared += b.termWeights[i]!;
    x[IDX.rep_novel] = b.termTotal > 0 ? 1 - shared / b.termTotal : 0;
    x[IDX.rep_pair_positive_lead] = b.gratitude || b.sentiment > 0.2 ? 1 : 0;
  }
  return top([...repWeight]).sort((a, b) => a - b);

}

/** Frustration features into `x`; returns their evidence seqs. */
function frustrationFeatures(users: readonly UserSignals[], x: Float64Array): number[] {
  const nU = users.length;
  // Frustration: lexicon, punctuation, capitals, cues, escalation, mixed valence (sarcasm).
  let minS = 0;
  let sumS = 0;
  let negWords = 0;
  let excl = 0;
  let qq = 0;
  let caps = 0;
  let cue = 0;
  let esc = 0;
  let mixed = 0;
  let fail = 0;
  let shortNeg = 0;
  let youNeg = 0;
  const frWeight: [number, number][] = [];
  let maxW = 0;
  for (const u of users) {
    minS = Math.min(minS, u.sentiment);
    sumS += u.sentiment;
    negWords += u.neg;
    excl += u.excl;
    qq += u.qq;
    caps = Math.max(caps, u.capsRatio);
    if (u.frustrationCue) cue++;
    if (u.escalation) esc = 1;
    // Mixed valence (sarcasm: "great, just great" after a failure): praise next to a failure or a strongly negative word.
    const isMixed = u.pos > 0 && (u.failure || u.minValence <= -2) && !u.success;
    if (isMixed) mixed++;
    if (u.failure) fail++;
    const isShortNeg = u.nWords <= 4 && (u.sentiment < 0 || /^\s*(no|nope|nah)\b/i.test(u.text));
    if (isShortNeg) shortNeg++;
    if (u.youNeg) youNeg++;
    const w =
      Math.max(0, -u.sentiment) + Math.min(3, u.excl) * 0.3 + u.qq * 0.5 + u.capsRatio * 2 + (u.frustrationCue ? 1 : 0) + (u.escalation ? 1 : 0) + (isMixed ? 0.7 : 0) + (u.youNeg ? 0.7 : 0);
    frWeight.push([u.seq, w >= 0.6 ? w : 0]);
    if (w > maxW) maxW = w;
  }
  x[IDX.frus_min_sent] = minS;
  x[IDX.frus_mean_sent] = nU > 0 ? sumS / nU : 0;
  x[IDX.frus_neg_words] = nU > 0 ? Math.min(3, negWords / nU) : 0;
  x[IDX.frus_excl] = nU > 0 ? Math.min(3, excl / nU) : 0;
  x[IDX.frus_qq] = Math.min(3, qq);
  x[IDX.frus_caps] = caps;
  x[IDX.frus_cue] = Math.min(3, cue);
  x[IDX.frus_escalation] = esc;
  x[IDX.frus_mixed] = Math.min(3, mixed);
  x[IDX.frus_failure] = nU > 0 ? fail / nU : 0;
  x[IDX.frus_short_neg] = Math.min(3, shortNeg);
  x[IDX.frus_you_neg] = Math.min(3, youNeg);
  // The angriest single turn: the label is "frustrated at some point", so a peak matters more than an average.
  x[IDX.frus_max_turn] = Math.min(4, maxW);
  return top(frWeight).sort((a, b) => a - b);

}

/** Resolution features into `x`; returns their evidence seqs. */
function resolutionFeatures(turns: readonly Turn[], signals: SessionSignals, x: Float64Array): number[] {
  const { users, asst, toolOk, toolErr, lastToolOkSeq } = signals;
  // Resolution: how the user closes, what the assistant gave, how the tools went.
  const last = users.at(-1);
  const lastTurn = turns.at(-1);
  if (last !== undefined) {
    x[IDX.res_last_grat] = last.gratitude ? 1 : 0;
    x[IDX.res_last_success] = last.success ? 1 : 0;
    x[IDX.res_last_closure] = last.closure ? 1 : 0;
    x[IDX.res_last_unres] = last.unresolved ? 1 : 0;
    x[IDX.res_last_fail] = last.failure ? 1 : 0;
    x[IDX.res_last_question] = last.question ? 1 : 0;
    x[IDX.res_last_sent] = last.sentiment;
  }
  // The last word is the user's, or the assistant's after a user's thanks (a goodbye) — not an unanswered reply.
  x[IDX.res_last_is_user] = lastTurn === undefined ? 0 : lastTurn.role === 'user' || (last !== undefined && (last.gratitude || last.closure) && last.seq >= (turns.at(-2)?.seq ?? 0)) ? 1 : 0;
  const nA = asst.length;
  x[IDX.res_asst_concrete] = nA > 0 ? asst.filter((a) => a.concrete).length / nA : 0;
  const lastAsstBefore = last === undefined ? asst.at(-1) : asst.filter((a) => a.seq < last.seq).at(-1);
  x[IDX.res_last_asst_concrete] = lastAsstBefore?.concrete === true ? 1 : 0;
  x[IDX.res_asst_hedge] = nA > 0 ? asst.filter((a) => a.hedge).length / nA : 0;
  x[IDX.res_tool_ok] = toolOk + toolErr > 0 ? toolOk / (toolOk + toolErr) : 0.5;
  x[IDX.res_tool_err] = Math.min(3, toolErr);
  x[IDX.res_success_any] = users.some((u) => u.success) ? 1 : 0;
  const resEv: [number, number][] = [];
  for (const u of users) if (u.success || u.gratitude || u.closure) resEv.push([u.seq, (u.success ? 2 : 0) + (u.gratitude ? 1 : 0) + (u.closure ? 0.5 : 0) + u.seq * 1e-6]);
  if (lastAsstBefore?.concrete === true) resEv.push([lastAsstBefore.seq, 1.5]);
  if (lastToolOkSeq > 0) resEv.push([lastToolOkSeq, 0.5]);
  return top(resEv).sort((a, b) => a - b);

}

/** Sentiment-trend features into `x`; returns their evidence seqs. */
function trendFeatures(users: readonly UserSignals[], x: Float64Array): number[] {
  const nU = users.length;
  // Sentiment trend: least-squares slope of the user's sentiment over the session (position 0..1).
  if (nU >= 2) {
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < nU; i++) {
      const px = i / (nU - 1);
      const py = users[i]!.sentiment;
      sx += px;
      sy += py;
      sxx += px * px;
      sxy += px * py;
    }
    const den = nU * sxx - sx * sx;
    x[IDX.trend_slope] = den > 0 ? (nU * sxy - sx * sy) / den : 0;
    const third = Math.max(1, Math.floor(nU / 3));
    const mean = (us: UserSignals[]) => us.reduce((a, u) => a + u.sentiment, 0) / us.length;
    x[IDX.trend_delta] = mean(users.slice(-third)) - mean(users.slice(0, third));
    let lo = users[0]!;
    let hi = users[0]!;
    for (const u of users) {
      if (u.sentiment < lo.sentiment) lo = u;
      if (u.sentiment > hi.sentiment) hi = u;
    }
    return [...new Set([users[0]!.seq, lo.seq, hi.seq, users[nU - 1]!.seq])].sort((a, b) => a - b);
  }
  return [];
}

/** Compute the features of a session from its turns (chronological). */
export function sessionFeatures(turns: readonly Turn[], weights?: TermWeights): SessionFeatures {
  const x = new Float64Array(FEATURE_NAMES.length);
  const signals = collectSignals(turns, weights);
  const { users } = signals;
  const repetition = repetitionFeatures(users, x);
  const frustration = frustrationFeatures(users, x);
  const evidence = { resolution: resolutionFeatures(turns, signals, x), repetition, frustration, sentiment_trend: trendFeatures(users, x) };
  x[IDX.len_log] = Math.log1p(turns.length) / 5;
  return { x, evidence, sentiment: users.map((u) => ({ seq: u.seq, value: u.sentiment })) };
}
