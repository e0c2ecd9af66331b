/**
 * OpenTelemetry spans with tracing on, through the real app and LMDB store, collected by an in-memory exporter
 * registered the way `serve` registers the OTLP one: a SERVER span per request continuing the caller's
 * traceparent, facade / store / embedding / vector-search spans nested under it, context-build attributes, error
 * codes; and the OTLP/HTTP exporter delivering to a local collector.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTelemetry, type Telemetry } from '../../src/cli/telemetry.ts';
import { createHashEmbedder } from '../helpers/hash-embedder.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { FAMILIES, trajectories } from '../helpers/trajectories.ts';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let t: TestApp;

beforeAll(async () => {
  telemetry = startTelemetry(exporter);
  t = await testApp({ tracing: true, embedMaxDelayMs: 0 }, {}, { embedder: createHashEmbedder() });
});
afterAll(async () => {
  await t.close();
  await telemetry.shutdown();
});
beforeEach(() => exporter.reset());

const spans = async (): Promise<ReadableSpan[]> => {
  await telemetry.flush();
  return exporter.getFinishedSpans();
};
const named = (all: ReadableSpan[], name: string) => all.filter((s) => s.name === name);
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe('tracing', () => {
  it('a request is one SERVER span continuing the caller traceparent, with facade and store spans beneath it', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const created = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { ...t.auth, traceparent: `00-${traceId}-00f067aa0ba902b7-01` }, payload: { id: 'tr-1' } });
    expect(created.statusCode).toBe(201);
    const all = await spans();
    const [server] = named(all, 'POST /v1/sessions');
    expect(server).toBeDefined();
    expect(server!.kind).toBe(SpanKind.SERVER);
    expect(server!.spanContext().traceId).toBe(traceId);
    expect(parentOf(server!)).toBe('00f067aa0ba902b7');
    expect(server!.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/sessions', 'http.response.status_code': 201, 'sira.tenant': 'acme' });
    const [facade] = named(all, 'sira.createSession');
    expect(parentOf(facade!)).toBe(server!.spanContext().spanId);
    const [store] = named(all, 'sira.store.createSession');
    expect(store!.attributes).toMatchObject({ 'db.system.name': 'lmdb', 'db.operation.name': 'createSession', 'sira.tenant': 'acme' });
    expect(parentOf(store!)).toBe(facade!.spanContext().spanId);
  });

  it('a context build carries its budget and selection; embeddings and vector search have spans', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 'tr-2' } });
    const turns = ['my card has not arrived', 'let me check the delivery', 'it was sent to Lisbon', 'thanks a lot'].map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content }));
    await t.app.inject({ method: 'POST', url: '/v1/sessions/tr-2/turns', headers: t.auth, payload: { turns } });
    await t.sira.enrichment!.drain();
    exporter.reset();
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions/tr-2/context', headers: t.auth, payload: { query: 'where was the card sent?', budget_tokens: 200 } });
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as { selected: unknown[]; usage: { used: number } };
    const all = await spans();
    const [build] = named(all, 'sira.context.build');
    expect(build!.attributes).toMatchObject({ 'sira.context.budget_tokens': 200, 'sira.context.selected': body.selected.length, 'sira.context.used_tokens': body.usage.used, 'sira.session.id': 'tr-2' });
    const embed = named(all, 'embeddings test-hash');
    expect(embed.length).toBeGreaterThan(0);
    expect(embed[0]!.attributes).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'test-hash' });
    // Experience search goes through the HNSW index.
    for (const e of trajectories(FAMILIES[0]!, 3)) await t.app.inject({ method: 'POST', url: '/v1/experiences', headers: t.auth, payload: e });
    exporter.reset();
    await t.app.inject({ method: 'POST', url: '/v1/experiences/search', headers: t.auth, payload: { task: 'refund the duplicate charge' } });
    expect(named(await spans(), 'sira.vector.search').length).toBeGreaterThan(0);
  });

  it('a problem answer records its stable code on the request span and the failing step', async () => {
    const res = await t.app.inject({ url: '/v1/sessions/missing', headers: t.auth });
    expect(res.statusCode).toBe(404);
    const all = await spans();
    const [server] = named(all, 'GET /v1/sessions/:id');
    expect(server!.attributes).toMatchObject({ 'http.response.status_code': 404, 'error.type': 'SIRA_ERR_SESSION_NOT_FOUND' });
    const [facade] = named(all, 'sira.getSession');
    expect(facade!.status.code).toBe(SpanStatusCode.ERROR);
    expect(facade!.attributes['error.type']).toBe('SIRA_ERR_SESSION_NOT_FOUND');
  });
});

describe('OTLP export', () => {
  it('spans reach an OTLP/HTTP collector', async () => {
    const received: { path: string; type: string; bytes: number }[] = [];
    const collector = createServer((req: IncomingMessage, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => {
        received.push({ path: req.url ?? '', type: String(req.headers['content-type']), bytes: n });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
    await telemetry.shutdown();
    const otlp = startTelemetry(new OTLPTraceExporter({ url }));
    try {
      await t.app.inject({ url: '/v1/sessions', headers: t.auth });
      await otlp.flush();
      expect(received.length).toBeGreaterThan(0);
      expect(received[0]).toMatchObject({ path: '/v1/traces' });
      expect(received[0]!.bytes).toBeGreaterThan(50);
    } finally {
      await otlp.shutdown();
      telemetry = startTelemetry(exporter);
      collector.close();
    }
  });
});
