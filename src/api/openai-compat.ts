/**
 * @module api/openai-compat
 * What the OpenAI-compatible routes (Responses, Conversations) share: errors as problem+json that also carry
 * OpenAI's `error` member (so the official client's `err.message` / `err.code` read them), list pages in
 * OpenAI's cursor shape, and a line-level Server-Sent Events reader for relaying an upstream stream.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS } from '../core/errors.ts';
import { problemOf, sendProblem } from './problem.ts';

/**
 * Install the error handler of an OpenAI-compatible route group: the usual RFC 9457 body (stable `code`), plus
 * `error: {message, type, param, code}` as OpenAI sends it. The extra member is allowed by RFC 9457 §3.2.
 */
export function openAIErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = problemOf(error, request);
    if (problem.internal) request.log.error({ err: error, code: problem.code }, 'request failed');
    const spec = ERRORS[problem.code];
    const type = spec.category === 'user' ? (spec.status === 404 ? 'not_found_error' : 'invalid_request_error') : 'server_error';
    return sendProblem(request, reply, { ...problem, details: { ...problem.details, error: { message: problem.detail, type, param: null, code: problem.code } } });
  });
}

/** An OpenAI cursor page of `items` (given oldest first), ordered and cut as the query asks. */
export function cursorPage<T extends { id?: string }>(
  items: readonly T[],
  query: { order?: 'asc' | 'desc'; after?: string; limit?: number },
): { object: 'list'; data: T[]; first_id: string | null; last_id: string | null; has_more: boolean } {
  const ordered = query.order === 'asc' ? [...items] : [...items].reverse();
  let start = 0;
  if (query.after !== undefined) {
    const at = ordered.findIndex((x) => x.id === query.after);
    start = at < 0 ? ordered.length : at + 1;
  }
  const limit = query.limit ?? 20;
  const data = ordered.slice(start, start + limit);
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + limit < ordered.length };
}

/** One Server-Sent Event: its `event:` name (or undefined) and its joined `data:` lines. */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** Splits an SSE byte stream into events (fields `event` and `data`; comments and other fields are dropped). */
export class SseReader {
  #pending = '';
  #event: string | undefined;
  #data: string[] = [];
  readonly #decoder = new TextDecoder();

  /** Feed bytes; returns the events they completed. */
  push(bytes: Uint8Array): SseEvent[] {
    this.#pending += this.#decoder.decode(bytes, { stream: true });
    const lines = this.#pending.split('\n');
    this.#pending = lines.pop() ?? '';
    const out: SseEvent[] = [];
    for (const raw of lines) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line === '') {
        if (this.#data.length > 0) out.push({ event: this.#event, data: this.#data.join('\n') });
        this.#event = undefined;
        this.#data = [];
      } else if (line.startsWith('data:')) this.#data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      else if (line.startsWith('event:')) this.#event = line.slice(6).trim();
    }
    return out;
  }
}
