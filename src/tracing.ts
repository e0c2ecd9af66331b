/**
 * @module tracing
 * Where the library's spans come from when `tracing` is on (see core/trace.ts for names and attributes): every
 * facade operation of a tenant (`sira.<operation>`, a context build is `sira.context.build` with its budget and
 * selection), every Store call (`sira.store.<method>` with `db.system.name`), every embedding call
 * (`embeddings <model>`, GenAI conventions). HTTP spans come from the app (api/tracing.ts).
 */
import type { Attributes } from '@opentelemetry/api';
import { inSpan, traceMethods } from './core/trace.ts';
import type { Embedder } from './models/embedder.ts';
import type { Store } from './storage/store.ts';

const STORE_UNTRACED = new Set(['close', 'stats']);

/** The store with a span per call. `backend` is the configured store (`lmdb`, a redis URL…). */
export function traceStore(store: Store, backend: string): Store {
  const system = backend.startsWith('redis') ? 'redis' : backend.startsWith('nats') ? 'nats' : 'lmdb';
  return traceMethods(store, {
    name: (method) => `sira.store.${method}`,
    attributes: (method, args) => ({ 'db.system.name': system, 'db.operation.name': method, ...(typeof args[0] === 'string' ? { 'sira.tenant': args[0] } : {}) }),
    skip: STORE_UNTRACED,
  });
}

/** The embedder with a span per call (`embeddings <model>`). */
export function traceEmbedder(embedder: Embedder): Embedder {
  return {
    id: embedder.id,
    dim: embedder.dim,
    embed: (texts) =>
      inSpan(`embeddings ${embedder.id}`, { 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': embedder.id, 'sira.embed.inputs': texts.length }, () => embedder.embed(texts)),
    ...(embedder.close === undefined ? {} : { close: () => embedder.close!() }),
  };
}

const CONTEXT_OPS = new Set(['buildContext', 'buildContextSync']);

function contextResult(value: unknown): Attributes | undefined {
  const r = value as { selected?: unknown[]; usage?: { used?: number; budget?: number; candidates?: number }; strategy?: string } | undefined;
  if (r?.usage === undefined) return undefined;
  return {
    'sira.context.selected': r.selected?.length ?? 0,
    'sira.context.used_tokens': r.usage.used ?? 0,
    'sira.context.budget_tokens': r.usage.budget ?? 0,
    'sira.context.candidates': r.usage.candidates ?? 0,
    ...(r.strategy === undefined ? {} : { 'sira.context.strategy': r.strategy }),
  };
}

/** A tenant's facade with a span per operation. */
export function traceTenant<T extends object>(facade: T, tenant: string): T {
  return traceMethods(facade, {
    name: (method) => (CONTEXT_OPS.has(method) ? 'sira.context.build' : `sira.${method}`),
    attributes: (method, args) => ({ 'sira.tenant': tenant, ...(typeof args[0] === 'string' && method !== 'createSession' ? { 'sira.session.id': args[0] } : {}) }),
    result: (method, value) => (CONTEXT_OPS.has(method) ? contextResult(value) : undefined),
  });
}
