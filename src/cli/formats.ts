/**
 * @module cli/formats
 * Conversation logs other tools write, both ways: OpenAI chat logs (JSON lines `{"id"?, "messages": [...],
 * "metadata"?}` — the chat-completions message shape, with `tool_calls`, `tool` results, `name` and image URL parts)
 * and ShareGPT (`{"id"?, "conversations": [{"from": "human"|"gpt"|"system"|"tool"|"function_call"|"observation",
 * "value"}]}`, as JSON lines or one JSON array). One conversation is one session; its id is the record's `id`
 * when valid, else `<prefix><line number>` (stable, so a re-run or a resumed import finds it again).
 * Exporting what was imported gives the same bytes back when the input was in the exporter's own canonical form
 * (key order as written here, no extra fields).
 */
import { isValidId } from '../core/ids.ts';
import type { JsonObject, NewTurn, Part, Role, Session, Turn } from '../core/types.ts';

/** The formats `import` and `export` speak. */
export type ChatFormat = 'openai' | 'sharegpt';
export type TransferFormat = 'sira' | ChatFormat;

/** A conversation read from a chat log: the session id, its metadata and its turns. */
export interface Conversation {
  id: string;
  metadata: JsonObject;
  turns: NewTurn[];
}

/** The format of a log from its first record (a parsed JSON object). */
export function detectFormat(first: Record<string, unknown>): TransferFormat | undefined {
  if (first.format === 'sira-export') return 'sira';
  if (Array.isArray(first.conversations)) return 'sharegpt';
  if (Array.isArray(first.messages)) return 'openai';
  return undefined;
}

const SHAREGPT_ROLE: Record<string, Role> = { human: 'user', user: 'user', gpt: 'assistant', assistant: 'assistant', chatgpt: 'assistant', bing: 'assistant', bard: 'assistant', system: 'system', tool: 'tool', observation: 'tool', function_response: 'tool' };

type OpenAiMessage = { role?: unknown; content?: unknown; name?: unknown; tool_calls?: unknown; tool_call_id?: unknown };

function textParts(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const parts: Part[] = [];
  for (const c of content as Record<string, unknown>[]) {
    if (c.type === 'text' && typeof c.text === 'string') parts.push({ type: 'text', text: c.text });
    else if (c.type === 'image_url') {
      const url = typeof c.image_url === 'string' ? c.image_url : (c.image_url as { url?: string } | undefined)?.url;
      if (typeof url === 'string') parts.push({ type: 'image', mime: /^data:([^;,]+)/.exec(url)?.[1] ?? 'image/*', url });
    }
  }
  return parts;
}

/** One OpenAI chat-log record as a conversation (throws a message saying what is wrong). */
export function fromOpenAi(record: Record<string, unknown>, fallbackId: string): Conversation {
  const messages = record.messages as OpenAiMessage[];
  const turns: NewTurn[] = messages.map((m, i) => {
    const role = m.role === 'developer' ? 'system' : m.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'tool') throw new Error(`messages[${i}].role ${JSON.stringify(m.role)} is not system|developer|user|assistant|tool`);
    let parts: Part[];
    if (role === 'tool') {
      parts = [{ type: 'tool_result', tool_call_id: String(m.tool_call_id ?? ''), content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '') }];
    } else {
      parts = textParts(m.content);
      for (const call of (Array.isArray(m.tool_calls) ? m.tool_calls : []) as { id?: string; function?: { name?: string; arguments?: string } }[]) {
        parts.push({ type: 'tool_call', id: String(call.id ?? ''), name: String(call.function?.name ?? ''), arguments: String(call.function?.arguments ?? '') });
      }
    }
    if (parts.length === 0) parts = [{ type: 'text', text: '' }];
    return { role, parts, ...(typeof m.name === 'string' ? { name: m.name } : {}) };
  });
  return { id: isValidId(record.id) ? record.id : fallbackId, metadata: (record.metadata as JsonObject | undefined) ?? {}, turns };
}

/** One ShareGPT record as a conversation. */
export function fromShareGpt(record: Record<string, unknown>, fallbackId: string): Conversation {
  const turns: NewTurn[] = (record.conversations as { from?: unknown; value?: unknown }[]).map((c, i) => {
    const role = SHAREGPT_ROLE[String(c.from)];
    if (role === undefined) {
      if (c.from === 'function_call') return { role: 'assistant', parts: [{ type: 'text', text: String(c.value ?? '') }], name: 'function_call' };
      throw new Error(`conversations[${i}].from ${JSON.stringify(c.from)} is not a ShareGPT speaker`);
    }
    const text = typeof c.value === 'string' ? c.value : JSON.stringify(c.value ?? '');
    return role === 'tool' ? { role, parts: [{ type: 'tool_result', tool_call_id: '', content: text }] } : { role, parts: [{ type: 'text', text }], ...(c.from !== 'human' && c.from !== 'gpt' && c.from !== 'system' ? { name: String(c.from) } : {}) };
  });
  return { id: isValidId(record.id) ? record.id : fallbackId, metadata: (record.metadata as JsonObject | undefined) ?? {}, turns };
}

const textOf = (t: Turn): string => t.parts.map((p) => (p.type === 'text' ? p.text : p.type === 'tool_result' ? p.content : '')).join('');

/** A session as one OpenAI chat-log record (the canonical form {@link fromOpenAi} reads back unchanged). */
export function toOpenAi(session: Session, turns: readonly Turn[]): Record<string, unknown> {
  const messages = turns.map((t) => {
    if (t.role === 'tool') {
      const r = t.parts.find((p) => p.type === 'tool_result');
      return { role: 'tool', tool_call_id: r?.type === 'tool_result' ? r.tool_call_id : '', content: textOf(t) };
    }
    const calls = t.parts.filter((p) => p.type === 'tool_call');
    const shown = t.parts.filter((p) => p.type === 'text' || (p.type === 'image' && p.url !== undefined));
    const content =
      shown.length === 0
        ? null
        : shown.length === 1 && shown[0]!.type === 'text'
          ? shown[0]!.text
          : shown.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : { type: 'image_url', image_url: { url: (p as { url: string }).url } }));
    return {
      role: t.role,
      ...(t.name === null || t.name === undefined ? {} : { name: t.name }),
      content,
      ...(calls.length === 0 ? {} : { tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) }),
    };
  });
  return { id: session.id, ...(Object.keys(session.metadata).length === 0 ? {} : { metadata: session.metadata }), messages };
}

const SHAREGPT_FROM: Record<Role, string> = { user: 'human', assistant: 'gpt', system: 'system', tool: 'tool' };

/** A session as one ShareGPT record. */
export function toShareGpt(session: Session, turns: readonly Turn[]): Record<string, unknown> {
  return {
    id: session.id,
    ...(Object.keys(session.metadata).length === 0 ? {} : { metadata: session.metadata }),
    conversations: turns.map((t) => ({ from: t.name !== null && t.name !== undefined && !['human', 'gpt', 'system', 'tool'].includes(t.name) ? t.name : SHAREGPT_FROM[t.role], value: textOf(t) })),
  };
}
