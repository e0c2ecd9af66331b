/**
 * @module models/part-text
 * What each part type becomes as text: in a context window (for parts a chat message has no native form for) and
 * for scoring (BM25, embeddings, importance). Reasoning parts are left out of both unless asked for: a model's
 * earlier thoughts are rarely worth their tokens to the next call, and some providers refuse them as input.
 */
import type { MediaPart, Part } from '../core/types.ts';

/** Which parts to render. */
export interface PartTextOptions {
  /** Include reasoning parts (as `[reasoning] …`). @default false */
  includeReasoning?: boolean;
}

function mediaLabel(p: MediaPart): string {
  const label = (p.type === 'image' || p.type === 'video' ? p.caption : undefined) ?? (p.type === 'document' ? p.title : undefined) ?? p.name ?? p.url?.slice(0, 200) ?? p.mime;
  const pages = p.type === 'document' && p.pages !== undefined ? `, ${p.pages} page${p.pages === 1 ? '' : 's'}` : '';
  return `[${p.type}: ${label}${pages}]`;
}

/**
 * A media part as text: its label (`[image: caption]`, `[document: title, 3 pages]`), then the text it carries
 * (an audio or video transcript, a document's extracted text) on the following lines.
 */
export function mediaText(p: MediaPart): string {
  const body = p.type === 'audio' || p.type === 'video' ? p.transcript : p.type === 'document' ? p.text : undefined;
  return body === undefined || body.length === 0 ? mediaLabel(p) : `${mediaLabel(p)}\n${body}`;
}

function seriesText(p: Extract<Part, { type: 'time_series' }>): string {
  const channels = p.channels.map((c, i) => (p.units?.[i] ? `${c} (${p.units[i]})` : c)).join(', ');
  return `[time series ${p.tensor}: ${channels}; from ${new Date(p.start_ms).toISOString()} every ${p.interval_ms} ms]`;
}

/**
 * The text a non-media part shows in a context window, or undefined for parts rendered otherwise (text, tool
 * calls and results, media) or left out (reasoning, unless `includeReasoning`).
 */
export function partWindowText(p: Part, opts: PartTextOptions = {}): string | undefined {
  switch (p.type) {
    case 'data':
      return `[data] ${JSON.stringify(p.value)}`;
    case 'code':
      return `\`\`\`${p.language}${p.path === undefined ? '' : ` ${p.path}`}\n${p.code}\n\`\`\``;
    case 'reasoning':
      return opts.includeReasoning === true ? `[reasoning] ${p.text}` : undefined;
    case 'citation':
      return `[citation: ${p.title ?? p.url}](${p.url})${p.snippet === undefined ? '' : `\n${p.snippet}`}`;
    case 'location': {
      const place = [p.name, p.address].filter((s) => s !== undefined && s.length > 0).join(', ');
      return `[location: ${place.length > 0 ? `${place} ` : ''}(${p.lat}, ${p.lon})]`;
    }
    case 'ui_event':
      return `[ui_event: ${p.action} ${p.element}${p.value === undefined ? '' : ` = ${JSON.stringify(p.value)}`}]`;
    case 'time_series':
      return seriesText(p);
    case 'tensor':
      return `[tensor: ${p.name}]`;
    default:
      return undefined;
  }
}

/**
 * The words of a part for scoring: what a reader would search it by (text, tool names and arguments, results,
 * captions, transcripts, document text, data, code, citations, places, UI actions, channel names). Empty for a
 * part with none (a tensor, a bare media reference) and for reasoning unless `includeReasoning`.
 */
export function partScoringText(p: Part, opts: PartTextOptions = {}): string {
  switch (p.type) {
    case 'text':
      return p.text;
    case 'tool_call':
      return `${p.name} ${p.arguments}`;
    case 'tool_result':
      return p.content;
    case 'image':
      return p.caption ?? '';
    case 'audio':
      return p.transcript ?? '';
    case 'video':
      return [p.caption, p.transcript].filter((s) => s !== undefined).join('\n');
    case 'document':
      return [p.title, p.text].filter((s) => s !== undefined).join('\n');
    case 'file':
    case 'tensor':
      return '';
    default:
      return partWindowText(p, opts) ?? '';
  }
}
