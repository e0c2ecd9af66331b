/**
 * @module cli/formats
 * Conversation logs other tools write, both ways: OpenAI chat logs (JSON lines `{"id"?, "messages": [...],
 * "metadata"?}` — the chat-completions message shape, mapped by models/formats: `tool_calls`, `tool` results,
 * `name`, image, audio and file parts; parts chat has no form for are written as their text)
 * and ShareGPT (`{"id"?, "conversations": [{"from": "human"|"gpt"|"system"|"tool"|"function_call"|"observation",
 * "value"}]}`, as JSON lines or one JSON array). One conversation is one session; its id is the record's `id`
 * when valid, else `<prefix><line number>` (stable, so a re-run or a resumed import finds it again).
 * Exporting what was imported gives the same bytes back when the input was in the exporter's own canonical form
 * (key order as written here, no extra fields).
 */
import { isValidId } from '../core/ids.ts';
import type { JsonObject, NewTurn, Role, Session, Turn } from '../core/types.ts';
import { fromOpenAiChat, readChatMessage, toOpenAiChat, type ChatMessage } from '../models/formats/index.ts';

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

/**
 * One OpenAI chat-log record as a conversation (models/formats: {@link readChatMessage} then
 * {@link fromOpenAiChat}; throws a message saying what is wrong).
 */
export function fromOpenAi(record: Record<string, unknown>, fallbackId: string): Conversation {
  const messages = (record.messages as unknown[]).map((m, i) => readChatMessage(m, `messages[${i}]`));
  const turns: NewTurn[] = fromOpenAiChat(messages).map((t) => ({ role: t.role, parts: t.parts, ...(t.name === undefined || t.name === null ? {} : { name: t.name }) }));
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

/** A message's keys in the exporter's canonical order: role, name, content, tool calls (a tool message: role, id, content). */
function canonical(m: ChatMessage): Record<string, unknown> {
  if (m.role === 'tool') return { role: m.role, tool_call_id: m.tool_call_id, content: m.content };
  return { role: m.role, ...(m.name === undefined ? {} : { name: m.name }), content: m.content, ...(m.tool_calls === undefined ? {} : { tool_calls: m.tool_calls }) };
}

/**
 * A session as one OpenAI chat-log record (the canonical form {@link fromOpenAi} reads back unchanged):
 * {@link toOpenAiChat} with every call and result sent natively (a log keeps a call whose result never came) and
 * names and text parts as stored.
 */
export function toOpenAi(session: Session, turns: readonly Turn[]): Record<string, unknown> {
  const messages = toOpenAiChat(turns, { isPaired: () => true, verbatim: true }).map(canonical);
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
