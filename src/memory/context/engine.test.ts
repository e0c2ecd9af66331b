import { beforeAll, describe, expect, it } from 'vitest';
import { isSiraError } from '../../core/errors.ts';
import type { Turn } from '../../core/types.ts';
import { countChatTokens, loadTokenizer, resolveModel, defaultReplyReserve, type Tokenizer } from '../../models/tokens.ts';
import { buildContext, createContextCaches } from './engine.ts';
import { resolveContextOptions } from './options.ts';
import { callTurn, mkTurn, resultTurn } from './testing/turns.ts';

const filler = (seq: number) =>
  mkTurn(seq, seq % 2 === 0 ? 'user' : 'assistant', `Filler ${seq}: we chatted about the weather, some recipes and a film we saw, nothing that matters later on.`);

/** A system prompt, 120 filler turns with one fact at seq 40, and a short tail. */
function session(): Turn[] {
  const turns: Turn[] = [mkTurn(1, 'system', 'You are a helpful travel assistant.')];
  for (let s = 2; s <= 120; s++) turns.push(s === 40 ? mkTurn(40, 'user', 'Our flight to Lisbon departs at 7:40 on March 3.', { metadata: { msg: 'm40', nested: { a: [1, 2] } } }) : filler(s));
  return turns;
}

async function rejects(p: Promise<unknown>, code: Parameters<typeof isSiraError>[1]): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    expect(isSiraError(e, code), String(e)).toBe(true);
    return e;
  }
  throw new Error('expected a rejection');
}

