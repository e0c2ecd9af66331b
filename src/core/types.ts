/**
 * @module core/types
 * The data model (DESIGN §2): tenant → user → session → turn → part, versioned state and named tensors.
 * Times are milliseconds since the Unix epoch. Binary payloads are `Uint8Array`s, never base64 inside the store.
 */

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** Who spoke a turn. */
export type Role = 'system' | 'user' | 'assistant' | 'tool';
export const ROLES: readonly Role[] = ['system', 'user', 'assistant', 'tool'];

/** Element types a tensor may have (little-endian). */
export type DType = 'f64' | 'f32' | 'f16' | 'bf16' | 'i64' | 'i32' | 'i16' | 'i8' | 'u8' | 'bool';

/** A dense tensor: `data` holds product(shape) × itemsize raw little-endian bytes. */
export interface Tensor {
  dtype: DType;
  shape: number[];
  data: Uint8Array;
}

/** Plain text. */
export interface TextPart {
  type: 'text';
  text: string;
}
/**
 * A content-addressed blob: the bytes live outside the turn record, named by their SHA-256 (64 lowercase hex
 * digits); `size` is in bytes.
 */
export interface BlobRef {
  sha256: string;
  size: number;
  mime: string;
}
/** Where a media part's bytes are: inline (`data`), at a URL (`url`) or in a blob (`blob`), exactly one of them. */
interface MediaSource {
  mime: string;
  data?: Uint8Array;
  url?: string;
  blob?: BlobRef;
  /** A file name. */
  name?: string;
}
/** An image; `width`/`height` in pixels, `detail` as OpenAI's vision input takes it. */
export interface ImagePart extends MediaSource {
  type: 'image';
  width?: number;
  height?: number;
  detail?: 'auto' | 'low' | 'high';
  caption?: string;
}
/** Audio; `duration_ms` in milliseconds. */
export interface AudioPart extends MediaSource {
  type: 'audio';
  duration_ms?: number;
  transcript?: string;
}
/** Video; dimensions in pixels, `duration_ms` in milliseconds. */
export interface VideoPart extends MediaSource {
  type: 'video';
  width?: number;
  height?: number;
  duration_ms?: number;
  caption?: string;
  transcript?: string;
}
/** A document (PDF, office file): `text` is its extracted text, `pages` its page count. */
export interface DocumentPart extends MediaSource {
  type: 'document';
  pages?: number;
  text?: string;
  title?: string;
}
/** Any other file. */
export interface FilePart extends MediaSource {
  type: 'file';
}
/** A part whose bytes are media (inline, by URL or by blob). */
export type MediaPart = ImagePart | AudioPart | VideoPart | DocumentPart | FilePart;
/** The part types that are media. */
export const MEDIA_TYPES: readonly MediaPart['type'][] = ['image', 'audio', 'video', 'document', 'file'];
/** True when `p` is a media part. */
export function isMediaPart(p: Part): p is MediaPart {
  return p.type === 'image' || p.type === 'audio' || p.type === 'video' || p.type === 'document' || p.type === 'file';
}
/** Structured data: any JSON `value`, valid against the JSON Schema `schema` when one is given. */
export interface DataPart {
  type: 'data';
  value: Json;
  schema?: JsonObject;
}
/** Source code in `language`, optionally from the file `path`. */
export interface CodePart {
  type: 'code';
  language: string;
  code: string;
  path?: string;
}
/** A call the assistant made; `arguments` is the JSON text the model produced (kept verbatim). */
export interface ToolCallPart {
  type: 'tool_call';
  id: string;
  name: string;
  arguments: string;
}
/** The result of a tool call. */
export interface ToolResultPart {
  type: 'tool_result';
  tool_call_id: string;
  content: string;
  is_error?: boolean;
}
/**
 * A model's reasoning (thoughts); `signature` is the provider's opaque token for sending it back. Left out of
 * context windows unless the request asks for it (`include_reasoning`).
 */
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  signature?: string;
}
/** A source or web result. */
export interface CitationPart {
  type: 'citation';
  url: string;
  title?: string;
  snippet?: string;
}
/** A place: WGS 84 degrees, `lat` in [-90, 90] and `lon` in [-180, 180]. */
export interface LocationPart {
  type: 'location';
  lat: number;
  lon: number;
  name?: string;
  address?: string;
}
/** Something a user did in a UI: `action` on `element`, with an optional JSON `value`. */
export interface UiEventPart {
  type: 'ui_event';
  element: string;
  action: string;
  value?: Json;
}
/**
 * Sensor readings: the session tensor `tensor` of shape [channels.length, samples], channel i named `channels[i]`
 * (in `units[i]` when given); sample j was taken at `start_ms + j × interval_ms` (ms since the epoch).
 */
