/**
 * @module cli/telemetry
 * The OpenTelemetry SDK for `sira-session serve`: a tracer provider with the service's resource, batch export over
 * OTLP/HTTP (the exporter reads the standard `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 * and `OTEL_EXPORTER_OTLP_HEADERS`), AsyncLocalStorage context and the W3C trace-context propagator. Started only
 * when tracing is on; `shutdown()` flushes what is buffered.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { VERSION } from '../api/version.ts';

/** A registered tracer provider; `shutdown()` flushes and unregisters it. */
export interface Telemetry {
  /** Export what is buffered now. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Register the SDK globally, exporting to `exporter` (default: OTLP/HTTP from the standard environment). */
export function startTelemetry(exporter: SpanExporter = new OTLPTraceExporter()): Telemetry {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME ?? 'sira-session', 'service.version': VERSION }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
