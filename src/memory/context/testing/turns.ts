/**
 * @module memory/context/testing/turns
 * Helpers that build stored turns for the context engine's tests (not part of the public surface).
 */
import type { Part, Role, Turn } from '../../../core/types.ts';

/** A stored turn with defaults; `text` becomes one text part unless `parts` is given. */
export function mkTurn(seq: number, role: Role, text: string, extra: Partial<Turn> = {}): Turn {
  const parts: Part[] = [{ type: 'text', text }];
  return { seq, role, parts, name: null, agent_id: null, metadata: { n: seq }, created_at: 1_000 + seq, importance: null, pinned: false, ...extra };
}

/** An assistant turn calling tool `id`. */
export function callTurn(seq: number, id: string, name = 'lookup', args = '{"q":"x"}'): Turn {
  return mkTurn(seq, 'assistant', '', { parts: [{ type: 'tool_call', id, name, arguments: args }] });
}

/** A tool turn answering call `id`. */
export function resultTurn(seq: number, id: string, content = 'result'): Turn {
  return mkTurn(seq, 'tool', '', { parts: [{ type: 'tool_result', tool_call_id: id, content }] });
}
