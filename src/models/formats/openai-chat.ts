/**
 * @module models/formats/openai-chat
 * The OpenAI chat-completions message format, and how a stored turn is rendered into it: text and media become
 * the message's `content`, tool calls become an assistant message's `tool_calls`, and each tool result its own
 * `tool` message. A call whose result is not in the window (or a result whose call is not) is rendered as text,
 * so the messages are always a valid request.
 */
import { isMediaPart, type MediaPart, type Part, type Turn } from '../../core/types.ts';
import { mediaText, partScoringText, partWindowText, type PartTextOptions } from '../part-text.ts';
import { decodeDataUrl, imageMimeOf, pairedIds, type FormatTurn } from './media.ts';

/** A tool call in an OpenAI chat message. */
export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A content part of an OpenAI chat message. */
export type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } }
  | { type: 'input_audio'; input_audio: { data: string; format: string } }
  | { type: 'file'; file: { filename?: string; file_data?: string; file_id?: string } };

/** An OpenAI chat-completions message. */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: string | ChatContentPart[] | null;
  name?: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
}

/** How to render a turn. */
export interface RenderOptions extends PartTextOptions {
  /** Whether the call/result with this id has its other half in the same window. @default every id is paired */
  isPaired?: (toolCallId: string) => boolean;
  /**
   * Render for a log (an export), not a model call: the turn's `name` as stored (not made acceptable to OpenAI),
   * and several text parts as as many text content parts (not joined by newlines), so reading it back gives the
   * same parts. @default false
   */
  verbatim?: boolean;
}

const NAME_BAD = /[^A-Za-z0-9_-]/g;

/** A turn's `name` made acceptable to OpenAI (`^[A-Za-z0-9_-]{1,64}$`), or undefined when nothing is left. */
export function chatName(name: string | null): string | undefined {
  if (name === null) return undefined;
  const n = name.replace(NAME_BAD, '_').slice(0, 64);
  return n.length === 0 ? undefined : n;
}

/**
 * Pixel sizes of the image content parts this module built from image parts that give `width` and `height`, so
 * token counting can use OpenAI's tile rule (models/tokens.ts) without a non-standard field in the message.
 */
export const IMAGE_SIZES = new WeakMap<ChatContentPart, { width: number; height: number }>();

function dataUrl(p: MediaPart): string {
  return p.url ?? `data:${p.mime};base64,${Buffer.from(p.data!.buffer, p.data!.byteOffset, p.data!.byteLength).toString('base64')}`;
}

const AUDIO_FORMATS: Record<string, string> = { 'audio/wav': 'wav', 'audio/x-wav': 'wav', 'audio/mpeg': 'mp3', 'audio/mp3': 'mp3' };

/**
 * A media part as an OpenAI content part (user messages only), or undefined when it has no such form (video; a
 * blob reference, whose bytes are not in the turn; a document with extracted text, which goes in as that text).
 */
function mediaContent(p: MediaPart): ChatContentPart | undefined {
  if (p.type === 'image') {
    if (p.url === undefined && p.data === undefined) return undefined;
    const c: ChatContentPart = { type: 'image_url', image_url: p.detail === undefined ? { url: dataUrl(p) } : { url: dataUrl(p), detail: p.detail } };
    if (p.width !== undefined && p.height !== undefined) IMAGE_SIZES.set(c, { width: p.width, height: p.height });
    return c;
  }
  if (p.data === undefined || p.type === 'video' || (p.type === 'document' && p.text !== undefined)) return undefined;
  const b64 = Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength).toString('base64');
  if (p.type === 'audio') {
    const format = AUDIO_FORMATS[p.mime];
    return format === undefined ? undefined : { type: 'input_audio', input_audio: { data: b64, format } };
  }
  return { type: 'file', file: { filename: p.name ?? 'file', file_data: `data:${p.mime};base64,${b64}` } };
}

/**
 * The chat messages of one stored turn (one or more): the turn's own message, then one `tool` message per tool
 * result. Media become content parts in user messages and `[image: name]` placeholders elsewhere (with their
 * transcript or extracted text); other parts become their text (models/part-text.ts), reasoning only when
 * `includeReasoning`.
 */
