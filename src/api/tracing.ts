/**
 * @module api/tracing
 * One SERVER span per HTTP request (HTTP semantic conventions: `http.request.method`, `http.route`, `url.path`,
 * `http.response.status_code`, `error.type` = the problem's stable code), continuing a caller's W3C `traceparent`.
 * The span is active while the request is handled, so facade, store and embedding spans become its children.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tracer } from '../core/trace.ts';

const spans = new WeakMap<FastifyRequest, Span>();

/** Add the request-span hooks to `app` (call before the routes are registered). */
export function addRequestTracing(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url ?? 'unmatched';
    const span = tracer().startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': request.url.split('?')[0]!, 'url.scheme': request.protocol },
      },
      parent,
    );
    spans.set(request, span);
    // Everything after this hook (auth, validation, the handler and what it awaits) runs with the span active.
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (span === undefined) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (request.siraErrorCode !== null) span.setAttribute('error.type', request.siraErrorCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    if (request.tenant !== '') span.setAttribute('sira.tenant', request.tenant);
    span.end();
  });
}
