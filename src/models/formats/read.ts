/**
 * @module models/formats/read
 * Provider JSON as it arrives (parsed, unchecked: a Responses item kept verbatim, a line of a chat log) read into
 * the typed formats of this folder, as leniently as the providers themselves read it: a string `content`, the
 * legacy `text` content type, an `image_url` given as a bare string, a non-string function output (kept as its
 * JSON), missing strings as empty. What has no typed form (an unknown content or item type, an annotation other
 * than a URL citation) is left out; the caller keeps the raw JSON if it needs it.
 */
import type { ChatContentPart, ChatMessage } from './openai-chat.ts';
import type { ResponsesContent, ResponsesItem, UrlCitation } from './openai-responses.ts';

type Raw = Record<string, unknown>;

const obj = (v: unknown): Raw | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** `{key: v}` when `v` is a string, else nothing: optional fields stay absent rather than undefined. */
const optStr = <K extends string>(key: K, v: unknown): { [k in K]?: string } => (typeof v === 'string' ? ({ [key]: v } as { [k in K]: string }) : {});
const DETAILS = new Set(['auto', 'low', 'high']);
type Detail = 'auto' | 'low' | 'high';
const detailOf = (v: unknown): { detail?: Detail } => (typeof v === 'string' && DETAILS.has(v) ? { detail: v as Detail } : {});

function citations(v: unknown): { annotations?: UrlCitation[] } {
  if (!Array.isArray(v)) return {};
  const out: UrlCitation[] = [];
  for (const raw of v) {
    const a = obj(raw);
    const url = str(a?.url);
    if (a?.type !== 'url_citation' || url === undefined) continue;
    out.push({ type: 'url_citation', url, title: str(a.title) ?? url, start_index: num(a.start_index) ?? 0, end_index: num(a.end_index) ?? 0 });
  }
  return out.length === 0 ? {} : { annotations: out };
}

/** One content part of a Responses message, or undefined for a kind with no typed form. */
export function readResponsesContent(raw: unknown): ResponsesContent | undefined {
  const c = obj(raw);
  switch (c?.type) {
    case 'input_text':
    case 'text':
      return { type: 'input_text', text: str(c.text) ?? '' };
    case 'output_text':
      return { type: 'output_text', text: str(c.text) ?? '', ...citations(c.annotations) };
    case 'refusal':
      return { type: 'refusal', refusal: str(c.refusal) ?? '' };
    case 'input_image':
      if (typeof c.image_url !== 'string' && typeof c.file_id !== 'string') return undefined;
      return { type: 'input_image', ...optStr('image_url', c.image_url), ...optStr('file_id', c.file_id), ...detailOf(c.detail) };
    case 'input_audio': {
      const a = obj(c.input_audio);
      const format = a?.format;
      return typeof a?.data === 'string' && (format === 'wav' || format === 'mp3') ? { type: 'input_audio', input_audio: { data: a.data, format } } : undefined;
    }
    case 'input_file':
      return { type: 'input_file', ...optStr('filename', c.filename), ...optStr('file_data', c.file_data), ...optStr('file_url', c.file_url), ...optStr('file_id', c.file_id) };
    default:
      return undefined;
  }
}

const ITEM_ROLES = new Set(['user', 'assistant', 'system', 'developer']);

/**
 * One Responses item as sent or stored (a bare `{role, content}` is a message; a role the API does not know is
 * read as user), or undefined for an item kind with no typed form (web search calls, MCP items…).
 */
export function readResponsesItem(raw: unknown): ResponsesItem | undefined {
  const item = obj(raw);
  if (item === undefined) return undefined;
  const type = str(item.type) ?? (item.role !== undefined ? 'message' : undefined);
  switch (type) {
    case 'message': {
      const role = (ITEM_ROLES.has(str(item.role) ?? '') ? item.role : 'user') as 'user' | 'assistant' | 'system' | 'developer';
      const content = typeof item.content === 'string' ? [role === 'assistant' ? { type: 'output_text', text: item.content } : { type: 'input_text', text: item.content }] : item.content;
      const parts = Array.isArray(content) ? content.flatMap((c) => readResponsesContent(c) ?? []) : [];
      return { type: 'message', role, content: parts };
    }
    case 'function_call':
      return { type: 'function_call', call_id: str(item.call_id) ?? '', name: str(item.name) ?? '', arguments: str(item.arguments) ?? '' };
    case 'function_call_output':
      return { type: 'function_call_output', call_id: str(item.call_id) ?? '', output: typeof item.output === 'string' ? item.output : JSON.stringify(item.output ?? '') };
    case 'reasoning': {
      const summary = (Array.isArray(item.summary) ? item.summary : []).flatMap((s) => (typeof obj(s)?.text === 'string' ? [{ type: 'summary_text' as const, text: obj(s)!.text as string }] : []));
      return { type: 'reasoning', summary, ...optStr('encrypted_content', item.encrypted_content) };
    }
    default:
      return undefined;
  }
}

function chatContent(raw: unknown): ChatContentPart | undefined {
  const c = obj(raw);
  switch (c?.type) {
    case 'text':
      return typeof c.text === 'string' ? { type: 'text', text: c.text } : undefined;
    case 'image_url': {
      // Early clients sent `image_url` as the URL itself.
      const image = typeof c.image_url === 'string' ? { url: c.image_url } : obj(c.image_url);
      const url = str(image?.url);
      return url === undefined ? undefined : { type: 'image_url', image_url: { url, ...detailOf(image?.detail) } };
    }
    case 'input_audio': {
      const a = obj(c.input_audio);
      return typeof a?.data === 'string' && typeof a.format === 'string' ? { type: 'input_audio', input_audio: { data: a.data, format: a.format } } : undefined;
    }
    case 'file': {
      const f = obj(c.file) ?? {};
      return { type: 'file', file: { ...optStr('filename', f.filename), ...optStr('file_data', f.file_data), ...optStr('file_id', f.file_id) } };
    }
    default:
      return undefined;
  }
}

const CHAT_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/**
 * One OpenAI chat message of a log or request, read leniently (content parts of unknown kinds left out, a tool
 * message's non-text content as its JSON, missing call fields empty). Throws a plain Error naming `at` (e.g.
 * `messages[3]`) when the role is not a chat role, for the caller to turn into its own error.
 */
export function readChatMessage(raw: unknown, at: string): ChatMessage {
  const m = obj(raw);
  if (m === undefined) throw new Error(`${at} must be an object`);
  if (typeof m.role !== 'string' || !CHAT_ROLES.has(m.role)) throw new Error(`${at}.role ${JSON.stringify(m.role)} is not system|developer|user|assistant|tool`);
  const role = m.role as ChatMessage['role'];
  const name = optStr('name', m.name);
  if (role === 'tool') {
    const content = typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? (m.content.flatMap((c) => chatContent(c) ?? []) as ChatContentPart[]) : '';
    return { role, tool_call_id: str(m.tool_call_id) ?? '', content, ...name };
  }
  const content = typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? m.content.flatMap((c) => chatContent(c) ?? []) : null;
  const calls = (Array.isArray(m.tool_calls) ? m.tool_calls : []).map((raw) => {
    const c = obj(raw) ?? {};
    const f = obj(c.function) ?? {};
    return { id: str(c.id) ?? '', type: 'function' as const, function: { name: str(f.name) ?? '', arguments: str(f.arguments) ?? '' } };
  });
  return { role, content, ...name, ...(calls.length === 0 ? {} : { tool_calls: calls }) };
}