export interface TimeSeriesPart {
  type: 'time_series';
  tensor: string;
  channels: string[];
  start_ms: number;
  interval_ms: number;
  units?: string[];
}
/** A reference to a named tensor of the same session. */
export interface TensorPart {
  type: 'tensor';
  name: string;
}
/** One piece of a turn. */
export type Part =
  | TextPart
  | MediaPart
  | DataPart
  | CodePart
  | ToolCallPart
  | ToolResultPart
  | ReasoningPart
  | CitationPart
  | LocationPart
  | UiEventPart
  | TimeSeriesPart
  | TensorPart;
export type PartType = Part['type'];
/** Every part type, in codec tag order (see storage/codec/turn.ts). */
export const PART_TYPES: readonly PartType[] = [
  'text',
  'image',
  'audio',
  'file',
  'tool_call',
  'tool_result',
  'tensor',
  'video',
  'document',
  'data',
  'code',
  'reasoning',
  'citation',
  'location',
  'ui_event',
  'time_series',
];

/** A session: the unit of conversation, TTL and tenancy. */
export interface Session {
  id: string;
  tenant: string;
  user_id: string | null;
  agent_id: string | null;
  metadata: JsonObject;
  created_at: number;
  updated_at: number;
  /** When the session expires (ms), or null for never. Sliding: every write moves it to now + ttl_seconds. */
  expires_at: number | null;
  ttl_seconds: number | null;
  /** Number of turns; also the seq of the newest turn (seqs are 1, 2, 3, …). */
  turn_count: number;
  /** Version of the session's state (0 = never written). */
  state_version: number;
}

/** What a caller gives to create a session. */
export interface NewSession {
  id?: string;
  user_id?: string | null;
  agent_id?: string | null;
  ttl_seconds?: number | null;
  metadata?: JsonObject;
}

/** Changes to a session; absent fields are left alone, `null` clears. */
export interface SessionPatch {
  user_id?: string | null;
  agent_id?: string | null;
  ttl_seconds?: number | null;
  metadata?: JsonObject;
}

/** A stored turn. */
export interface Turn {
  /** Dense, monotonic per session, from 1; assigned by the store. */
  seq: number;
  role: Role;
  parts: Part[];
  name: string | null;
  agent_id: string | null;
  /** Client JSON, returned unchanged. */
  metadata: JsonObject | null;
  created_at: number;
  /** Importance prior in [0, 1], or null when not computed. */
  importance: number | null;
  pinned: boolean;
}

/** What a caller gives to append a turn. */
export interface NewTurn {
  role: Role;
  parts: Part[];
  name?: string | null;
  agent_id?: string | null;
  metadata?: JsonObject | null;
  importance?: number | null;
  pinned?: boolean;
}

/** A version of a session's JSON state. */
/**
 * What changed in a session (see {@link SessionEvent}). `session.deleted` (data `{reason: 'deleted' | 'missing'}`)
 * is live-only: the log goes with the session.
 */
export type SessionEventType =
  | 'session.created'
  | 'session.updated'
  | 'turns.appended'
  | 'state.changed'
  | 'tensor.written'
  | 'tensor.deleted'
  | 'session.deleted';

/**
 * One change to a session, from its durable event log. `id` is dense per session (1, 2, 3, …, in commit order);
 * `at` is ms since the epoch (injected clock). `data` is small: turns.appended `{first_seq, count}`, state.changed
 * `{version}`, tensor.* `{name}`, session.deleted `{reason}`, others `{}`.
 */
export interface SessionEvent {
  id: number;
  type: SessionEventType;
  session_id: string;
  at: number;
  data: JsonObject;
}

export interface StateRecord {
  /** 0 when never written; every accepted write adds 1. */
  version: number;
  value: JsonObject;
  updated_at: number;
}

/** Tensor metadata without the bytes. */
export interface TensorInfo {
  name: string;
  dtype: DType;
  shape: number[];
  byte_length: number;
  updated_at: number;
}

/** A range of turns: `after_seq`/`before_seq` exclusive bounds ascending, or `last` newest N (chronological). */
export type TurnRange = { after_seq?: number; before_seq?: number; limit?: number } | { last: number };

/** A page of results; `cursor` is opaque and present when there may be more. */
export interface Page<T> {
  items: T[];
  cursor: string | null;
}

/** A stored API key (the key itself is never stored, only its SHA-256). */
export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name: string;
  /** hex SHA-256 of the key */
  hash: string;
  created_at: number;
}
