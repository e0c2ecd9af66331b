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
  /** A selected turn whose score is at least this fraction of the best score pulls in its ±1 neighbours. */
  neighborThreshold: number;
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
    const order = [...Array(n).keys()].filter((i) => !sel.selected[i] && cands[i]!.role !== 'system' && cands[i]!.duplicateOf < 0);
    order.sort((a, b) => cands[b]!.score - cands[a]!.score || cands[b]!.seq - cands[a]!.seq);
    const best = order.length > 0 ? cands[order[0]!]!.score : 0;
    const strong = best * opts.neighborThreshold;
    for (const i of order) {
      if (sel.selected[i]) continue;
      sel.ranked.push(i);
      capTurn(cands, sel, i, opts, shrink);
      if (!take(i, 'score', false) || cands[i]!.score < strong || best <= 0) continue;
      for (const j of [i - 1, i + 1]) {
        const c = cands[j];
        if (c === undefined || sel.selected[j] || c.role === 'system' || c.duplicateOf >= 0) continue;
        capTurn(cands, sel, j, opts, shrink);
        take(j, 'neighbor', false);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const d = cands[i]!.duplicateOf;
    if (!sel.selected[i] && d >= 0) sel.reasons[i] = `duplicate_of:${cands[d]!.seq}`;
  }
  return sel;
}

/** Spend `extra` more tokens on dropped candidates, in the order they were ranked (after the summary left room). */
export function fillSelection(
  cands: readonly SelectCandidate[],
  groups: readonly (readonly number[])[],
  sel: Selection,
  budget: number,
  opts: SelectOptions,
  shrink: Shrink,
): void {
  for (const i of sel.ranked) {
    if (sel.selected[i] || cands[i]!.duplicateOf >= 0) continue;
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
