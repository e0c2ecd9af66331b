/**
 * @module api/json-body
 * The JSON body parser of every route (issue 11's rough edges): an empty body on a DELETE is no body (many clients
 * send `content-type: application/json` with nothing; elsewhere an empty JSON body is still 400); bytes that are not UTF-8 are refused (they were replaced with U+FFFD silently), and so are lone
 * surrogates written as `\ud800` escapes (SIRA_ERR_REQUEST_TEXT_INVALID), and numbers JSON cannot hold (`1e400`
 * parsed to Infinity and was stored as null: SIRA_ERR_REQUEST_INVALID). Prototype poisoning is refused as before.
 * The checks beyond parsing walk the value only when a linear scan of the raw text finds a candidate.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { siraError } from '../core/errors.ts';

type Done = (err: Error | null, body?: unknown) => void;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// An escaped surrogate (`\ud83d`) is the only way a lone one gets into valid UTF-8 JSON.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
// A number that may overflow a double: a 3+ digit exponent, or 300+ digits in a row.
const HUGE_NUMBER = /[eE]\+?0*[1-9]\d{2,}|\d{300}/;

/** Bodies over this many bytes are scanned for nesting before JSON.parse (which takes ~0.2 ms per 1,000 levels). */
export const DEPTH_SCAN_FROM_BYTES = 1 << 20;
/** Deepest nesting a body may have (metadata and state allow 64; this bounds the parser's work). */
export const MAX_BODY_DEPTH = 10_000;

/** True when the JSON text in `bytes` nests arrays/objects deeper than `max` (strings skipped; one linear pass). */
export function nestsDeeper(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** The first path in `value` (`body/a/0`) whose string (or key) holds a lone surrogate, or whose number is not finite. */
export function findInvalidJson(value: unknown, checkStrings: boolean, checkNumbers: boolean): { path: string; what: 'text' | 'number' } | undefined {
  // Iterative: a body may nest deeply (the stack must not decide).
  const stack: [unknown, string][] = [[value, 'body']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (checkStrings && LONE_SURROGATE.test(v)) return { path, what: 'text' };
    } else if (typeof v === 'number') {
      if (checkNumbers && !Number.isFinite(v)) return { path, what: 'number' };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}/${i}`]);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (checkStrings && LONE_SURROGATE.test(k)) return { path: `${path}/${k}`, what: 'text' };
        stack.push([x, `${path}/${k}`]);
      }
    }
  }
  return undefined;
}

/**
 * A Fastify content-type parser (`parseAs: 'buffer'`) for JSON bodies with the checks above; `base` is Fastify's
 * own JSON parser (prototype-poisoning rules included).
 */
export function jsonBodyParser(app: FastifyInstance): (request: FastifyRequest, body: Buffer, done: Done) => void {
  const base = app.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    // No body on a DELETE (many clients send the JSON content type anyway); elsewhere an empty body stays 400.
    if (body.byteLength === 0) {
      if (request.method === 'DELETE') return done(null, undefined);
      return done(siraError('SIRA_ERR_REQUEST_INVALID', "the body cannot be empty when content-type is 'application/json'"));
    }
    if (!isUtf8(body)) return done(siraError('SIRA_ERR_REQUEST_TEXT_INVALID', 'the body is not valid UTF-8'));
    // A megabyte of `[` would cost the parser ~200 ms of one event-loop turn: refused after a cheap scan instead.
    if (body.byteLength > DEPTH_SCAN_FROM_BYTES && nestsDeeper(body, MAX_BODY_DEPTH)) return done(siraError('SIRA_ERR_REQUEST_INVALID', `the body nests deeper than ${MAX_BODY_DEPTH} levels`));
    const text = body.toString('utf8');
    base(request, text, (err, value) => {
      if (err !== null) return done(err);
      const strings = SURROGATE_ESCAPE.test(text);
      const numbers = HUGE_NUMBER.test(text);
      const bad = strings || numbers ? findInvalidJson(value, strings, numbers) : undefined;
      if (bad?.what === 'text') return done(siraError('SIRA_ERR_REQUEST_TEXT_INVALID', `${bad.path} holds a lone surrogate (not valid Unicode)`));
      if (bad?.what === 'number') return done(siraError('SIRA_ERR_REQUEST_INVALID', `${bad.path} is a number out of range (JSON numbers must be finite doubles)`));
      done(null, value);
    });
  };
}
