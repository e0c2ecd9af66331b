/**
 * @module api/openai-items
 * OpenAI Responses API items as the Responses/Conversations routes take them (ids, types, what goes upstream) and
 * their mirror as Sira turns. The items are kept verbatim by the Responses/Conversations store; the turns are
 * what the memory sees (context builds, search, profiles), mapped by models/formats (text, images, audio, files,
 * URL citations, function calls and outputs, reasoning with its encrypted content). The mirror is one-way: item
 * kinds a turn cannot express (web search calls, MCP items…) have no turn.
 */
import { newId } from '../core/ids.ts';
import type { JsonObject } from '../core/types.ts';
import type { TurnInput } from '../core/validate.ts';
import { fromResponses, readResponsesItem } from '../models/formats/index.ts';

/** One Responses API item, as the client sent it or the upstream produced it (JSON, kept as is). */
export type ResponseItem = JsonObject & { type?: string; id?: string };

const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Id prefix of each item kind we assign ids to. */
const PREFIX: Record<string, string> = { message: 'msg_', function_call: 'fc_', function_call_output: 'fco_' };

/**
 * The request's `input` as items: a string is one user message; every item gets `type` (a bare `{role, content}`
 * is a message) and an id (its own when it has one). Throws a plain Error naming the bad entry, for the caller
 * to turn into SIRA_ERR_REQUEST_INVALID.
 */
export function normalizeInput(input: unknown, now: number): ResponseItem[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return [{ type: 'message', id: newId('msg_', now), role: 'user', content: [{ type: 'input_text', text: input }] }];
  if (!Array.isArray(input)) throw new Error('input must be a string or an array of items');
  return input.map((raw, i) => {
    const item = obj(raw);
    if (item === undefined) throw new Error(`input[${i}] must be an object`);
    const type = str(item.type) ?? (item.role !== undefined ? 'message' : undefined);
    if (type === undefined) throw new Error(`input[${i}] has no type`);
    if (type === 'message') {
      if (!['user', 'assistant', 'system', 'developer'].includes(str(item.role) ?? '')) throw new Error(`input[${i}].role must be user, assistant, system or developer`);
      const content = typeof item.content === 'string' ? [{ type: item.role === 'assistant' ? 'output_text' : 'input_text', text: item.content }] : item.content;
      if (!Array.isArray(content)) throw new Error(`input[${i}].content must be a string or an array of parts`);
      return { ...(item as JsonObject), type, id: str(item.id) ?? newId(PREFIX.message!, now), content } as ResponseItem;
    }
    if (type === 'function_call' && (typeof item.call_id !== 'string' || typeof item.name !== 'string')) throw new Error(`input[${i}] (function_call) needs call_id and name`);
    if (type === 'function_call_output' && typeof item.call_id !== 'string') throw new Error(`input[${i}] (function_call_output) needs call_id`);
    const prefix = PREFIX[type];
    return { ...(item as JsonObject), type, ...(str(item.id) === undefined && prefix !== undefined ? { id: newId(prefix, now) } : {}) } as ResponseItem;
  });
}

/** Items as the upstream gets them: the ids we assigned to messages and calls stripped (the upstream keeps no state). */
export function upstreamItems(items: readonly ResponseItem[]): JsonObject[] {
  return items.map((item) => {
    if (item.type !== undefined && item.type in PREFIX) {
      const { id: _id, ...rest } = item;
      // Output items carry `status`, which input messages must not have on a strict upstream.
      if (item.type === 'message') delete rest.status;
      return rest;
    }
    return item;
  });
}

/**
 * The turn that mirrors `item` (models/formats: {@link readResponsesItem} then {@link fromResponses}), or undefined
 * for an item kind a turn cannot express (web search calls…), an empty message or an empty reasoning item. Empty
 * text parts are left out, as the memory has no use for them.
 */
export function itemToTurn(item: ResponseItem): TurnInput | undefined {
  const typed = readResponsesItem(item);
  if (typed === undefined) return undefined;
  if (typed.type === 'reasoning' && typed.summary.length === 0 && typed.encrypted_content === undefined) return undefined;
  const turn = fromResponses([typed])[0]!;
  const parts = turn.parts.filter((p) => p.type !== 'text' || p.text !== '');
  if (parts.length === 0) return undefined;
  const metadata: JsonObject = { openai_item_id: item.id ?? null, openai_type: item.type ?? 'message' };
  return { role: turn.role, content: parts, metadata };
}

/** The text of `item` for token estimates (its JSON when it has no text of its own). */
export function itemText(item: ResponseItem): string {
  if (item.type === 'message' && Array.isArray(item.content)) {
    return item.content.map((p) => str(obj(p)?.text) ?? (obj(p)?.type === 'input_image' ? '[image]' : '')).join('\n');
  }
  return JSON.stringify(item);
}
