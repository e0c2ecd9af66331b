/**
 * Properties of the context window over arbitrary sessions, budgets and queries (fast-check, seed pinned and
 * printed; override with SIRA_FC_SEED, more runs with SIRA_FC_RUNS).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSiraError } from '../../core/errors.ts';
import type { Part, Role, Turn } from '../../core/types.ts';
import type { ChatMessage } from '../../models/chat.ts';
import { countChatTokens, loadTokenizer, type Tokenizer } from '../../models/tokens.ts';
import { buildContext, type ContextResult } from './engine.ts';
import { DEFAULT_CONTEXT_OPTIONS } from './options.ts';

const SEED = Number(process.env.SIRA_FC_SEED ?? 20_260_404);
const RUNS = Number(process.env.SIRA_FC_RUNS ?? 120);

const VOCAB = ['lisbon', 'flight', 'hotel', 'budget', 'the', 'we', 'decided', '7:40', '$420', 'Maria', 'never', 'cilantro', 'and', 'a', 'meeting', 'Friday', 'ok', 'thanks', 'report', 'ships', 'whale', '日本', 'über', '<|endoftext|>'];
const word = fc.constantFrom(...VOCAB);
const sentence = fc.array(word, { minLength: 1, maxLength: 25 }).map((ws) => `${ws.join(' ')}.`);
const text = fc.array(sentence, { minLength: 0, maxLength: 12, size: 'medium' }).map((ss) => ss.join(' '));

type Event =
  | { kind: 'text'; role: Role; text: string; name: string | null; importance: number | null; media: boolean }
  | { kind: 'tools'; calls: number; orphanCall: boolean; orphanResult: boolean; result: string };

const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 8, arbitrary: fc.record({
    kind: fc.constant('text' as const),
    role: fc.constantFrom<Role>('user', 'assistant', 'user', 'assistant', 'system', 'tool'),
    text,
    name: fc.option(fc.constantFrom('ann', 'Bob Smith', '!!'), { nil: null }),
    importance: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
    media: fc.boolean(),
  }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tools' as const), calls: fc.integer({ min: 1, max: 2 }), orphanCall: fc.boolean(), orphanResult: fc.boolean(), result: text }) },
);

/** Turns from events: tool events make a call turn and a result turn (or orphans of either half). */
function turnsOf(events: Event[], pinnedEvery: number): Turn[] {
  const out: Turn[] = [];
  let id = 0;
  const push = (role: Role, parts: Part[], extra: Partial<Turn> = {}) =>
    out.push({ seq: out.length + 1, role, parts, name: null, agent_id: null, metadata: { k: out.length }, created_at: 1000 + out.length, importance: null, pinned: false, ...extra });
  for (const e of events) {
    if (e.kind === 'text') {
      const parts: Part[] = [{ type: 'text', text: e.text }];
      if (e.media) parts.push({ type: 'image', mime: 'image/png', url: 'https://e.x/i.png' });
      push(e.role, parts, { name: e.name, importance: e.importance, pinned: pinnedEvery > 0 && out.length % pinnedEvery === 0 });
    } else {
      const ids = Array.from({ length: e.calls }, () => `call_${++id}`);
      if (!e.orphanResult) push('assistant', ids.map((i) => ({ type: 'tool_call', id: i, name: 'lookup', arguments: `{"id":"${i}"}` })));
      if (!e.orphanCall) push('tool', ids.map((i) => ({ type: 'tool_result', tool_call_id: i, content: e.result })));
    }
  }
  return out;
}

