/**
 * @module memory/context/units
 * Tool calls and their results as units of a context window: which call ids have both halves (in the turns, or
 * answered by the client's own tool messages), and which turns must be kept or dropped together.
 */
import type { Turn } from '../../core/types.ts';
import type { ChatMessage } from '../../models/chat.ts';
import type { MediaTokens } from '../../models/tokens.ts';

/** The tool units of a request's turns. */
export interface ToolUnits {
  /** Whether a tool call id has both halves (its call and a result): only then are call and result rendered as a pair. */
  isPaired: (id: string) => boolean;
  /** Call ids the client's own messages answer (their turns are required in the window). */
  answered: ReadonlySet<string>;
  /** Groups of turn indexes kept or dropped together (only groups of 2 or more). */
  groups: number[][];
  /** The group of each turn index, -1 for none. */
  groupIndex: Int32Array;
}

/** Find the tool units of `turns` (chronological), given the client's messages. */
export function toolUnits(turns: readonly Turn[], messages: readonly ChatMessage[]): ToolUnits {
  const n = turns.length;
  const callAt = new Map<string, number>();
  const resultsAt = new Map<string, number[]>();
  turns.forEach((t, i) => {
    for (const p of t.parts) {
      if (p.type === 'tool_call' && !callAt.has(p.id)) callAt.set(p.id, i);
      else if (p.type === 'tool_result') resultsAt.set(p.tool_call_id, [...(resultsAt.get(p.tool_call_id) ?? []), i]);
    }
  });
  const answered = new Set(messages.flatMap((m) => (m.role === 'tool' && m.tool_call_id !== undefined ? [m.tool_call_id] : [])));
  const paired = new Set([...callAt.keys()].filter((id) => resultsAt.has(id) || answered.has(id)));
  // Union-find over turn indexes: each result joins its call's unit.
  const root = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (root[i] === i ? i : (root[i] = find(root[i]!)));
  for (const id of paired) for (const r of resultsAt.get(id) ?? []) root[find(r)] = find(callAt.get(id)!);
  const groupOf = new Map<number, number[]>();
  for (let i = 0; i < n; i++) groupOf.set(find(i), [...(groupOf.get(find(i)) ?? []), i]);
  const groups = [...groupOf.values()].filter((g) => g.length > 1);
  const groupIndex = new Int32Array(n).fill(-1);
  groups.forEach((g, k) => g.forEach((i) => (groupIndex[i] = k)));
  return { isPaired: (id) => paired.has(id), answered, groups, groupIndex };
}

/**
 * The key of a turn's rendering, for its cached token count: whether each tool half renders paired (P) or not (u),
 * the media costs its media parts are counted with, and whether reasoning parts render (R).
 */
export function turnVariant(t: Turn, isPaired: (id: string) => boolean, media: MediaTokens, includeReasoning = false): string {
  let v = '';
  for (const p of t.parts) {
    if (p.type === 'tool_call') v += isPaired(p.id) ? 'P' : 'u';
    else if (p.type === 'tool_result') v += isPaired(p.tool_call_id) ? 'P' : 'u';
    else if (p.type === 'image' || p.type === 'audio' || p.type === 'file' || p.type === 'document') v += `m${media.image},${media.audio},${media.file}`;
    else if (p.type === 'reasoning' && includeReasoning) v += 'R';
  }
  return v;
}
