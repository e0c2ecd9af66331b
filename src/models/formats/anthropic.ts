/**
 * @module models/formats/anthropic
 * The Anthropic Messages format both ways: `system` apart from `messages`, user and assistant roles alternating
 * (consecutive messages of one role merged, a tool turn's results in a user message, `tool_result` blocks first),
 * text, images and documents (base64, URL or an Anthropic file id), `tool_use`/`tool_result`, and `thinking` with
 * its signature (`redacted_thinking` is a reasoning part with empty text). Everything else — audio, video, other
 * files, blob references, citations, the non-media parts — is sent as its text (models/part-text.ts).
 */
import type { Json, JsonObject, MediaPart, Part } from '../../core/types.ts';
import { isMediaPart } from '../../core/types.ts';
import { mediaText, partWindowText, type PartTextOptions } from '../part-text.ts';
import { base64, fromBase64, imageMimeOf, pairedIds, type FormatTurn } from './media.ts';

/** Where an Anthropic image or document's bytes are. */
export type AnthropicSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string }
  | { type: 'text'; media_type: 'text/plain'; data: string }
  | { type: 'file'; file_id: string };

/** A citation on an Anthropic text block (read, never written: see the module note). */
export interface AnthropicCitation {
  type: string;
  url?: string;
  title?: string | null;
  cited_text?: string;
}

/** An Anthropic content block. */
export type AnthropicBlock =
  | { type: 'text'; text: string; citations?: AnthropicCitation[] }
  | { type: 'image'; source: AnthropicSource }
  | { type: 'document'; source: AnthropicSource; title?: string }
  | { type: 'tool_use'; id: string; name: string; input: JsonObject }
  | { type: 'tool_result'; tool_use_id: string; content: string | AnthropicBlock[]; is_error?: boolean }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string };

/** An Anthropic message. */
export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

/** What an Anthropic Messages request carries of a conversation: the system text apart from the messages. */
export interface AnthropicConversation {
  system?: { type: 'text'; text: string }[];
  messages: AnthropicMessage[];
}

/** Image types the Messages API takes inline. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const FILE_URL = 'anthropic-file:';

function source(p: MediaPart): AnthropicSource | undefined {
  if (p.url?.startsWith(FILE_URL) === true) return { type: 'file', file_id: p.url.slice(FILE_URL.length) };
  if (p.url !== undefined) return { type: 'url', url: p.url };
  if (p.data === undefined) return undefined;
  if (p.mime === 'text/plain') return { type: 'text', media_type: 'text/plain', data: Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength).toString('utf8') };
  return { type: 'base64', media_type: p.mime, data: base64(p.data) };
}

/** A media part as an image or document block, or undefined when the API has no block for it. */
function mediaBlock(p: MediaPart): AnthropicBlock | undefined {
  if (p.type === 'image') {
    const s = source(p);
    return s === undefined || s.type === 'text' || (s.type === 'base64' && !IMAGE_TYPES.has(p.mime)) ? undefined : { type: 'image', source: s };
  }
  if (p.type !== 'document' && p.type !== 'file') return undefined;
  const title = p.type === 'document' && p.title !== undefined ? { title: p.title } : {};
  const s = p.mime === 'application/pdf' || p.mime === 'text/plain' || p.url?.startsWith(FILE_URL) === true ? source(p) : undefined;
  if (s !== undefined) return { type: 'document', source: s, ...title };
  // A document whose bytes are elsewhere (a blob) or of another type goes in as its extracted text.
  return p.type === 'document' && p.text !== undefined ? { type: 'document', source: { type: 'text', media_type: 'text/plain', data: p.text }, ...title } : undefined;
}

/** Tool arguments as the object `input` takes: JSON text that is not an object is kept as `{arguments: text}`. */
function toolInput(args: string): JsonObject {
  try {
    const v = JSON.parse(args) as Json;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v;
  } catch {
    // Not JSON: kept verbatim below, since a model may emit arguments that do not parse.
  }
  return { arguments: args };
}

const textBlock = (text: string): AnthropicBlock => ({ type: 'text', text });

/** One turn's blocks: its own (for its role) and its tool results (for a user message after it). */
function turnBlocks(t: FormatTurn, paired: (id: string) => boolean, opts: PartTextOptions): { own: AnthropicBlock[]; results: AnthropicBlock[] } {
  const own: AnthropicBlock[] = [];
  const results: AnthropicBlock[] = [];
  const text = (s: string | undefined) => {
    // The API refuses empty text blocks.
    if (s !== undefined && s !== '') own.push(textBlock(s));
  };
  for (const p of t.parts) {
    if (p.type === 'text') text(p.text);
    else if (p.type === 'tool_call') {
      if (paired(p.id) && t.role === 'assistant') own.push({ type: 'tool_use', id: p.id, name: p.name, input: toolInput(p.arguments) });
      else text(`[tool call ${p.name}(${p.arguments})]`);
    } else if (p.type === 'tool_result') {
      if (paired(p.tool_call_id)) results.push({ type: 'tool_result', tool_use_id: p.tool_call_id, content: p.content, ...(p.is_error === true ? { is_error: true } : {}) });
      else text(`[tool result ${p.tool_call_id}] ${p.is_error === true ? `Error: ${p.content}` : p.content}`);
    } else if (p.type === 'reasoning' && opts.includeReasoning === true && t.role === 'assistant' && p.signature !== undefined) {
      own.push(p.text === '' ? { type: 'redacted_thinking', data: p.signature } : { type: 'thinking', thinking: p.text, signature: p.signature });
    } else if (isMediaPart(p)) {
      const b = mediaBlock(p);
      if (b !== undefined) own.push(b);
      else text(mediaText(p));
    } else text(partWindowText(p, opts));
  }
  return { own, results };
}