const scenario = fc.record({
  events: fc.array(event, { minLength: 0, maxLength: 70, size: 'medium' }),
  pinnedEvery: fc.integer({ min: 0, max: 9 }),
  budget: fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 1, max: 60 }) }, { weight: 3, arbitrary: fc.integer({ min: 60, max: 800 }) }, { weight: 3, arbitrary: fc.integer({ min: 800, max: 3000 }) }),
  query: fc.option(fc.array(word, { maxLength: 6 }).map((ws) => ws.join(' ')), { nil: undefined }),
  messages: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant', 'system'), content: text }), { maxLength: 2 }),
  strategy: fc.constantFrom('relevance', 'recency'),
  shuffle: fc.integer({ min: 0, max: 1_000_000 }),
});

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const a = [...xs];
  let s = seed || 1;
  for (let i = a.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

async function run(turns: Turn[], s: Scenario): Promise<ContextResult | 'too_small'> {
  try {
    return await buildContext({ turns, budgetTokens: s.budget, query: s.query, messages: s.messages, strategy: s.strategy, explain: true });
  } catch (e) {
    if (isSiraError(e, 'SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL')) return 'too_small';
    throw e;
  }
}

/** Tool call ids whose call and result are both among `turns`. */
function pairedIds(turns: readonly Turn[]): Map<string, { call: number; results: number[] }> {
  const calls = new Map<string, number>();
  const results = new Map<string, number[]>();
  for (const t of turns) {
    for (const p of t.parts) {
      if (p.type === 'tool_call') calls.set(p.id, t.seq);
      if (p.type === 'tool_result') results.set(p.tool_call_id, [...(results.get(p.tool_call_id) ?? []), t.seq]);
    }
  }
  const out = new Map<string, { call: number; results: number[] }>();
  for (const [id, call] of calls) if (results.has(id)) out.set(id, { call, results: results.get(id)! });
  return out;
}

function validToolSequence(ms: readonly ChatMessage[]): boolean {
  const open = new Set<string>();
  const seen = new Set<string>();
  for (const m of ms) {
    for (const c of m.tool_calls ?? []) {
      open.add(c.id);
      seen.add(c.id);
    }
    if (m.role === 'tool') {
      if (!seen.has(m.tool_call_id!)) return false;
      open.delete(m.tool_call_id!);
    }
  }
  return open.size === 0;
}

const STATS: string[] = [];
// FC_STATS=1 prints how often the runs dropped turns (D), summarised (S), compressed (C), took neighbours (N), tool pairs (T).
afterAll(() => {
  if (!process.env.FC_STATS) return;
  const counts = new Map<string, number>();
  for (const x of STATS) counts.set(x || '-', (counts.get(x || '-') ?? 0) + 1);
  console.log([...counts].map(([k, v]) => `${k}:${v}`).join(' '));
});

describe(`memory/context/engine properties (fc seed ${SEED})`, () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = await loadTokenizer('o200k_base');
  });

  it('the budget is never exceeded and the reported usage is the exact count of the messages', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const r = await run(turnsOf(s.events, s.pinnedEvery), s);
        if (process.env.FC_STATS) STATS.push(r === 'too_small' ? 'small' : `${r.dropped!.length > 0 ? 'D' : ''}${r.summary ? 'S' : ''}${r.selected.some((x) => x.compressed) ? 'C' : ''}${r.selected.some((x) => x.reason === 'neighbor') ? 'N' : ''}${r.selected.some((x) => x.reason === 'tool_pair') ? 'T' : ''}`);
        if (r === 'too_small') return;
        expect(r.usage.used).toBeLessThanOrEqual(s.budget);
        expect(countChatTokens(r.messages, tok)).toBe(r.usage.used);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('selected turns are in chronological order, tool pairs are never split, tool messages stay valid', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const turns = turnsOf(s.events, s.pinnedEvery);
        const r = await run(turns, s);
        if (r === 'too_small') return;
        const seqs = r.selected.map((x) => x.seq);
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
        const chosen = new Set(seqs);
        for (const { call, results } of pairedIds(turns).values()) for (const res of results) expect(chosen.has(res)).toBe(chosen.has(call));
        expect(validToolSequence(r.messages)).toBe(true);
        expect(r.selected.length + r.dropped!.length).toBe(turns.length);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('the same input gives the same output, whatever order the turns come in', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const turns = turnsOf(s.events, s.pinnedEvery);
        const a = await run(turns, s);
        const b = await run(shuffled(turns, s.shuffle), s);
        expect(b).toEqual(a);
      }),
      { seed: SEED, numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('system turns and the latest turns are all kept when they fit', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const turns = turnsOf(s.events, 0);
        const r = await run(turns, { ...s, strategy: 'relevance' });
        if (r === 'too_small') return;
        const tokensOf = new Map<number, number>();
        for (const x of r.selected) tokensOf.set(x.seq, x.compressed?.original_tokens ?? x.tokens);
        for (const x of r.dropped!) tokensOf.set(x.seq, x.tokens);
        const keep = new Set(turns.filter((t) => t.role === 'system').map((t) => t.seq));
        const rest = turns.filter((t) => t.role !== 'system');
        // A retrieval request (a query, no messages) keeps a shorter tail.
        const tail = s.query !== undefined && s.messages.length === 0 ? DEFAULT_CONTEXT_OPTIONS.queryRecentTurns : DEFAULT_CONTEXT_OPTIONS.recentTurns;
        for (const t of rest.slice(-tail)) keep.add(t.seq);
        // Close over tool units (a kept call brings its results and the other way round).
        for (const { call, results } of pairedIds(turns).values()) {
          if (keep.has(call) || results.some((x) => keep.has(x))) for (const x of [call, ...results]) keep.add(x);
        }
        const need = [...keep].reduce((a, seq) => a + tokensOf.get(seq)!, 0);
        const available = s.budget - (r.usage.by_part.messages + 3);
        if (need > 0.9 * available - 1) return;
        const chosen = new Set(r.selected.map((x) => x.seq));
        for (const seq of keep) expect(chosen.has(seq), `seq ${seq}`).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
