/**
 * @module memory/context/warmup
 * The first context build of a process paid ~10-20 ms of one-time work on top of its own: V8 compiling the
 * engine's code on first call, the regular expressions of text analysis, lazily built tables. That made the
 * first answer to a hostile request miss its 200 ms target (issue 11: 208 ms, later ones 165-194 ms).
 * {@link warmContextEngine} pays it at start, on a synthetic session that goes through the phases a request does
 * (per-turn analysis and counts under a work budget, sentences of a long turn, a tool call pair, the client's
 * message, scoring, selection under a tight budget), with caches of its own: nothing shared is touched.
 */
import type { Turn } from '../../core/types.ts';
import type { Tokenizer } from '../../models/tokens.ts';
import { buildContextSync, createContextCaches, type ContextResult } from './engine.ts';
import type { ContextOptions } from './options.ts';
import { budgetedTokenizer, prepareTurns, WorkBudget } from './prepare.ts';

const SENTENCES = [
  'I booked the flight to Lisbon for 7:40 on Friday, seat 14C.',
  'We decided to move the launch to March 3rd because the vendor is late.',
  'My daughter is allergic to peanuts, so please avoid them in every suggestion.',
  'The invoice total was $420 and it is due at the end of the month.',
  'Remember that I prefer window seats and vegetarian meals on long flights.',
];

/** A synthetic session of `n` turns: user and assistant turns, one long assistant turn, one tool call pair. */
function syntheticTurns(n: number): Turn[] {
  const turn = (seq: number, role: Turn['role'], parts: Turn['parts'], name: string | null = null): Turn => ({
    seq,
    role,
    parts,
    name,
    agent_id: null,
    metadata: null,
    created_at: seq * 60_000,
    importance: null,
    pinned: false,
  });
  const out: Turn[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const text = SENTENCES[seq % SENTENCES.length]!;
    if (seq === 3) out.push(turn(seq, 'assistant', [{ type: 'tool_call', id: 'call_warm', name: 'search_flights', arguments: '{"to":"LIS"}' }]));
    else if (seq === 4) out.push(turn(seq, 'tool', [{ type: 'tool_result', tool_call_id: 'call_warm', content: '{"flights":[{"at":"07:40","seat":"14C"}]}' }], 'search_flights'));
    else if (seq === 5) out.push(turn(seq, 'assistant', [{ type: 'text', text: Array.from({ length: 40 }, (_, i) => SENTENCES[i % SENTENCES.length]).join(' ') }]));
    else out.push(turn(seq, seq % 2 === 1 ? 'user' : 'assistant', [{ type: 'text', text: `${text} (note ${seq})` }]));
  }
  return out;
}

/**
 * Run one context build over a synthetic session with `tok` (the default encoding's), so the first real request
 * does not pay for compiling the engine. ~5-25 ms of CPU once; leaves no state behind. Returns the build (for tests).
 */
export async function warmContextEngine(options: ContextOptions, tok: Tokenizer): Promise<ContextResult> {
  const turns = syntheticTurns(30);
  const caches = createContextCaches(100);
  const scope = { tenant: 'warm-up', session: 'warm-up' };
  const budget = new WorkBudget(0);
  await prepareTurns(turns, tok, caches, scope, budget);
  // A budget small enough that selection has to leave turns out.
  return buildContextSync({ turns, messages: [{ role: 'user', content: 'When is my flight to Lisbon?' }], budgetTokens: 400, scope }, options, budgetedTokenizer(tok, budget), caches);
}
