/**
 * @module core/validate
 * Checks on what callers send, shared by the library and the HTTP API, so bad input is refused the same way
 * everywhere and before anything is written.
 */
import type { Limits } from './config.ts';
import { siraError, type ErrorCode } from './errors.ts';
import { isValidId } from './ids.ts';
import { checkPart } from './parts.ts';
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
      parts = t.content.map((p, j) => checkPart(p, limits, { where: `${where}.content[${j}]`, pointer: `/turns/${i}/content/${j}` }));
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
