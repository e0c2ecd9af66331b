/**
 * @module core/validate
 * Checks on what callers send, shared by the library and the HTTP API, so bad input is refused the same way
 * everywhere and before anything is written.
 */
import type { Limits } from './config.ts';
import { siraError, type ErrorCode } from './errors.ts';
import { isValidId, isValidTensorName } from './ids.ts';
import { ROLES, type Json, type JsonObject, type NewTurn, type Part, type Role } from './types.ts';

/** A turn as callers write it: `content` is a string (one text part) or a list of parts. */
export interface TurnInput {
  role: Role;
  content: string | Part[];
  name?: string | null;
  agent_id?: string | null;
  metadata?: JsonObject | null;
  pinned?: boolean;
  importance?: number | null;
}

const utf8 = new TextEncoder();

function fail(code: ErrorCode, msg: string): never {
  throw siraError(code, msg);
}

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Deepest nesting of objects and arrays accepted in metadata and state (`{"a":{"b":1}}` is depth 2). */
export const MAX_JSON_DEPTH = 64;

/** Throws `code` when `v` nests objects/arrays deeper than `max` (iterative: any depth is safe to check). */
export function checkJsonDepth(v: unknown, max: number, code: ErrorCode, what: string): void {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (d + 1 > max) fail(code, `${what} nests deeper than ${max} levels`);
    for (const y of Array.isArray(x) ? x : Object.values(x)) if (typeof y === 'object' && y !== null) stack.push([y, d + 1]);
  }
}

/**
 * Byte size of `v` as JSON. Throws `code` if it is not JSON-serialisable, and `tooLargeCode` (default: `code`) if it
 * exceeds `max` bytes.
 */
export function checkJsonSize(v: Json | undefined, max: number, code: ErrorCode, what: string, tooLargeCode: ErrorCode = code): number {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    fail(code, `${what} is not JSON`);
  }
  const n = s === undefined ? 0 : utf8.encode(s).byteLength;
  if (n > max) fail(tooLargeCode, `${what} is ${n} bytes, limit ${max}`);
  return n;
}

function checkText(s: unknown, limits: Limits, what: string): string {
  if (typeof s !== 'string') fail('SIRA_ERR_TURN_INVALID', `${what} must be a string`);
  if (s.length > limits.maxTextLength) fail('SIRA_ERR_TURN_INVALID', `${what} exceeds ${limits.maxTextLength} characters`);
  return s;
}

function checkPart(p: unknown, limits: Limits, where: string): Part {
  if (!isJsonObject(p as Json) && !(typeof p === 'object' && p !== null)) fail('SIRA_ERR_TURN_INVALID', `${where} must be an object`);
  const part = p as Record<string, unknown>;
  switch (part.type) {
    case 'text':
      return { type: 'text', text: checkText(part.text, limits, `${where}.text`) };
    case 'image':
    case 'audio':
    case 'file': {
      const mime = part.mime;
      if (typeof mime !== 'string' || !/^[\w.+-]+\/[\w.+-]+$/.test(mime)) fail('SIRA_ERR_TURN_INVALID', `${where}.mime must be a media type`);
      const hasData = part.data !== undefined;
      const hasUrl = part.url !== undefined;
      if (hasData === hasUrl) fail('SIRA_ERR_TURN_INVALID', `${where} needs exactly one of data or url`);
      const out: Part = { type: part.type, mime };
      if (hasData) {
        if (!(part.data instanceof Uint8Array)) fail('SIRA_ERR_TURN_INVALID', `${where}.data must be bytes`);
        if (part.data.byteLength > limits.maxMediaBytes) fail('SIRA_ERR_TURN_INVALID', `${where}.data exceeds ${limits.maxMediaBytes} bytes`);
        out.data = part.data;
      } else {
        const url = checkText(part.url, limits, `${where}.url`);
        if (!/^(https?|s3|gs|data):/i.test(url) || url.length > 8192) fail('SIRA_ERR_TURN_INVALID', `${where}.url must be an http(s), s3, gs or data URL`);
        out.url = url;
      }
      if (part.name !== undefined) out.name = checkText(part.name, limits, `${where}.name`);
      return out;
    }
    case 'tool_call': {
      if (typeof part.id !== 'string' || part.id.length === 0 || part.id.length > 256) fail('SIRA_ERR_TURN_INVALID', `${where}.id must be a non-empty string`);
      if (typeof part.name !== 'string' || part.name.length === 0 || part.name.length > 256) fail('SIRA_ERR_TURN_INVALID', `${where}.name must be a non-empty string`);
      return { type: 'tool_call', id: part.id, name: part.name, arguments: checkText(part.arguments ?? '', limits, `${where}.arguments`) };
    }
    case 'tool_result': {
      if (typeof part.tool_call_id !== 'string' || part.tool_call_id.length === 0 || part.tool_call_id.length > 256) {
        fail('SIRA_ERR_TURN_INVALID', `${where}.tool_call_id must be a non-empty string`);
      }
      const out: Part = { type: 'tool_result', tool_call_id: part.tool_call_id, content: checkText(part.content, limits, `${where}.content`) };
      if (part.is_error !== undefined) {
        if (typeof part.is_error !== 'boolean') fail('SIRA_ERR_TURN_INVALID', `${where}.is_error must be a boolean`);
        out.is_error = part.is_error;
      }
      return out;
    }
    case 'tensor':
      if (!isValidTensorName(part.name)) fail('SIRA_ERR_TURN_INVALID', `${where}.name is not a valid tensor name`);
      return { type: 'tensor', name: part.name };
    default:
      return fail('SIRA_ERR_TURN_INVALID', `${where}.type must be one of text, image, audio, file, tool_call, tool_result, tensor`);
  }
}

