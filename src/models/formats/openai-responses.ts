/**
 * @module models/formats/openai-responses
 * OpenAI Responses API input items both ways: messages (text, and in user messages images, WAV/MP3 audio and
 * files by data URL, URL or OpenAI file id), `function_call` / `function_call_output`, `reasoning` (its summary
 * text, `encrypted_content` as the signature) and URL citations as `output_text` annotations. Everything else —
 * video, blob references, the non-media parts — is sent as its text (models/part-text.ts).
 */
import { isMediaPart, type MediaPart, type Part } from '../../core/types.ts';
import { mediaText, partWindowText, type PartTextOptions } from '../part-text.ts';
import { base64, dataUrlOf, decodeDataUrl, fromBase64, imageMimeOf, pairedIds, type FormatTurn } from './media.ts';

/** A URL citation on an `output_text` (character offsets into its text). */
export interface UrlCitation {
  type: 'url_citation';
  url: string;
  title: string;
  start_index: number;
  end_index: number;
}

/** A content part of a Responses message. */
export type ResponsesContent =
  | { type: 'input_text'; text: string }
  | { type: 'output_text'; text: string; annotations?: UrlCitation[] }
  | { type: 'refusal'; refusal: string }
  | { type: 'input_image'; image_url?: string; file_id?: string; detail?: 'auto' | 'low' | 'high' }
  | { type: 'input_audio'; input_audio: { data: string; format: 'wav' | 'mp3' } }
  | { type: 'input_file'; filename?: string; file_data?: string; file_url?: string; file_id?: string };

/** A Responses API input item. */
export type ResponsesItem =
  | { type: 'message'; role: 'user' | 'assistant' | 'system' | 'developer'; content: ResponsesContent[] }
  | { type: 'function_call'; call_id: string; name: string; arguments: string }
  | { type: 'function_call_output'; call_id: string; output: string }
  | { type: 'reasoning'; summary: { type: 'summary_text'; text: string }[]; encrypted_content?: string };

const FILE_URL = 'openai-file:';
const AUDIO_FORMATS: Record<string, 'wav' | 'mp3'> = { 'audio/wav': 'wav', 'audio/x-wav': 'wav', 'audio/mpeg': 'mp3', 'audio/mp3': 'mp3' };

/** A media part as a user-message content part, or undefined when it goes in as text. */
function mediaContent(p: MediaPart): ResponsesContent | undefined {
  const fileId = p.url?.startsWith(FILE_URL) === true ? p.url.slice(FILE_URL.length) : undefined;
  if (p.type === 'image') {
    const detail = p.detail ?? 'auto';
    if (fileId !== undefined) return { type: 'input_image', file_id: fileId, detail };
    const url = p.url ?? dataUrlOf(p);
    return url === undefined ? undefined : { type: 'input_image', image_url: url, detail };
  }
  if (p.type === 'audio') {
    const format = AUDIO_FORMATS[p.mime];
    return p.data === undefined || format === undefined ? undefined : { type: 'input_audio', input_audio: { data: base64(p.data), format } };
  }
  // Video has no input form; a document with extracted text goes in as that text (as in the chat format).
  if (p.type === 'video' || (p.type === 'document' && p.text !== undefined)) return undefined;
  const filename = p.name === undefined ? {} : { filename: p.name };
  if (fileId !== undefined) return { type: 'input_file', file_id: fileId, ...filename };
  if (p.url !== undefined) return { type: 'input_file', file_url: p.url, ...filename };
  const data = dataUrlOf(p);
  return data === undefined ? undefined : { type: 'input_file', filename: p.name ?? 'file', file_data: data };
}

/** Builds one turn's items, keeping the order of its parts (a message is closed by a call or reasoning). */
class TurnItems {
  readonly items: ResponsesItem[] = [];
  private content: ResponsesContent[] = [];
  private readonly role: 'user' | 'assistant' | 'system';
  constructor(role: 'user' | 'assistant' | 'system') {
    this.role = role;
  }

  text(text: string): void {
    this.content.push(this.role === 'assistant' ? { type: 'output_text', text } : { type: 'input_text', text });
  }
  part(c: ResponsesContent): void {
    this.content.push(c);
  }
  cite(url: string, title: string | undefined): void {
    let last = this.content.at(-1);
    if (last?.type !== 'output_text') {
      last = { type: 'output_text', text: '' };
      this.content.push(last);
    }
    (last.annotations ??= []).push({ type: 'url_citation', url, title: title ?? url, start_index: 0, end_index: last.text.length });
  }
  item(i: ResponsesItem): void {
    this.flush();
    this.items.push(i);
  }
  flush(): ResponsesItem[] {
    if (this.content.length > 0) this.items.push({ type: 'message', role: this.role, content: this.content });
    this.content = [];
    return this.items;
  }
}

