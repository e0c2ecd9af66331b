/**
 * @module core/parts
 * Validation of the parts of a turn, one checker per part type. A refusal is SIRA_ERR_TURN_INVALID (or
 * SIRA_ERR_PART_DATA_INVALID for a data part whose value breaks its schema) with a sentence naming the field
 * (`turns[0].content[2].lat must be …`) and, in `details.pointer`, the RFC 6901 JSON pointer to it
 * (`/turns/0/content/2/lat`). Parts come back normalised: only known fields, JSON values as plain JSON.
 */
import Schema from 'typebox/schema';
import type { Limits } from './config.ts';
import { siraError, type ErrorCode } from './errors.ts';
import { isValidTensorName } from './ids.ts';
import type {
  AudioPart,
  BlobRef,
  CitationPart,
  CodePart,
  DocumentPart,
  ImagePart,
  Json,
  JsonObject,
  LocationPart,
  MediaPart,
  Part,
  PartType,
  ReasoningPart,
  TensorInfo,
  UiEventPart,
  VideoPart,
} from './types.ts';

/** Where a part is in the request: a path for messages and a JSON pointer for machines. */
export interface PartPlace {
  /** e.g. `turns[0].content[2]` */
  where: string;
  /** e.g. `/turns/0/content/2` */
  pointer: string;
}

/** The part types in the order error messages list them. */
export const PART_TYPES_LISTED: readonly PartType[] = [
  'text',
  'image',
  'audio',
  'video',
  'document',
  'file',
  'data',
  'code',
  'tool_call',
  'tool_result',
  'reasoning',
  'citation',
  'location',
  'ui_event',
  'time_series',
  'tensor',
];

const MIME = /^[\w.+-]+\/[\w.+-]+$/;
const SHA256 = /^[0-9a-f]{64}$/;
// `openai-file:<id>` and `anthropic-file:<id>` name a file held by that provider (models/formats writes them).
const MEDIA_URL = /^(https?|s3|gs|data|openai-file|anthropic-file):/i;
const WEB_URL = /^https?:\/\//i;
const MAX_URL = 8192;
const SHORT = 256;
const MAX_CHANNELS = 4096;
const utf8 = new TextEncoder();

type Raw = Record<string, unknown>;

