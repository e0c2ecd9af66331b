/**
 * @module api/metrics
 * `GET /metrics` in the Prometheus text format, from a registry owned by the app (not prom-client's global one,
 * so several apps can live in one process): request durations by method, route template and status; problems
 * answered, by stable code; store gauges read from `sira.stats()` at scrape time; quota refusals by limit, open
 * event streams, their buffered bytes and slow consumers disconnected; and the default process metrics.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StoreStats } from '../storage/store.ts';
import type { SiraSession } from '../sira.ts';
import { backgroundErrorCounts } from '../core/background.ts';
import { bufferedBytes, streamTracker } from './sse.ts';

/** Options of {@link metricsPlugin}. */
export interface MetricsOptions {
  sira: SiraSession;
  /** The registry to fill. @default a new Registry */
  registry?: Registry;
  /** An onRequest hook guarding `/metrics` (e.g. the auth hook), or none. @default undefined */
  guard?: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

const STORE_GAUGES: ReadonlyArray<[keyof StoreStats, string]> = [
  ['sessions', 'Live sessions in the store'],
  ['turns', 'Turns in the store'],
  ['tensors', 'Tensors in the store'],
  ['bytes', 'Bytes the store occupies (backend-defined, best effort)'],
  ['text_raw_bytes', 'UTF-8 bytes of stored text parts before compression'],
  ['text_stored_bytes', 'Bytes stored text parts take after compression'],
];

// Over 80 lines on purpose: one list of gauge and histogram declarations read by a single collect hook.
const metrics: FastifyPluginAsyncTypebox<MetricsOptions> = async (app, opts) => {
  const { sira } = opts;
  const registry = opts.registry ?? new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const duration = new Histogram({
    name: 'sira_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const problems = new Counter({
    name: 'sira_http_errors_total',
    help: 'Problem responses sent, by stable error code',
    labelNames: ['code'] as const,
    registers,
  });
  const gauges = new Map(
    STORE_GAUGES.map(([key, help]) => [key, new Gauge({ name: `sira_store_${key}`, help, registers })] as const),
  );
  const ratio = new Gauge({ name: 'sira_store_text_compression_ratio', help: 'text_raw_bytes / text_stored_bytes (1 = none)', registers });
  const summaries = new Gauge({
    name: 'sira_rolling_summaries',
    help: 'Abstractive rolling summaries since start, by outcome (refreshed, failed) and model calls (calls)',
    labelNames: ['outcome'] as const,
    registers,
  });

  new Gauge({
    name: 'sira_background_errors_total',
    help: 'Errors of background tasks (sweeps, index saves, compactions, prefetch) survived since start, by task',
    labelNames: ['task'] as const,
    registers,
    collect() {
      for (const [task, n] of backgroundErrorCounts()) this.set({ task }, n);
    },
  });
  const q = sira.quotas;
  const tracker = streamTracker(sira);
  new Counter({
    name: 'sira_quota_rejections_total',
    help: 'Requests refused by a quota or rate limit, by limit (key_requests, tenant_requests, sessions, bytes, subscribers)',
    labelNames: ['limit'] as const,
    registers,
    collect() {
      this.reset();
      for (const [limit, n] of Object.entries(q.rejections)) this.inc({ limit }, n);
    },
  });
  new Gauge({
    name: 'sira_event_streams',
    help: 'Open event streams in this instance, by transport (sse streams, ws connections)',
    labelNames: ['transport'] as const,
    registers,
    collect() {
      const n = { sse: 0, ws: 0 };
      for (const s of tracker.open) n[s.transport]++;
      this.set({ transport: 'sse' }, n.sse);
      this.set({ transport: 'ws' }, n.ws);
    },
  });
  new Counter({
    name: 'sira_quota_recount_failures_total',
    help: 'Background usage recounts that failed (the tally stays; the next check at a limit recounts)',
    registers,
    collect() {
      this.reset();
      this.inc(q.usage.failures);
    },
  });
  new Gauge({ name: 'sira_event_subscribers', help: 'Tenant subscriber slots in use (SSE streams + WebSocket subscriptions)', registers, collect() { this.set(q.subscribers()); } });
  new Gauge({ name: 'sira_event_stream_buffered_bytes', help: 'Bytes open event streams have waiting to be sent', registers, collect() { this.set(bufferedBytes(sira)); } });
  new Counter({
    name: 'sira_slow_consumers_disconnected_total',
    help: 'Event stream clients disconnected for not reading, by transport',
    labelNames: ['transport'] as const,
    registers,
    collect() {
      this.reset();
      this.inc({ transport: 'sse' }, tracker.slowClosed.sse);
      this.inc({ transport: 'ws' }, tracker.slowClosed.ws);
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (request.siraErrorCode !== null) problems.inc({ code: request.siraErrorCode });
  });

  app.get(
    '/metrics',
    {
      schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)' },
      ...(opts.guard === undefined ? {} : { onRequest: opts.guard }),
    },
    async (request, reply) => {
      try {
        const s = await sira.stats();
        for (const [key, gauge] of gauges) gauge.set(s[key]);
        ratio.set(s.text_stored_bytes > 0 ? s.text_raw_bytes / s.text_stored_bytes : 1);
        const sum = sira.summarizer?.stats;
        if (sum !== undefined) for (const [outcome, n] of Object.entries(sum)) summaries.set({ outcome }, n);
      } catch (err) {
        request.log.warn({ err }, 'store stats unavailable for /metrics');
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};

/** The metrics plugin; its hook sees every route of the app (hence fastify-plugin). */
export const metricsPlugin = fp(metrics, { name: 'sira-metrics', fastify: '5.x' });
