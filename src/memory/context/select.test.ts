import { describe, expect, it } from 'vitest';
import { fillSelection, selectCandidates, type SelectCandidate, type SelectOptions } from './select.ts';

const opts: SelectOptions = { strategy: 'relevance', recentTurns: 2, neighborThreshold: 0.7, neighborWeight: 0.5, maxTurnTokens: 1000, minShrinkTokens: 10 };
const cand = (seq: number, score: number, extra: Partial<SelectCandidate> = {}): SelectCandidate => ({
  seq, role: 'user', tokens: 10, score, group: -1, pinned: false, required: false, duplicateOf: -1, canShrink: false, ...extra,
});
const noShrink = () => undefined;
const picked = (sel: { selected: boolean[] }, cs: SelectCandidate[]) => cs.filter((_, i) => sel.selected[i]).map((c) => c.seq);

describe('memory/context/select', () => {
  it('keeps system turns and the latest K turns first, then the best scores, and says why', () => {
    const cs = [cand(1, 0, { role: 'system' }), cand(2, 0.9), cand(3, 0.1), cand(4, 0.5), cand(5, 0.2), cand(6, 0.05), cand(7, 0.01)];
    const sel = selectCandidates(cs, [], 40, opts, noShrink);
    expect(picked(sel, cs)).toEqual([1, 2, 6, 7]);
    expect(sel.reasons).toEqual(['system', 'score', 'over_budget', 'over_budget', 'over_budget', 'always_recent', 'always_recent']);
    expect(sel.used).toBe(40);
  });

  it('a strong hit lifts its ±1 neighbours to half its score; a weak one does not', () => {
    const cs = [cand(1, 0.1), cand(2, 0.1), cand(3, 1), cand(4, 0.1), cand(5, 0.1), cand(6, 0.5), cand(7, 0.1), cand(8, 0), cand(9, 0)];
    const sel = selectCandidates(cs, [], 60, opts, noShrink);
    expect(picked(sel, cs)).toEqual([2, 3, 4, 6, 8, 9]);
    expect(sel.reasons[1]).toBe('neighbor');
    expect(sel.reasons[3]).toBe('neighbor');
  });

  it('a tool call and its result are one unit: taken whole with reason tool_pair, or not at all', () => {
    const cs = [cand(1, 0.9, { group: 0, role: 'assistant' }), cand(2, 0.1, { group: 0, role: 'tool' }), cand(3, 0.5), cand(4, 0), cand(5, 0)];
    const sel = selectCandidates(cs, [[0, 1]], 40, opts, noShrink);
    expect(picked(sel, cs)).toEqual([1, 2, 4, 5]);
    expect(sel.reasons.slice(0, 2)).toEqual(['score', 'tool_pair']);
    const tight = selectCandidates(cs, [[0, 1]], 35, opts, noShrink);
    expect(picked(tight, cs)).toEqual([3, 4, 5]);
  });

  it('near-duplicates are skipped with duplicate_of:<seq of the newer turn>', () => {
    const cs = [cand(1, 0.9, { duplicateOf: 1 }), cand(2, 0.3), cand(3, 0), cand(4, 0), cand(5, 0)];
    const sel = selectCandidates(cs, [], 1000, opts, noShrink);
    expect(picked(sel, cs)).toEqual([2, 3, 4, 5]);
    expect(sel.reasons[0]).toBe('duplicate_of:2');
  });

  it('a long scored turn is shrunk to the cap, an always-kept one to what is left', () => {
    const cs = [cand(1, 0.9, { tokens: 500, canShrink: true }), cand(2, 0, { tokens: 300, canShrink: true }), cand(3, 0, { tokens: 5 })];
    const calls: [number, number][] = [];
    const shrink = (i: number, max: number) => (calls.push([i, max]), max);
    const sel = selectCandidates(cs, [], 200, { ...opts, maxTurnTokens: 100 }, shrink);
    expect(calls).toEqual([[1, 195], [0, 100]]);
    expect(sel.selected).toEqual([false, true, true]);
    expect(sel.tokens[1]).toBe(195);
    expect(sel.shrunk[1]).toBe(true);
  });

  it('recency keeps the newest turns that fit, contiguously, and stops at the first that does not', () => {
    const cs = [cand(1, 0, { role: 'system' }), cand(2, 1), cand(3, 1, { tokens: 50 }), cand(4, 0), cand(5, 0)];
    const sel = selectCandidates(cs, [], 45, { ...opts, strategy: 'recency' }, noShrink);
    expect(picked(sel, cs)).toEqual([1, 4, 5]);
    expect(sel.reasons[3]).toBe('recent');
  });

  it('fillSelection spends extra room on dropped candidates in ranked order', () => {
    const cs = [cand(1, 0.9), cand(2, 0.8), cand(3, 0), cand(4, 0)];
    const sel = selectCandidates(cs, [], 30, opts, noShrink);
    expect(picked(sel, cs)).toEqual([1, 3, 4]);
    fillSelection(cs, [], sel, 40, opts, noShrink);
    expect(picked(sel, cs)).toEqual([1, 2, 3, 4]);
    expect(sel.reasons[1]).toBe('fill');
  });

  it('required turns come first, before system turns', () => {
    const cs = [cand(1, 0, { role: 'system', tokens: 30 }), cand(2, 0, { required: true, tokens: 30 })];
    const sel = selectCandidates(cs, [], 40, opts, noShrink);
    expect(sel.reasons).toEqual(['over_budget', 'required']);
  });
});