export function turnToMessages(turn: Pick<Turn, 'role' | 'parts'> & { name?: string | null }, opts: RenderOptions = {}): ChatMessage[] {
  const paired = opts.isPaired ?? (() => true);
  const texts: string[] = [];
  const parts: ChatContentPart[] = [];
  let rich = false;
  const calls: ChatToolCall[] = [];
  const tools: ChatMessage[] = [];
  const user = turn.role === 'user';
  const addText = (t: string) => {
    texts.push(t);
    parts.push({ type: 'text', text: t });
  };
  for (const p of turn.parts) {
    switch (p.type) {
      case 'text':
        addText(p.text);
        break;
      case 'tool_call':
        if (paired(p.id)) calls.push({ id: p.id, type: 'function', function: { name: p.name, arguments: p.arguments } });
        else addText(`[tool call ${p.name}(${p.arguments})]`);
        break;
      case 'tool_result': {
        const content = p.is_error === true ? `Error: ${p.content}` : p.content;
        if (paired(p.tool_call_id)) tools.push({ role: 'tool', tool_call_id: p.tool_call_id, content });
        else addText(`[tool result ${p.tool_call_id}] ${content}`);
        break;
      }
      default: {
        if (!isMediaPart(p)) {
          const t = partWindowText(p, opts);
          if (t !== undefined) addText(t);
          break;
        }
        const c = user ? mediaContent(p) : undefined;
        if (c !== undefined) {
          parts.push(c);
          rich = true;
        } else addText(mediaText(p));
      }
    }
  }
  const out: ChatMessage[] = [];
  const name = opts.verbatim === true ? (turn.name ?? undefined) : chatName(turn.name ?? null);
  if (opts.verbatim === true && texts.length > 1) rich = true;
  // A tool turn's own text rides on its (first) tool message; without one it would be an orphan `tool` message.
  if (turn.role === 'tool' && tools.length > 0 && calls.length === 0) {
    if (texts.length > 0) tools[0]!.content = `${tools[0]!.content as string}\n${texts.join('\n')}`;
    return tools;
  }
  const hasContent = texts.length > 0 || rich;
  if (hasContent || calls.length > 0 || tools.length === 0) {
    const role = calls.length > 0 ? 'assistant' : turn.role === 'tool' ? 'user' : turn.role;
    const prefix = turn.role === 'tool' && calls.length === 0 ? '[tool] ' : '';
    const content = rich ? parts : hasContent ? prefix + texts.join('\n') : calls.length > 0 ? null : '';
    const m: ChatMessage = { role, content };
    if (name !== undefined) m.name = name;
    if (calls.length > 0) m.tool_calls = calls;
    out.push(m);
  }
  out.push(...tools);
  return out;
}

/**
 * The plain text a turn carries, for scoring: text parts, tool call names and arguments, tool results, and the
 * words of every other part ({@link partScoringText}); reasoning only when `includeReasoning`.
 */
export function turnText(turn: Turn, opts: PartTextOptions = {}): string {
  const out: string[] = [];
  for (const p of turn.parts) {
    const t = partScoringText(p, opts);
    // Text, tool calls and results count even when empty (as they always have); other parts only with words.
    if (t.length > 0 || p.type === 'text' || p.type === 'tool_call' || p.type === 'tool_result') out.push(t);
  }
  return out.join('\n');
}

/**
 * Turns as OpenAI chat messages ({@link turnToMessages} for each; calls and results paired across all of them
 * unless `opts.isPaired` decides, as an export does that sends every call and result natively):
 * text, images (URL or inline), WAV/MP3 audio and inline files as content parts of user messages, tool calls and
 * results natively; everything else as text (models/part-text.ts). A blob reference becomes its text label: its
 * bytes are not in the turn.
 */
export function toOpenAiChat(turns: readonly FormatTurn[], opts: RenderOptions = {}): ChatMessage[] {
  const isPaired = opts.isPaired ?? pairedIds(turns);
  return turns.flatMap((t) => turnToMessages(t, { ...opts, isPaired }));
}

const AUDIO_MIME: Record<string, string> = { wav: 'audio/wav', mp3: 'audio/mpeg' };

function contentPart(c: ChatContentPart): Part | undefined {
  switch (c.type) {
    case 'text':
      return { type: 'text', text: c.text };
    case 'image_url': {
      const inline = decodeDataUrl(c.image_url.url);
      const source = inline ?? { mime: imageMimeOf(c.image_url.url), url: c.image_url.url };
      return c.image_url.detail === undefined ? { type: 'image', ...source } : { type: 'image', ...source, detail: c.image_url.detail };
    }
    case 'input_audio':
      return { type: 'audio', mime: AUDIO_MIME[c.input_audio.format] ?? `audio/${c.input_audio.format}`, data: new Uint8Array(Buffer.from(c.input_audio.data, 'base64')) };
    case 'file': {
      const name = c.file.filename === undefined ? {} : { name: c.file.filename };
      const inline = c.file.file_data === undefined ? undefined : decodeDataUrl(c.file.file_data);
      if (inline !== undefined) return { type: 'file', ...inline, ...name };
      return c.file.file_id === undefined ? undefined : { type: 'file', mime: 'application/octet-stream', url: `openai-file:${c.file.file_id}`, ...name };
    }
    default:
      return undefined;
  }
}

/**
 * OpenAI chat messages as turns, one per message: `developer` is a system turn, a `tool` message a tool turn with
 * one tool result, `tool_calls` tool-call parts; content parts map back to text, image, audio and file parts (a
 * `file_id` becomes the URL `openai-file:<id>`). A message with nothing in it is one empty text part.
 */
export function fromOpenAiChat(messages: readonly ChatMessage[]): FormatTurn[] {
  return messages.map((m) => {
    const name = m.name === undefined ? {} : { name: m.name };
    if (m.role === 'tool') {
      const content = typeof m.content === 'string' ? m.content : (m.content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('');
      return { role: 'tool', parts: [{ type: 'tool_result', tool_call_id: m.tool_call_id ?? '', content }], ...name };
    }
    const parts: Part[] = [];
    if (typeof m.content === 'string') {
      if (m.content !== '' || m.tool_calls === undefined) parts.push({ type: 'text', text: m.content });
    } else if (m.content !== null) {
      for (const c of m.content) {
        const p = contentPart(c);
        if (p !== undefined) parts.push(p);
      }
    }
    for (const call of m.tool_calls ?? []) parts.push({ type: 'tool_call', id: call.id, name: call.function.name, arguments: call.function.arguments });
    if (parts.length === 0) parts.push({ type: 'text', text: '' });
    return { role: m.role === 'developer' ? 'system' : m.role, parts, ...name };
  });
}