function pointerOf(place: PartPlace, field: string): string {
  if (field === '') return place.pointer;
  return `${place.pointer}/${field.replace(/\[(\d+)\]/g, '.$1').split('.').map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

function fail(place: PartPlace, field: string, msg: string, code: ErrorCode = 'SIRA_ERR_TURN_INVALID'): never {
  const at = field === '' ? place.where : `${place.where}.${field}`;
  throw siraError(code, `${at} ${msg}`, { details: { pointer: pointerOf(place, field) } });
}

function text(v: unknown, limits: Limits, place: PartPlace, field: string, max = limits.maxTextLength): string {
  if (typeof v !== 'string') fail(place, field, 'must be a string');
  if (v.length > max) fail(place, field, `exceeds ${max} characters`);
  return v;
}

function nonEmpty(v: unknown, limits: Limits, place: PartPlace, field: string, max = SHORT): string {
  const s = text(v, limits, place, field, max);
  if (s.length === 0) fail(place, field, 'must be a non-empty string');
  return s;
}

function count(v: unknown, place: PartPlace, field: string, min: number): number {
  if (!Number.isSafeInteger(v) || (v as number) < min) fail(place, field, `must be an integer ≥ ${min}`);
  return v as number;
}

function number(v: unknown, place: PartPlace, field: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) fail(place, field, `must be a number from ${lo} to ${hi}`);
  return v;
}

/** Copies the optional fields that are present, each through its checker. */
function optional<T extends Part>(out: NoInfer<T>, raw: Raw, checks: { [K in keyof T]?: (v: unknown, field: string) => T[K] }): T {
  const target = out as unknown as Record<string, unknown>;
  for (const [k, check] of Object.entries(checks) as [string, (v: unknown, field: string) => unknown][]) {
    if (raw[k] !== undefined) target[k] = check(raw[k], k);
  }
  return out;
}

/** `v` as plain JSON (what the codec stores and reads back), within `maxBytes` and MAX_JSON_DEPTH. */
function json(v: unknown, maxBytes: number, place: PartPlace, field: string): Json {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    fail(place, field, 'is not JSON');
  }
  if (s === undefined) fail(place, field, 'is not JSON');
  const n = utf8.encode(s).byteLength;
  if (n > maxBytes) fail(place, field, `is ${n} bytes as JSON, limit ${maxBytes}`);
  const out = JSON.parse(s) as Json;
  if (depthOf(out) > 64) fail(place, field, 'nests deeper than 64 levels');
  return out;
}

function depthOf(v: Json): number {
  let max = 0;
  const stack: [Json, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    max = Math.max(max, d + 1);
    for (const y of Array.isArray(x) ? x : Object.values(x)) stack.push([y, d + 1]);
  }
  return max;
}

function blobRef(v: unknown, limits: Limits, place: PartPlace): BlobRef {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(place, 'blob', 'must be {sha256, size, mime}');
  const b = v as Raw;
  if (typeof b.sha256 !== 'string' || !SHA256.test(b.sha256)) fail(place, 'blob.sha256', 'must be 64 lowercase hex digits');
  const size = count(b.size, place, 'blob.size', 0);
  const mime = text(b.mime, limits, place, 'blob.mime', SHORT);
  if (!MIME.test(mime)) fail(place, 'blob.mime', 'must be a media type');
  return { sha256: b.sha256, size, mime };
}

/** The source fields every media part has: exactly one of data, url and blob, and a media type. */
function mediaSource(p: Raw, limits: Limits, place: PartPlace): Omit<MediaPart, 'type'> {
  const given = ['data', 'url', 'blob'].filter((k) => p[k] !== undefined);
  if (given.length !== 1) fail(place, '', given.length === 0 ? 'needs exactly one of data, url or blob' : `needs exactly one of data, url or blob (has ${given.join(' and ')})`);
  const blob = p.blob === undefined ? undefined : blobRef(p.blob, limits, place);
  const mime = p.mime === undefined && blob !== undefined ? blob.mime : p.mime;
  if (typeof mime !== 'string' || mime.length > SHORT || !MIME.test(mime)) fail(place, 'mime', 'must be a media type');
  const out: Omit<MediaPart, 'type'> = { mime };
  if (p.data !== undefined) {
    if (!(p.data instanceof Uint8Array)) fail(place, 'data', 'must be bytes');
    if (p.data.byteLength > limits.maxMediaBytes) fail(place, 'data', `exceeds ${limits.maxMediaBytes} bytes`);
    out.data = p.data;
  } else if (p.url !== undefined) {
    const url = text(p.url, limits, place, 'url');
    if (!MEDIA_URL.test(url) || url.length > MAX_URL) fail(place, 'url', 'must be an http(s), s3, gs, data, openai-file or anthropic-file URL');
    out.url = url;
  } else out.blob = blob!;
  if (p.name !== undefined) out.name = text(p.name, limits, place, 'name');
  return out;
}

const DETAILS = ['auto', 'low', 'high'] as const;

function mediaPart(p: Raw, limits: Limits, place: PartPlace): MediaPart {
  const src = mediaSource(p, limits, place);
  const px = (v: unknown, f: string) => count(v, place, f, 1);
  const ms = (v: unknown, f: string) => count(v, place, f, 0);
  const txt = (v: unknown, f: string) => text(v, limits, place, f);
  switch (p.type) {
    case 'image':
      return optional<ImagePart>({ type: 'image', ...src }, p, {
        width: px,
        height: px,
        detail: (v, f) => (DETAILS.includes(v as never) ? (v as (typeof DETAILS)[number]) : fail(place, f, 'must be one of auto, low, high')),
        caption: txt,
      });
    case 'audio':
      return optional<AudioPart>({ type: 'audio', ...src }, p, { duration_ms: ms, transcript: txt });
    case 'video':
      return optional<VideoPart>({ type: 'video', ...src }, p, { width: px, height: px, duration_ms: ms, caption: txt, transcript: txt });
    case 'document':
      return optional<DocumentPart>({ type: 'document', ...src }, p, { pages: ms, text: txt, title: txt });
    default:
      return { type: 'file', ...src };
  }
}

function dataPart(p: Raw, limits: Limits, place: PartPlace): Part {
  if (!('value' in p)) fail(place, 'value', 'is required (any JSON)');
  const value = json(p.value, limits.maxTextLength, place, 'value');
  if (p.schema === undefined) return { type: 'data', value };
  if (typeof p.schema !== 'object' || p.schema === null || Array.isArray(p.schema)) fail(place, 'schema', 'must be a JSON Schema object');
  const schema = json(p.schema, limits.maxMetadataBytes, place, 'schema') as JsonObject;
  let errors: { instancePath: string; message: string }[];
  try {
    errors = Schema.Errors(schema as never, value)[1];
  } catch (cause) {
    throw siraError('SIRA_ERR_TURN_INVALID', `${place.where}.schema is not a usable JSON Schema`, { cause, details: { pointer: pointerOf(place, 'schema') } });
  }
  const first = errors[0];
  if (first !== undefined) {
    const at = first.instancePath === '' ? 'value' : `value${first.instancePath.split('/').slice(1).map((s) => `.${s.replace(/~1/g, '/').replace(/~0/g, '~')}`).join('')}`;
    throw siraError('SIRA_ERR_PART_DATA_INVALID', `${place.where}.${at} ${first.message} (by its schema)`, { details: { pointer: `${place.pointer}/value${first.instancePath}` } });
  }
  return { type: 'data', value, schema };
}

function timeSeriesPart(p: Raw, limits: Limits, place: PartPlace): Part {
  if (!isValidTensorName(p.tensor)) fail(place, 'tensor', 'is not a valid tensor name');
  if (!Array.isArray(p.channels) || p.channels.length === 0 || p.channels.length > MAX_CHANNELS) fail(place, 'channels', `must be 1 to ${MAX_CHANNELS} channel names`);
  const channels = p.channels.map((c, i) => nonEmpty(c, limits, place, `channels[${i}]`));
  const out: Part = {
    type: 'time_series',
    tensor: p.tensor,
    channels,
    start_ms: count(p.start_ms, place, 'start_ms', 0),
    interval_ms: number(p.interval_ms, place, 'interval_ms', Number.MIN_VALUE, 1e15),
  };
  if (p.units !== undefined) {
    if (!Array.isArray(p.units) || p.units.length !== channels.length) fail(place, 'units', 'must give one unit per channel');
    out.units = p.units.map((u, i) => text(u, limits, place, `units[${i}]`, SHORT));
  }
  return out;
}

function toolPart(p: Raw, limits: Limits, place: PartPlace): Part {
  if (p.type === 'tool_call') {
    return { type: 'tool_call', id: nonEmpty(p.id, limits, place, 'id'), name: nonEmpty(p.name, limits, place, 'name'), arguments: text(p.arguments ?? '', limits, place, 'arguments') };
  }
  const out: Part = { type: 'tool_result', tool_call_id: nonEmpty(p.tool_call_id, limits, place, 'tool_call_id'), content: text(p.content, limits, place, 'content') };
  if (p.is_error !== undefined) {
    if (typeof p.is_error !== 'boolean') fail(place, 'is_error', 'must be a boolean');
    out.is_error = p.is_error;
  }
  return out;
}

/** Check one part as a caller sent it and return its normalised form; throws before anything is stored. */
export function checkPart(raw: unknown, limits: Limits, place: PartPlace): Part {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(place, '', 'must be an object');
  const p = raw as Raw;
  const txt = (v: unknown, f: string) => text(v, limits, place, f);
  switch (p.type) {
    case 'text':
      return { type: 'text', text: txt(p.text, 'text') };
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
    case 'file':
      return mediaPart(p, limits, place);
    case 'data':
      return dataPart(p, limits, place);
    case 'code':
      return optional<CodePart>({ type: 'code', language: nonEmpty(p.language, limits, place, 'language', 64), code: txt(p.code, 'code') }, p, { path: (v, f) => nonEmpty(v, limits, place, f, 4096) });
    case 'tool_call':
    case 'tool_result':
      return toolPart(p, limits, place);
    case 'reasoning':
      return optional<ReasoningPart>({ type: 'reasoning', text: txt(p.text, 'text') }, p, { signature: txt });
    case 'citation': {
      const url = text(p.url, limits, place, 'url', MAX_URL);
      if (!WEB_URL.test(url)) fail(place, 'url', 'must be an http(s) URL');
      return optional<CitationPart>({ type: 'citation', url }, p, { title: txt, snippet: txt });
    }
    case 'location':
      return optional<LocationPart>({ type: 'location', lat: number(p.lat, place, 'lat', -90, 90), lon: number(p.lon, place, 'lon', -180, 180) }, p, { name: txt, address: txt });
    case 'ui_event':
      return optional<UiEventPart>({ type: 'ui_event', element: nonEmpty(p.element, limits, place, 'element', 1024), action: nonEmpty(p.action, limits, place, 'action') }, p, {
        value: (v, f) => json(v, limits.maxMetadataBytes, place, f),
      });
    case 'time_series':
      return timeSeriesPart(p, limits, place);
    case 'tensor':
      if (!isValidTensorName(p.name)) fail(place, 'name', 'is not a valid tensor name');
      return { type: 'tensor', name: p.name };
    default:
      return fail(place, 'type', `must be one of ${PART_TYPES_LISTED.join(', ')}`);
  }
}

/** Names of the session tensors that turns refer to (tensor and time_series parts). */
export function referencedTensors(turns: readonly { parts: readonly Part[] }[]): Set<string> {
  const names = new Set<string>();
  for (const t of turns) for (const p of t.parts) if (p.type === 'tensor') names.add(p.name);
  else if (p.type === 'time_series') names.add(p.tensor);
  return names;
}

/**
 * Check the tensors that turns refer to against those the session holds: SIRA_ERR_TURN_TENSOR_NOT_FOUND for a
 * missing one, SIRA_ERR_TURN_INVALID (pointer to `channels`) for a time series whose tensor is not of shape
 * [channels.length, samples].
 */
export function checkTensorReferences(turns: readonly { parts: readonly Part[] }[], held: ReadonlyMap<string, TensorInfo>): void {
  turns.forEach((t, i) =>
    t.parts.forEach((p, j) => {
      if (p.type !== 'tensor' && p.type !== 'time_series') return;
      const name = p.type === 'tensor' ? p.name : p.tensor;
      const info = held.get(name);
      if (info === undefined) throw siraError('SIRA_ERR_TURN_TENSOR_NOT_FOUND', `the session holds no tensor ${JSON.stringify(name)}`, { details: { tensor: name } });
      if (p.type === 'time_series' && (info.shape.length !== 2 || info.shape[0] !== p.channels.length)) {
        fail({ where: `turns[${i}].content[${j}]`, pointer: `/turns/${i}/content/${j}` }, 'channels', `names ${p.channels.length} channels but tensor ${JSON.stringify(name)} has shape [${info.shape.join(', ')}] (want [channels, samples])`);
      }
    }),
  );
}
