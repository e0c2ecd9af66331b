/**
 * @module api/problem
 * The one place errors become responses: RFC 9457 `application/problem+json` bodies
 * `{type, title, status, detail, instance, code, ...details}`, with the status taken from the error's code.
 * Unexpected errors are logged and answered 500 without their message.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, isSiraError, type ErrorCode } from '../core/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The stable code of the error this request was answered with (for metrics), or null. */
    siraErrorCode: ErrorCode | null;
  }
  interface FastifyContextConfig {
    /** The code to answer when the body is over the route's limit. @default 'SIRA_ERR_REQUEST_TOO_LARGE' */
    tooLargeCode?: ErrorCode;
  }
}

/** Base of the `type` URI of every problem. */
export const PROBLEM_TYPE_BASE = 'https://sira.dev/errors/';

/** A problem to answer with. */
export interface Problem {
  code: ErrorCode;
  detail: string;
  details?: Readonly<Record<string, unknown>> | undefined;
}

const STANDARD = new Set(['type', 'title', 'status', 'detail', 'instance', 'code']);

/** Send `problem` as `application/problem+json` with the status of its code. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  const spec = ERRORS[problem.code];
  request.siraErrorCode = problem.code;
  const body: Record<string, unknown> = {
    type: PROBLEM_TYPE_BASE + problem.code,
    title: spec.title,
    status: spec.status,
    detail: problem.detail,
    instance: request.url,
    code: problem.code,
  };
  for (const [k, v] of Object.entries(problem.details ?? {})) if (!STANDARD.has(k)) body[k] = v;
  if (spec.status === 401) reply.header('www-authenticate', 'Bearer');
  // Problems that say when to come back (quota refusals, SIRA_ERR_CONTEXT_TIME_EXCEEDED) carry it as Retry-After
  // too, in whole seconds (RFC 9110 §10.2.3).
  const retry = problem.details?.retry_after_seconds;
  if (typeof retry === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(retry))));
  return reply.code(spec.status).type('application/problem+json').send(body);
}

/** What an error means to the client; `internal` errors must be logged and their message kept back. */
export function problemOf(error: unknown, request: FastifyRequest): Problem & { internal: boolean } {
  if (isSiraError(error)) return { code: error.code, detail: error.message, details: error.details, internal: error.statusCode >= 500 };
  const e = error as Partial<FastifyError> & { validation?: unknown };
  if (e.validation !== undefined) return { code: 'SIRA_ERR_REQUEST_INVALID', detail: e.message ?? 'invalid request', internal: false };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: request.routeOptions.config.tooLargeCode ?? 'SIRA_ERR_REQUEST_TOO_LARGE', detail: 'The request body is over the size limit', internal: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        code: 'SIRA_ERR_REQUEST_UNSUPPORTED_MEDIA',
        detail: `content-type ${JSON.stringify(request.headers['content-type'] ?? '')} is not accepted here`,
        internal: false,
      };
  }
  // Other client errors raised by Fastify itself (bad JSON, empty JSON body, bad content-length, bad URL): their
  // messages are fixed sentences or parser messages about the client's own input, safe to return.
  const status = e.statusCode ?? 500;
  if (status >= 400 && status < 500 && (e.code?.startsWith('FST_') === true || error instanceof SyntaxError)) {
    return { code: status === 404 ? 'SIRA_ERR_ROUTE_NOT_FOUND' : 'SIRA_ERR_REQUEST_INVALID', detail: e.message ?? 'invalid request', internal: false };
  }
  return { code: 'SIRA_ERR_INTERNAL', detail: 'An internal error occurred; it has been logged', internal: true };
}

/** Fastify error handler: every error becomes problem+json. */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = problemOf(error, request);
  // Refusing work over a request's time budget is the service protecting itself, not a fault: warn, no stack.
  if (problem.code === 'SIRA_ERR_CONTEXT_TIME_EXCEEDED') request.log.warn({ code: problem.code, detail: problem.detail }, 'request over its time budget');
  else if (problem.internal) request.log.error({ err: error, code: problem.code }, 'request failed');
  else request.log.debug({ code: problem.code, detail: problem.detail }, 'request refused');
  return sendProblem(request, reply, problem);
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses (headers over 16 KiB, a request timeout, bytes
 * that are not HTTP) is answered as problem+json like everything else, then the socket is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode = err.code === 'HPE_HEADER_OVERFLOW' ? 'SIRA_ERR_REQUEST_HEADERS_TOO_LARGE' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'SIRA_ERR_REQUEST_TIMEOUT' : 'SIRA_ERR_REQUEST_INVALID';
  const spec = ERRORS[code];
  const body = JSON.stringify({ type: PROBLEM_TYPE_BASE + code, title: spec.title, status: spec.status, detail: spec.title, code });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${spec.status} ${spec.title}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/problem+json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

/** Fastify not-found handler. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(request, reply, { code: 'SIRA_ERR_ROUTE_NOT_FOUND', detail: `No route ${request.method} ${request.url.split('?')[0]}` });
}
