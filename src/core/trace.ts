/**
 * @module core/trace
 * OpenTelemetry spans for the service, on `@opentelemetry/api` only: without a registered SDK every call is the
 * API's no-op. The service turns tracing on with the `tracing` option (the CLI also registers an OTLP exporter,
 * see cli/telemetry.ts); a library host registers its own SDK and sets `tracing: true`.
 *
 * Names and attributes: HTTP server spans follow the HTTP semantic conventions (`http.request.method`,
 * `http.route`, `http.response.status_code`, `error.type`); store calls are CLIENT-less INTERNAL spans
 * `sira.store.<method>` with `db.system.name` (lmdb / redis); embeddings follow the GenAI conventions
 * (`gen_ai.operation.name` = `embeddings`, `gen_ai.request.model`); the memory steps that no convention names yet
 * use the `sira.` namespace (`sira.context.build` with `sira.context.budget_tokens`, `sira.context.candidates`,
 * `sira.context.selected`, `sira.context.used_tokens`; `sira.vector.search` with `sira.vector.k`).
 */
import { SpanStatusCode, context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { isSiraError } from './errors.ts';

/** The tracer of the service (the global provider's; a no-op until an SDK is registered). */
export function tracer(): Tracer {
  return trace.getTracer('sira-session');
}

/** Mark `span` failed by `err`: status ERROR, `error.type` = the stable code (or the error's name), the exception. */
export function recordError(span: Span, err: unknown): void {
  const type = isSiraError(err) ? err.code : err instanceof Error ? err.name : 'Error';
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  if (err instanceof Error) span.recordException(err);
}

/** Run `fn` inside an active span `name`; the span ends when the promise settles (failures recorded). */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      recordError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** {@link inSpan} for synchronous work. */
export function inSpanSync<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  return tracer().startActiveSpan(name, { attributes }, (span) => {
    try {
      return fn(span);
    } catch (err) {
      recordError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** How {@link traceMethods} names and describes the spans. */
export interface TraceMethodsOptions {
  /** The span name of a call to `method`. */
  name(method: string): string;
  /** Attributes from the call's arguments. */
  attributes?(method: string, args: unknown[]): Attributes;
  /** Attributes from the call's result (set before the span ends). */
  result?(method: string, value: unknown): Attributes | undefined;
  /** Methods not traced (hot accessors, lifecycle). */
  skip?: ReadonlySet<string>;
}

/**
 * `target` with each of its methods wrapped in a span (see {@link TraceMethodsOptions}). Methods are called on the
 * target itself (private fields keep working); other properties pass through, and `instanceof` still sees the
 * target's class.
 */
export function traceMethods<T extends object>(target: T, opts: TraceMethodsOptions): T {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop);
      if (typeof value !== 'function') return value;
      let wrapped = cache.get(prop);
      if (wrapped !== undefined) return wrapped;
      const fn = value as (...a: unknown[]) => unknown;
      if (typeof prop !== 'string' || prop === 'constructor' || opts.skip?.has(prop) === true) {
        wrapped = fn.bind(obj);
      } else {
        const method = prop;
        wrapped = (...args: unknown[]) => {
          const span = tracer().startSpan(opts.name(method), { attributes: opts.attributes?.(method, args) ?? {} });
          const done = (v: unknown) => {
            const extra = opts.result?.(method, v);
            if (extra !== undefined) span.setAttributes(extra);
            span.end();
            return v;
          };
          const failed = (err: unknown) => {
            recordError(span, err);
            span.end();
            throw err;
          };
          let out: unknown;
          try {
            out = context.with(trace.setSpan(context.active(), span), () => fn.apply(obj, args));
          } catch (err) {
            return failed(err);
          }
          return out instanceof Promise ? out.then(done, failed) : done(out);
        };
      }
      cache.set(prop, wrapped);
      return wrapped;
    },
  });
}
