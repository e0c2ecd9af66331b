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
/** Media: inline bytes (`data`) or a reference (`url`), exactly one of them. */
export interface MediaPart {
  type: 'image' | 'audio' | 'file';
  mime: string;
  data?: Uint8Array;
  url?: string;
  name?: string;
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
/** A reference to a named tensor of the same session. */
export interface TensorPart {
  type: 'tensor';
  name: string;
}
/** One piece of a turn. */
export type Part = TextPart | MediaPart | ToolCallPart | ToolResultPart | TensorPart;
export type PartType = Part['type'];

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