function optId(v: unknown, what: string): string | null {
  if (v === undefined || v === null) return null;
  if (!isValidId(v)) fail('SIRA_ERR_TURN_INVALID', `${what} is not a valid id`);
  return v;
}

/** Validate a batch of turns and normalise them to {@link NewTurn}s; throws before anything is stored. */
export function normalizeTurns(input: unknown, limits: Limits): NewTurn[] {
  if (!Array.isArray(input) || input.length === 0) fail('SIRA_ERR_TURN_INVALID', 'turns must be a non-empty array');
  if (input.length > limits.maxTurnsPerBatch) fail('SIRA_ERR_TURN_BATCH_TOO_LARGE', `at most ${limits.maxTurnsPerBatch} turns per batch`);
  return input.map((raw, i): NewTurn => {
    const where = `turns[${i}]`;
    if (typeof raw !== 'object' || raw === null) fail('SIRA_ERR_TURN_INVALID', `${where} must be an object`);
    const t = raw as Record<string, unknown>;
    if (!ROLES.includes(t.role as Role)) fail('SIRA_ERR_TURN_INVALID', `${where}.role must be one of ${ROLES.join(', ')}`);
    let parts: Part[];
    if (typeof t.content === 'string') parts = [{ type: 'text', text: checkText(t.content, limits, `${where}.content`) }];
    else if (Array.isArray(t.content)) {
      if (t.content.length > limits.maxPartsPerTurn) fail('SIRA_ERR_TURN_INVALID', `${where} has more than ${limits.maxPartsPerTurn} parts`);
      parts = t.content.map((p, j) => checkPart(p, limits, `${where}.content[${j}]`));
    } else fail('SIRA_ERR_TURN_INVALID', `${where}.content must be a string or an array of parts`);
    let metadata: JsonObject | null = null;
    if (t.metadata !== undefined && t.metadata !== null) {
      if (!isJsonObject(t.metadata)) fail('SIRA_ERR_TURN_INVALID', `${where}.metadata must be an object`);
      checkJsonDepth(t.metadata, MAX_JSON_DEPTH, 'SIRA_ERR_TURN_INVALID', `${where}.metadata`);
      checkJsonSize(t.metadata, limits.maxMetadataBytes, 'SIRA_ERR_TURN_INVALID', `${where}.metadata`);
      metadata = t.metadata;
    }
    let name: string | null = null;
    if (t.name !== undefined && t.name !== null) name = checkText(t.name, { ...limits, maxTextLength: 256 }, `${where}.name`);
    let importance: number | null = null;
    if (t.importance !== undefined && t.importance !== null) {
      if (typeof t.importance !== 'number' || !(t.importance >= 0 && t.importance <= 1)) fail('SIRA_ERR_TURN_INVALID', `${where}.importance must be in [0, 1]`);
      importance = t.importance;
    }
    if (t.pinned !== undefined && typeof t.pinned !== 'boolean') fail('SIRA_ERR_TURN_INVALID', `${where}.pinned must be a boolean`);
    return {
      role: t.role as Role,
      parts,
      name,
      agent_id: optId(t.agent_id, `${where}.agent_id`),
      metadata,
      importance,
      pinned: t.pinned === true,
    };
  });
}

/** Validate a state document (a JSON object within maxStateBytes). */
export function checkState(value: unknown, limits: Limits): JsonObject {
  if (!isJsonObject(value)) fail('SIRA_ERR_STATE_INVALID', 'state must be a JSON object');
  checkJsonDepth(value, MAX_JSON_DEPTH, 'SIRA_ERR_STATE_INVALID', 'state');
  checkJsonSize(value, limits.maxStateBytes, 'SIRA_ERR_STATE_INVALID', 'state', 'SIRA_ERR_STATE_TOO_LARGE');
  return value;
}

/** Validate session metadata (a JSON object within maxMetadataBytes). */
export function checkMetadata(value: unknown, limits: Limits): JsonObject {
  if (!isJsonObject(value)) fail('SIRA_ERR_REQUEST_INVALID', 'metadata must be a JSON object');
  checkJsonDepth(value, MAX_JSON_DEPTH, 'SIRA_ERR_REQUEST_INVALID', 'metadata');
  checkJsonSize(value, limits.maxMetadataBytes, 'SIRA_ERR_REQUEST_INVALID', 'metadata');
  return value;
}

/** Validate a TTL in seconds (positive integer up to 10 years) or null. */
export function checkTtl(v: unknown): number | null {
  if (v === null) return null;
  if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > 315_360_000) {
    fail('SIRA_ERR_REQUEST_INVALID', 'ttl_seconds must be an integer from 1 to 315360000, or null');
  }
  return v as number;
}
