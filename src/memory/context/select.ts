/**
 * @module memory/context/select
 * Selection under an exact token budget (DESIGN §4.3). Candidates are taken in priority order until the budget is
 * spent: turns answered by the request's messages (`required`), system turns, the latest K turns (newest first),
 * pinned turns, then the rest by score, each strong hit followed by its ±1 neighbours. A tool call and its
 * results are one unit (taken whole or not at all). Near-duplicates of a newer turn are skipped. A long turn may
 * be shrunk (sentence pruning, by the caller's `shrink`) to the per-turn cap, and a kept turn that does not fit
 * to what is left. Every candidate ends with a decision and a reason.
 */
import type { Role } from '../../core/types.ts';

/** Why a candidate was selected or dropped. */
export type Reason =
  | 'required'
  | 'system'
  | 'always_recent'
  | 'pinned'
  | 'score'
  | 'neighbor'
  | 'tool_pair'
  | 'recent'
  | 'fill'
  | 'over_budget'
  | `duplicate_of:${number}`;

/** What selection needs of a candidate (candidates are in chronological order). */
export interface SelectCandidate {
  seq: number;
  role: Role;
  /** Tokens of its rendered messages. */
  tokens: number;
  score: number;
  /** Index into `groups` of its tool call/result unit, or -1. */
  group: number;
  pinned: boolean;
  /** Its tool call is answered by the request's messages: it must be in the window. */
  required: boolean;
  /** Index of the newer near-duplicate it collapses into, or -1. */
  duplicateOf: number;
  /** Whether `shrink` may prune it (a single text message). */
  canShrink: boolean;
}

/** Selection options. */
export interface SelectOptions {
  strategy: 'relevance' | 'recency';
  /** The latest this many turns are always kept (newest first, trimmed by the budget). */
  recentTurns: number;
  /** A selected turn whose score is at least this fraction of the best score lifts its ±1 neighbours. */
  neighborThreshold: number;
  /** A lifted neighbour competes with priority `neighborWeight` × the hit's score (when above its own score). */
  neighborWeight: number;
  /** Longest a scored (not always-kept) turn may be; longer ones are pruned to it. */
  maxTurnTokens: number;
  /** Smallest budget worth shrinking a turn into. */
  minShrinkTokens: number;
}

/** Prune candidate `index` to at most `maxTokens`; returns its new token count, or undefined when it cannot. */
export type Shrink = (index: number, maxTokens: number) => number | undefined;

/** The outcome, per candidate. */
export interface Selection {
  selected: boolean[];
  reasons: Reason[];
  /** Final tokens of each selected candidate (after shrinking). */
  tokens: number[];
  shrunk: boolean[];
  /** Tokens used by selected candidates. */
  used: number;
  /** Candidates in the order they were considered after the always-kept ones (for {@link fillSelection}). */
  ranked: number[];
}

/** Select candidates under `budget` tokens. */
export function selectCandidates(
  cands: readonly SelectCandidate[],
  groups: readonly (readonly number[])[],
  budget: number,
  opts: SelectOptions,
  shrink: Shrink,
): Selection {
  const n = cands.length;
  const sel: Selection = {
    selected: new Array<boolean>(n).fill(false),
    reasons: new Array<Reason>(n).fill('over_budget'),
    tokens: cands.map((c) => c.tokens),
    shrunk: new Array<boolean>(n).fill(false),
    used: 0,
    ranked: [],
  };
  const take = (i: number, reason: Reason, allowShrink: boolean) => tryTake(cands, groups, sel, budget, i, reason, allowShrink ? shrink : undefined, opts);
  for (let i = 0; i < n; i++) if (cands[i]!.required) take(i, 'required', false);
  for (let i = 0; i < n; i++) if (cands[i]!.role === 'system') take(i, 'system', true);
  if (opts.strategy === 'recency') {
    for (let i = n - 1; i >= 0; i--) {
      if (sel.selected[i] || cands[i]!.role === 'system') continue;
      sel.ranked.push(i);
      if (!take(i, 'recent', false)) break;
    }
  } else {
    for (let i = n - 1, k = 0; i >= 0 && k < opts.recentTurns; i--) {
      if (cands[i]!.role === 'system') continue;
      k++;
      if (!sel.selected[i]) take(i, 'always_recent', true);
    }
    for (let i = n - 1; i >= 0; i--) if (cands[i]!.pinned && !sel.selected[i]) take(i, 'pinned', true);
    rankByScore(cands, sel, opts, shrink, take);
  }
  for (let i = 0; i < n; i++) {
    const d = cands[i]!.duplicateOf;
    if (!sel.selected[i] && d >= 0) sel.reasons[i] = `duplicate_of:${cands[d]!.seq}`;
  }
  return sel;
}

type Entry = { i: number; p: number };