/** Append `m`, merged into the previous message when it has the same role (tool results kept first). */
function pushMerged(out: AnthropicMessage[], m: AnthropicMessage): void {
  if (m.content.length === 0) return;
  const last = out.at(-1);
  if (last === undefined || last.role !== m.role) {
    out.push({ role: m.role, content: [...m.content] });
    return;
  }
  const all = [...last.content, ...m.content];
  // The API wants a user message's tool_result blocks before its other content.
  last.content = [...all.filter((b) => b.type === 'tool_result'), ...all.filter((b) => b.type !== 'tool_result')];
}

/**
 * Turns as an Anthropic conversation: each system turn one `system` text block (its parts as text), the others
 * messages (tool turns as user messages), merged so roles alternate. Calls and results are paired across `turns`;
 * an unpaired one is text. Reasoning with a signature becomes `thinking` in assistant messages when
 * `includeReasoning` (unsigned reasoning is text then; left out otherwise).
 */
export function toAnthropic(turns: readonly FormatTurn[], opts: PartTextOptions = {}): AnthropicConversation {
  const paired = pairedIds(turns);
  const system: { type: 'text'; text: string }[] = [];
  const messages: AnthropicMessage[] = [];
  for (const t of turns) {
    const { own, results } = turnBlocks(t, paired, opts);
    if (t.role === 'system') {
      const text = own.map((b) => (b.type === 'text' ? b.text : b.type === 'document' && b.source.type === 'text' ? b.source.data : '')).filter((s) => s !== '').join('\n');
      if (text !== '') system.push({ type: 'text', text });
      pushMerged(messages, { role: 'user', content: results });
      continue;
    }
    pushMerged(messages, { role: t.role === 'assistant' ? 'assistant' : 'user', content: own });
    pushMerged(messages, { role: 'user', content: results });
  }
  return system.length === 0 ? { messages } : { system, messages };
}

function mediaFrom(kind: 'image' | 'document', s: AnthropicSource, title: string | undefined): Part {
  const named = kind === 'document' && title !== undefined ? { title } : {};
  switch (s.type) {
    case 'base64':
      return { type: kind, mime: s.media_type, data: fromBase64(s.data), ...named };
    case 'text':
      return { type: kind, mime: 'text/plain', data: new Uint8Array(Buffer.from(s.data, 'utf8')), ...named };
    case 'url':
      return { type: kind, mime: kind === 'image' ? imageMimeOf(s.url) : 'application/pdf', url: s.url, ...named };
    case 'file':
      return { type: kind, mime: 'application/octet-stream', url: `${FILE_URL}${s.file_id}`, ...named };
  }
}

function blockParts(b: AnthropicBlock): Part[] {
  switch (b.type) {
    case 'text': {
      const cites: Part[] = (b.citations ?? []).flatMap((c) =>
        c.url === undefined ? [] : [{ type: 'citation' as const, url: c.url, ...(typeof c.title === 'string' ? { title: c.title } : {}), ...(c.cited_text === undefined ? {} : { snippet: c.cited_text }) }],
      );
      return [{ type: 'text', text: b.text }, ...cites];
    }
    case 'image':
      return [mediaFrom('image', b.source, undefined)];
    case 'document':
      return [mediaFrom('document', b.source, b.title)];
    case 'tool_use':
      return [{ type: 'tool_call', id: b.id, name: b.name, arguments: JSON.stringify(b.input) }];
    case 'tool_result': {
      const content = typeof b.content === 'string' ? b.content : b.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
      return [{ type: 'tool_result', tool_call_id: b.tool_use_id, content, ...(b.is_error === true ? { is_error: true } : {}) }];
    }
    case 'thinking':
      return [{ type: 'reasoning', text: b.thinking, signature: b.signature }];
    case 'redacted_thinking':
      return [{ type: 'reasoning', text: '', signature: b.data }];
  }
}

/**
 * An Anthropic conversation as turns: each `system` block (or the `system` string) a system turn, each message one
 * turn — a user message of tool results only is a tool turn. A string `content` is one text part; citations with a
 * URL follow their text as citation parts; `tool_use.input` becomes its JSON text.
 */
export function fromAnthropic(conv: { system?: string | { type: 'text'; text: string }[]; messages: readonly { role: 'user' | 'assistant'; content: string | AnthropicBlock[] }[] }): FormatTurn[] {
  const system = typeof conv.system === 'string' ? [{ type: 'text' as const, text: conv.system }] : (conv.system ?? []);
  const turns: FormatTurn[] = system.map((b) => ({ role: 'system', parts: [{ type: 'text', text: b.text }] }));
  for (const m of conv.messages) {
    const blocks = typeof m.content === 'string' ? [textBlock(m.content)] : m.content;
    const parts = blocks.flatMap(blockParts);
    const onlyResults = m.role === 'user' && parts.length > 0 && parts.every((p) => p.type === 'tool_result');
    turns.push({ role: onlyResults ? 'tool' : m.role, parts: parts.length === 0 ? [{ type: 'text', text: '' }] : parts });
  }
  return turns;
}