function turnItems(t: FormatTurn, paired: (id: string) => boolean, opts: PartTextOptions): ResponsesItem[] {
  const role = t.role === 'tool' ? 'user' : t.role;
  const out = new TurnItems(role);
  for (const p of t.parts) {
    if (p.type === 'text') out.text(p.text);
    else if (p.type === 'tool_call') {
      if (paired(p.id)) out.item({ type: 'function_call', call_id: p.id, name: p.name, arguments: p.arguments });
      else out.text(`[tool call ${p.name}(${p.arguments})]`);
    } else if (p.type === 'tool_result') {
      const output = p.is_error === true ? `Error: ${p.content}` : p.content;
      if (paired(p.tool_call_id)) out.item({ type: 'function_call_output', call_id: p.tool_call_id, output });
      else out.text(`[tool result ${p.tool_call_id}] ${output}`);
    } else if (p.type === 'reasoning' && role === 'assistant' && opts.includeReasoning === true) {
      out.item({ type: 'reasoning', summary: p.text === '' ? [] : [{ type: 'summary_text', text: p.text }], ...(p.signature === undefined ? {} : { encrypted_content: p.signature }) });
    } else if (p.type === 'citation' && role === 'assistant') out.cite(p.url, p.title);
    else if (isMediaPart(p)) {
      const c = role === 'user' ? mediaContent(p) : undefined;
      if (c !== undefined) out.part(c);
      else out.text(mediaText(p));
    } else {
      const text = partWindowText(p, opts);
      if (text !== undefined) out.text(text);
    }
  }
  return out.flush();
}

/**
 * Turns as Responses input items, in order: each turn's text and media as one message (closed by each call or
 * reasoning item), tool calls as `function_call`, results as `function_call_output` (paired across `turns`; an
 * unpaired one is text), reasoning as a `reasoning` item when `includeReasoning`.
 */
export function toResponses(turns: readonly FormatTurn[], opts: PartTextOptions = {}): ResponsesItem[] {
  const paired = pairedIds(turns);
  return turns.flatMap((t) => turnItems(t, paired, opts));
}

function contentParts(c: ResponsesContent): Part[] {
  switch (c.type) {
    case 'input_text':
      return [{ type: 'text', text: c.text }];
    case 'output_text':
      return [{ type: 'text', text: c.text }, ...(c.annotations ?? []).map((a): Part => ({ type: 'citation', url: a.url, title: a.title }))];
    case 'refusal':
      return [{ type: 'text', text: c.refusal }];
    case 'input_image': {
      // `detail` is required by the API's types but absent in what many clients send: absent stays absent.
      const detail = c.detail === undefined ? {} : { detail: c.detail };
      const inline = c.image_url === undefined ? undefined : decodeDataUrl(c.image_url);
      if (inline !== undefined) return [{ type: 'image', ...inline, ...detail }];
      if (c.image_url !== undefined) return [{ type: 'image', mime: imageMimeOf(c.image_url), url: c.image_url, ...detail }];
      return c.file_id === undefined ? [] : [{ type: 'image', mime: 'application/octet-stream', url: `${FILE_URL}${c.file_id}`, ...detail }];
    }
    case 'input_audio':
      return [{ type: 'audio', mime: c.input_audio.format === 'wav' ? 'audio/wav' : 'audio/mpeg', data: fromBase64(c.input_audio.data) }];
    case 'input_file': {
      const name = c.filename === undefined ? {} : { name: c.filename };
      const inline = c.file_data === undefined ? undefined : decodeDataUrl(c.file_data);
      if (inline !== undefined) return [{ type: 'file', ...inline, ...name }];
      const url = c.file_url ?? (c.file_id === undefined ? undefined : `${FILE_URL}${c.file_id}`);
      return url === undefined ? [] : [{ type: 'file', mime: 'application/octet-stream', url, ...name }];
    }
  }
}

/**
 * Responses items as turns, one per item: a message is a turn of its role (`developer` is system; annotations
 * become citation parts after their text), a `function_call` an assistant turn with one tool call, a
 * `function_call_output` a tool turn with one result, `reasoning` an assistant turn with one reasoning part (its
 * summary texts joined by newlines, `encrypted_content` as the signature).
 */
export function fromResponses(items: readonly ResponsesItem[]): FormatTurn[] {
  return items.map((item): FormatTurn => {
    switch (item.type) {
      case 'message': {
        const parts = item.content.flatMap(contentParts);
        return { role: item.role === 'developer' ? 'system' : item.role, parts: parts.length === 0 ? [{ type: 'text', text: '' }] : parts };
      }
      case 'function_call':
        return { role: 'assistant', parts: [{ type: 'tool_call', id: item.call_id, name: item.name, arguments: item.arguments }] };
      case 'function_call_output':
        return { role: 'tool', parts: [{ type: 'tool_result', tool_call_id: item.call_id, content: item.output }] };
      case 'reasoning': {
        const text = item.summary.map((s) => s.text).join('\n');
        return { role: 'assistant', parts: [{ type: 'reasoning', text, ...(item.encrypted_content === undefined ? {} : { signature: item.encrypted_content }) }] };
      }
    }
  });
}