/**
 * The scored pass: candidates in descending priority (a max-heap; ties to the newer turn). A priority is the
 * candidate's score, or — for a neighbour of a selected strong hit — `neighborWeight` × the hit's score when that
 * is higher, so neighbours compete for the budget like everything else instead of jumping the queue.
 */
function rankByScore(cands: readonly SelectCandidate[], sel: Selection, opts: SelectOptions, shrink: Shrink, take: (i: number, reason: Reason, allowShrink: boolean) => boolean): void {
  const n = cands.length;
  const eligible = (i: number) => !sel.selected[i] && cands[i]!.role !== 'system' && cands[i]!.duplicateOf < 0;
  const prio = cands.map((c) => c.score);
  const viaNeighbor = new Array<boolean>(n).fill(false);
  const before = (a: Entry, b: Entry) => a.p > b.p || (a.p === b.p && cands[a.i]!.seq > cands[b.i]!.seq);
  const heap: Entry[] = [];
  const push = (e: Entry) => {
    heap.push(e);
    for (let k = heap.length - 1; k > 0; ) {
      const up = (k - 1) >> 1;
      if (!before(heap[k]!, heap[up]!)) break;
      [heap[k], heap[up]] = [heap[up]!, heap[k]!];
      k = up;
    }
  };
  const pop = (): Entry => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let k = 0; ; ) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === k) break;
        [heap[k], heap[m]] = [heap[m]!, heap[k]!];
        k = m;
      }
    }
    return top;
  };
  let best = 0;
  for (let i = 0; i < n; i++) {
    if (!eligible(i)) continue;
    best = Math.max(best, cands[i]!.score);
    push({ i, p: cands[i]!.score });
  }
  const strong = best * opts.neighborThreshold;
  const considered = new Array<boolean>(n).fill(false);
  while (heap.length > 0) {
    const { i, p } = pop();
    if (sel.selected[i] || p < prio[i]!) continue;
    if (!considered[i]) {
      considered[i] = true;
      sel.ranked.push(i);
    }
    capTurn(cands, sel, i, opts, shrink);
    if (!take(i, viaNeighbor[i] ? 'neighbor' : 'score', false) || best <= 0 || cands[i]!.score < strong) continue;
    for (const j of [i - 1, i + 1]) {
      if (j < 0 || j >= n || !eligible(j)) continue;
      const q = opts.neighborWeight * cands[i]!.score;
      if (q > prio[j]!) {
        prio[j] = q;
        viaNeighbor[j] = true;
        push({ i: j, p: q });
      }
    }
  }
}

/** Spend what is left of `budget` on dropped candidates (except `skip`ped ones), in the order they were ranked. */
export function fillSelection(
  cands: readonly SelectCandidate[],
  groups: readonly (readonly number[])[],
  sel: Selection,
  budget: number,
  opts: SelectOptions,
  shrink: Shrink,
  skip: (i: number) => boolean = () => false,
): void {
  for (const i of sel.ranked) {
    if (sel.selected[i] || cands[i]!.duplicateOf >= 0 || skip(i)) continue;
    capTurn(cands, sel, i, opts, shrink);
    tryTake(cands, groups, sel, budget, i, 'fill', undefined, opts);
    if (opts.strategy === 'recency' && !sel.selected[i]) break;
  }
}

function capTurn(cands: readonly SelectCandidate[], sel: Selection, i: number, opts: SelectOptions, shrink: Shrink): void {
  const c = cands[i]!;
  if (!c.canShrink || c.group >= 0 || sel.shrunk[i] || sel.tokens[i]! <= opts.maxTurnTokens) return;
  const t = shrink(i, opts.maxTurnTokens);
  if (t !== undefined && t <= opts.maxTurnTokens) {
    sel.tokens[i] = t;
    sel.shrunk[i] = true;
  }
}

function tryTake(
  cands: readonly SelectCandidate[],
  groups: readonly (readonly number[])[],
  sel: Selection,
  budget: number,
  i: number,
  reason: Reason,
  shrink: Shrink | undefined,
  opts: SelectOptions,
): boolean {
  const g = cands[i]!.group;
  const unit = (g >= 0 ? groups[g]! : [i]).filter((j) => !sel.selected[j]);
  if (unit.length === 0) return true;
  const left = budget - sel.used;
  let cost = 0;
  for (const j of unit) cost += sel.tokens[j]!;
  if (cost > left) {
    if (shrink === undefined || unit.length !== 1 || !cands[i]!.canShrink || left < opts.minShrinkTokens) return false;
    const t = shrink(i, left);
    if (t === undefined || t > left) return false;
    sel.tokens[i] = t;
    sel.shrunk[i] = true;
    cost = t;
  }
  for (const j of unit) {
    sel.selected[j] = true;
    sel.reasons[j] = j === i ? reason : 'tool_pair';
  }
  sel.used += cost;
  return true;
}