describe('memory/context/engine buildContext', () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = await loadTokenizer('o200k_base');
  });

  it('finds the relevant turn, keeps the system prompt and the latest turns, in chronological order, within budget', async () => {
    const r = await buildContext({ turns: session(), query: 'When does our Lisbon flight depart?', budgetTokens: 500 });
    const seqs = r.selected.map((s) => s.seq);
    expect(seqs).toContain(40);
    expect(seqs[0]).toBe(1);
    expect(seqs.slice(-4)).toEqual([117, 118, 119, 120]);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(r.usage.used).toBeLessThanOrEqual(500);
    expect(countChatTokens(r.messages, tok)).toBe(r.usage.used);
    const hit = r.selected.find((s) => s.seq === 40)!;
    expect(hit).toMatchObject({ reason: 'score', metadata: { msg: 'm40', nested: { a: [1, 2] } } });
    expect(hit.components.lexical).toBe(1);
    // Score smoothing gives each ±1 neighbour half of the hit's lexical score, so 39 comes in on its own score.
    expect(r.selected.find((s) => s.seq === 39)).toMatchObject({ reason: 'score', components: { lexical: 0.5 } });
    expect(r.usage).toMatchObject({ budget: 500, candidates: 120, encoding: 'o200k_base', model: null });
  });

  it('recency keeps only the newest turns that fit (and the system prompt)', async () => {
    const r = await buildContext({ turns: session(), query: 'When does our Lisbon flight depart?', budgetTokens: 500, strategy: 'recency' });
    const seqs = r.selected.map((s) => s.seq);
    expect(seqs).not.toContain(40);
    expect(seqs[0]).toBe(1);
    expect(seqs.slice(1)).toEqual(Array.from({ length: seqs.length - 1 }, (_, i) => 121 - seqs.length + 1 + i));
    expect(r.summary).toBeUndefined();
  });

  it('summarises left-out turns in a system message after the leading system turns, within the budget', async () => {
    // A conversation request (the client's messages): retrieval requests send no summary by default (below).
    const r = await buildContext({ turns: session(), messages: [{ role: 'user', content: 'weather recipes' }], budgetTokens: 800, explain: true });
    expect(r.summary).toBeDefined();
    expect(r.messages[1]).toEqual({ role: 'system', content: r.summary!.content });
    expect(r.usage.by_part.summary).toBe(r.summary!.tokens);
    expect(r.usage.used).toBeLessThanOrEqual(800);
    const dropped = new Set(r.dropped!.map((d) => d.seq));
    for (const s of r.summary!.seqs) expect(dropped.has(s)).toBe(true);
    expect(r.dropped!.every((d) => d.reason === 'over_budget' || d.reason.startsWith('duplicate_of:'))).toBe(true);
  });

  it('a retrieval request (query, no messages) spends the budget on scored turns: one recent turn, no summary', async () => {
    const r = await buildContext({ turns: session(), query: 'weather recipes', budgetTokens: 800, explain: true });
    expect(r.summary).toBeUndefined();
    expect(r.selected.filter((s) => s.reason === 'always_recent').map((s) => s.seq)).toEqual([120]);
    const asked = await buildContext({ turns: session(), query: 'weather recipes', budgetTokens: 800 }, resolveContextOptions({ querySummary: true, queryRecentTurns: 4 }));
    expect(asked.summary).toBeDefined();
    expect(asked.selected.filter((s) => s.reason === 'always_recent')).toHaveLength(4);
    expect(r.usage.by_part.turns).toBeGreaterThan(asked.usage.by_part.turns);
  });

  it('on a logged chat, a question naming a speaker prefers that speaker’s first-person turn; header names are not terms', async () => {
    const line = (seq: number, name: string, text: string): Turn =>
      mkTurn(seq, name === 'Maria' ? 'user' : 'assistant', `[2023-0${1 + Math.floor(seq / 20)}-14] ${name}: ${text}`, { name, metadata: { date: `s${Math.floor(seq / 20)}` } });
    const turns: Turn[] = [];
    for (let seq = 1; seq <= 60; seq++) {
      const name = seq % 2 === 1 ? 'Maria' : 'Jon';
      if (seq === 21) turns.push(line(seq, 'Maria', 'I finally finished painting that sunrise over the lake, took me forever!'));
      else if (seq === 46) turns.push(line(seq, 'Jon', 'I tried painting a sunrise once at school and it came out awful, never again lol'));
      else if (seq === 30) turns.push(line(seq, 'Jon', "That's great, Maria!"));
      else turns.push(line(seq, name, seq % 3 === 0 ? 'haha same, what a week' : 'made soup again, the weather is grim'));
    }
    const r = await buildContext({ turns, query: 'When did Maria paint a sunrise?', budgetTokens: 2000, explain: true });
    const all = [...r.selected, ...r.dropped!].sort((a, b) => b.score - a.score || b.seq - a.seq);
    expect(all[0]).toMatchObject({ seq: 21, components: { speaker: 1 } });
    expect(all.find((s) => s.seq === 46)!.components.speaker).toBe(0);
    expect(all.findIndex((s) => s.seq === 21)).toBeLessThan(all.findIndex((s) => s.seq === 46));
    // "Maria" is matched by the speaker component, not as a word: the turn addressing her has no lexical score.
    expect(all.find((s) => s.seq === 30)!.components).toMatchObject({ bm25: 0, speaker: 0 });
    // A question naming nobody in the session has no speaker component at all.
    const none = await buildContext({ turns, query: 'Who painted a sunrise?', budgetTokens: 2000 });
    expect(none.selected.every((s) => s.components.speaker === undefined)).toBe(true);
  });

  it('appends the client messages last, counts them, and takes the latest user message as the query', async () => {
    const messages = [
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'hi!' },
      { role: 'user', content: [{ type: 'text', text: 'When does our Lisbon flight depart?' }] },
    ];
    const r = await buildContext({ turns: session(), messages, budgetTokens: 400 });
    expect(r.query).toBe('When does our Lisbon flight depart?');
    expect(r.messages.slice(-3)).toEqual(messages);
    expect(r.selected.map((s) => s.seq)).toContain(40);
    expect(r.usage.by_part.messages).toBe(countChatTokens(messages as never, tok) - 3);
  });

  it('a budget smaller than the client messages is SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL with the figures', async () => {
    const e = (await rejects(buildContext({ turns: [], messages: [{ role: 'user', content: 'x '.repeat(100) }], budgetTokens: 50 }), 'SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL')) as {
      details: Record<string, number>;
    };
    expect(e.details.budget_tokens).toBe(50);
    expect(e.details.required_tokens).toBeGreaterThan(50);
  });

  it('bad budgets, models, strategies and messages are refused with stable codes', async () => {
    await rejects(buildContext({ turns: [] }), 'SIRA_ERR_CONTEXT_BUDGET_INVALID');
    await rejects(buildContext({ turns: [], budgetTokens: 0 }), 'SIRA_ERR_CONTEXT_BUDGET_INVALID');
    await rejects(buildContext({ turns: [], budgetTokens: 1.5 }), 'SIRA_ERR_CONTEXT_BUDGET_INVALID');
    await rejects(buildContext({ turns: [], model: 'gpt-4o', replyReserveTokens: 128_000 }), 'SIRA_ERR_CONTEXT_BUDGET_INVALID');
    await rejects(buildContext({ turns: [], model: 'nope-1' }), 'SIRA_ERR_CONTEXT_MODEL_UNKNOWN');
    await rejects(buildContext({ turns: [], budgetTokens: 100, strategy: 'magic' }), 'SIRA_ERR_REQUEST_INVALID');
    await rejects(buildContext({ turns: [], budgetTokens: 100, messages: [{ role: 'tool', content: 'x' }] }), 'SIRA_ERR_REQUEST_INVALID');
    await rejects(buildContext({ turns: [], budgetTokens: 100, messages: ['hi'] }), 'SIRA_ERR_REQUEST_INVALID');
  });

  it('a model gives its window less the reply reserve (or budget_tokens when smaller) and its encoding', async () => {
    const info = resolveModel('gpt-3.5-turbo');
    const r = await buildContext({ turns: session(), model: 'gpt-3.5-turbo' });
    expect(r.usage).toMatchObject({ budget: info.contextWindow - defaultReplyReserve(info), encoding: 'cl100k_base', model: 'gpt-3.5-turbo' });
    expect(r.selected).toHaveLength(120);
    expect(r.summary).toBeUndefined();
    const small = await buildContext({ turns: session(), model: 'gpt-4o', budgetTokens: 300, replyReserveTokens: 1000 });
    expect(small.usage.budget).toBe(300);
  });

  it('a stored tool call answered by the client messages is kept with it; pairs are never split', async () => {
    const turns = [...session(), mkTurn(121, 'user', 'weather in Oslo?'), callTurn(122, 'c9', 'weather', '{"city":"Oslo"}')];
    turns.splice(50, 0, callTurn(50.5, 'c1'), resultTurn(50.6, 'c1', 'Lisbon flight status: on time'));
    const r = await buildContext({ turns, query: 'lisbon flight status', messages: [{ role: 'tool', tool_call_id: 'c9', content: 'sunny' }], budgetTokens: 600 });
    const bySeq = new Map(r.selected.map((s) => [s.seq, s]));
    expect(bySeq.get(122)?.reason).toMatch(/required|always_recent/);
    expect(bySeq.has(50.5)).toBe(bySeq.has(50.6));
    expect(bySeq.has(50.5)).toBe(true);
    const last = r.messages.at(-2)!;
    expect(last.tool_calls?.[0]?.id).toBe('c9');
  });

  it('a long relevant turn is pruned to its relevant sentences and marked compressed', async () => {
    const long = mkTurn(60, 'assistant', [
      ...Array.from({ length: 30 }, (_, i) => `Sentence ${i} is about the harbour, the ships and the long grey sea.`),
      'The Almada Inn in Lisbon is booked for three nights.',
      ...Array.from({ length: 30 }, (_, i) => `More words ${i} about whales, ropes and barrels of oil.`),
    ].join(' '));
    const turns = session().map((t) => (t.seq === 60 ? long : t));
    const r = await buildContext({ turns, query: 'which inn in lisbon is booked', budgetTokens: 600 });
    const s = r.selected.find((x) => x.seq === 60)!;
    expect(s.compressed?.original_tokens).toBeGreaterThan(s.tokens);
    expect(s.tokens).toBeLessThanOrEqual(Math.floor((600 - 3) * 0.25));
    const m = r.messages.find((x) => typeof x.content === 'string' && x.content.includes('Almada Inn'));
    expect(m).toBeDefined();
  });

  it('caches make repeated requests identical and reuse per-turn work', async () => {
    const caches = createContextCaches();
    const req = { turns: session(), query: 'lisbon flight', budgetTokens: 700, explain: true, scope: { tenant: 't', session: 's' } };
    const a = await buildContext(req, undefined, caches);
    expect(caches.turns.size).toBe(120);
    const b = await buildContext(req, undefined, caches);
    expect(b).toEqual(a);
    expect(await buildContext({ ...req, scope: undefined })).toEqual(a);
  });

  it('a dense similarity map adds the dense component; weights are configurable', async () => {
    const dense = new Map([[70, 1]]);
    const opts = resolveContextOptions({ scorer: { weights: { lexical: 0, dense: 1 }, denseSmoothing: 0 } });
    const r = await buildContext({ turns: session(), query: 'anything', budgetTokens: 300, dense }, opts);
    const s = r.selected.find((x) => x.seq === 70)!;
    expect(s.components.dense).toBe(1);
    expect(s.reason).toBe('score');
    // Dense smoothing (default 0.2): each turn gains 0.2 of its neighbours' similarity, over 1 + 2 × 0.2.
    const smoothed = await buildContext({ turns: session(), query: 'anything', budgetTokens: 300, dense, explain: true });
    const all = [...smoothed.selected, ...smoothed.dropped!];
    expect(all.find((x) => x.seq === 70)!.components.dense).toBeCloseTo(1 / 1.4, 4);
    expect(all.find((x) => x.seq === 71)!.components.dense).toBeCloseTo(0.2 / 1.4, 4);
    expect(all.find((x) => x.seq === 72)!.components.dense).toBe(0);
  });

  it('near-duplicate turns collapse into the newest copy', async () => {
    const turns = session();
    turns[10] = mkTurn(11, 'user', 'Remember that the Lisbon flight departs at 7:40 on March 3 please');
    turns[80] = mkTurn(81, 'user', 'Remember that the Lisbon flight departs at 7:40 on March 3, please!');
    const r = await buildContext({ turns, query: 'lisbon flight', budgetTokens: 2000, explain: true });
    expect(r.dropped!.find((d) => d.seq === 11)?.reason).toBe('duplicate_of:81');
    expect(r.selected.some((s) => s.seq === 81)).toBe(true);
  });
});
