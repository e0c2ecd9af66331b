/**
 * @module api/openai-items
 * OpenAI Responses API items (messages, function calls and their outputs, images by URL or base64 data URL) and
 * their mirror as Sira turns. The items are kept verbatim by the Responses/Conversations store; the turns are
 * what the memory sees (context builds, search, profiles), so this mapping is one-way and lossy by design:
 * item kinds a turn cannot express (reasoning, web search calls…) have no turn.
 */
import { newId } from '../core/ids.ts';
import type { JsonObject, Part, Role } from '../core/types.ts';
import type { TurnInput } from '../core/validate.ts';

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

/** `data:<mime>;base64,<b64>` → bytes and mime; undefined for other URLs. */
export function decodeDataUrl(url: string): { mime: string; data: Uint8Array } | undefined {
  const m = /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(url);
  if (m === null) return undefined;
  const mime = m[1] ?? 'application/octet-stream';
  const data = m[2] !== undefined ? Buffer.from(m[3]!, 'base64') : Buffer.from(decodeURIComponent(m[3]!), 'utf8');
  return { mime, data: new Uint8Array(data) };
}

/** The media type an image URL's extension names (a URL says no more; the upstream fetches it, not us). */
function imageMime(url: string): string {
  const ext = /\.(png|jpe?g|gif|webp)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  return ext === undefined ? 'application/octet-stream' : `image/${ext === 'jpg' ? 'jpeg' : ext}`;
}

function contentParts(content: unknown): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const parts: Part[] = [];
  for (const raw of content) {
    const p = obj(raw) ?? {};
    const text = str(p.text) ?? str(p.refusal);
    if ((p.type === 'input_text' || p.type === 'output_text' || p.type === 'refusal' || p.type === 'text') && text !== undefined && text !== '') {
      parts.push({ type: 'text', text });
    } else if (p.type === 'input_image') {
      const url = str(p.image_url);
      const inline = url === undefined ? undefined : decodeDataUrl(url);
      if (inline !== undefined) parts.push({ type: 'image', mime: inline.mime, data: inline.data });
      else if (url !== undefined) parts.push({ type: 'image', mime: imageMime(url), url });
      else if (typeof p.file_id === 'string') parts.push({ type: 'image', mime: 'application/octet-stream', url: `openai-file:${p.file_id}` });
    } else if (p.type === 'input_file') {
      const name = str(p.filename);
      const url = str(p.file_url) ?? (typeof p.file_id === 'string' ? `openai-file:${p.file_id}` : undefined);
      const inline = typeof p.file_data === 'string' ? decodeDataUrl(p.file_data) : undefined;
      if (inline !== undefined) parts.push({ type: 'file', mime: inline.mime, data: inline.data, ...(name === undefined ? {} : { name }) });
      else if (url !== undefined) parts.push({ type: 'file', mime: 'application/octet-stream', url, ...(name === undefined ? {} : { name }) });
    }
  }
  return parts;
}

/** The turn that mirrors `item`, or undefined for an item kind (or an empty message) a turn cannot express. */
export function itemToTurn(item: ResponseItem): TurnInput | undefined {
  const metadata: JsonObject = { openai_item_id: item.id ?? null, openai_type: item.type ?? 'message' };
  if (item.type === 'message') {
    const role: Role = item.role === 'developer' || item.role === 'system' ? 'system' : item.role === 'assistant' ? 'assistant' : 'user';
    const parts = contentParts(item.content);
    return parts.length === 0 ? undefined : { role, content: parts, metadata };
  }
  if (item.type === 'function_call') {
    return { role: 'assistant', content: [{ type: 'tool_call', id: str(item.call_id) ?? '', name: str(item.name) ?? '', arguments: str(item.arguments) ?? '' }], metadata };
  }
  if (item.type === 'function_call_output') {
    const output = typeof item.output === 'string' ? item.output : JSON.stringify(item.output ?? '');
    return { role: 'tool', content: [{ type: 'tool_result', tool_call_id: str(item.call_id) ?? '', content: output }], metadata };
  }
  return undefined;
}

/** The text of `item` for token estimates (its JSON when it has no text of its own). */
export function itemText(item: ResponseItem): string {
  if (item.type === 'message' && Array.isArray(item.content)) {
    return item.content.map((p) => str(obj(p)?.text) ?? (obj(p)?.type === 'input_image' ? '[image]' : '')).join('\n');
  }
  return JSON.stringify(item);
}
