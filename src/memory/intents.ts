/**
 * @module memory/intents
 * Tenant intent models: a tenant brings labelled examples, a model is trained in-process (seconds for the sizes
 * allowed; the loop yields to the event loop between epochs, and one training runs at a time per process) and
 * stored as safetensors bytes in the tenant's `intent-models` document collection. Classification picks a tenant
 * model by name, else a built-in model (data/models artifacts, loaded once), else answers the fallback result.
 */
import { siraError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { Store } from '../storage/store.ts';
import {
  type IntentExample,
  type IntentResult,
  type IntentTurn,
  type SessionIntentResult,
  type SessionClassifyOptions,
  IntentModel,
  IntentModels,
  evaluateIntentModel,
  fallbackIntent,
  fitIntentModel,
} from '../models/intent/index.ts';

/** The document collection holding tenant models. */
export const INTENT_COLLECTION = 'intent-models';
/** Limits on a training request. */
export const INTENT_TRAIN_LIMITS = Object.freeze({
  /** Examples per request, at most. */
  maxExamples: 2000,
  /** Distinct labels, at least / at most. */
  minLabels: 2,
  maxLabels: 200,
  /** Examples per label, at least. */
  minPerLabel: 3,
  /** Weights kept (features × labels), at most: bounds the stored model (~2 bytes each). */
  maxWeights: 2_000_000,
});
/** Model names: 1-64 chars of [A-Za-z0-9_.-]. */
export const INTENT_MODEL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** A training request. */
export interface IntentTrainInput {
  examples: IntentExample[];
  /** @default 'default' */
  name?: string;
  /** Out-of-scope threshold on the best probability (0 = never out of scope). @default 0 */
  threshold?: number;
  /** Training seed. @default 1 */
  seed?: number;
}

/** What is known about a stored tenant model. */
export interface TenantIntentModelInfo {
  name: string;
  /** Document version: 1 after the first training, +1 per retraining. */
  version: number;
  labels: string[];
  examples: number;
  features: number;
  threshold: number;
  /** Accuracy on its own training examples (not a held-out figure). */
  train_accuracy: number;
  /** ms since the epoch. */
  trained_at: number;
  /** Wall time of the training, in ms. */
  training_ms: number;
}

/** A classification plus which model gave it (`null` when the fallback answered). */
export type IntentAnswer = IntentResult & { model: string | null; builtin: boolean };

let builtins: IntentModels | undefined;

/** The built-in models (loaded on first use from the repository's data/models; call at start to load early). */
export function builtinIntentModels(): IntentModels {
  builtins ??= IntentModels.load();
  return builtins;
}

let queue: Promise<unknown> = Promise.resolve();
function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined); // the queue only orders the calls: `run` carries the error to the caller
  return run;
}

interface Decoded {
  /** Document version and write time: together they identify one stored model (a re-created name restarts at 1). */
  version: number;
  updated_at: number;
  model: IntentModel;
  info: TenantIntentModelInfo;
}
// Decoded models per store (several services may share a process), by tenant and name; at most 256 per store.
const decodedByStore = new WeakMap<Store, Map<string, Decoded>>();
function decodedOf(store: Store): Map<string, Decoded> {
  let m = decodedByStore.get(store);
  if (m === undefined) {
    m = new Map();
    decodedByStore.set(store, m);
  }
  return m;
}
const cacheKey = (tenant: string, name: string): string => `${tenant}\u0000${name}`;

function invalid(detail: string, details?: Record<string, unknown>): never {
  throw siraError('SIRA_ERR_INTENT_EXAMPLES_INVALID', detail, details === undefined ? {} : { details });
}

/** Check a training request; throws SIRA_ERR_INTENT_EXAMPLES_INVALID (with details) or SIRA_ERR_REQUEST_INVALID. */
export function validateIntentTraining(input: IntentTrainInput): void {
  const L = INTENT_TRAIN_LIMITS;
  if (input.name !== undefined && !INTENT_MODEL_NAME.test(input.name)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'name must be 1-64 chars of [A-Za-z0-9_.-]');
  if (input.examples.length > L.maxExamples) invalid(`at most ${L.maxExamples} examples per training`, { max: L.maxExamples, count: input.examples.length });
  const counts = new Map<string, number>();
  for (const e of input.examples) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  if (counts.size < L.minLabels) invalid(`at least ${L.minLabels} distinct labels are needed, got ${counts.size}`, { min_labels: L.minLabels, labels: counts.size });
  if (counts.size > L.maxLabels) invalid(`at most ${L.maxLabels} distinct labels, got ${counts.size}`, { max_labels: L.maxLabels, labels: counts.size });
  const few = [...counts].filter(([, n]) => n < L.minPerLabel).map(([label, count]) => ({ label, count }));
  if (few.length > 0) invalid(`every label needs at least ${L.minPerLabel} examples; ${few.length} label(s) have fewer`, { min_per_label: L.minPerLabel, labels: few.slice(0, 20) });
  const empty = input.examples.findIndex((e) => e.text.trim() === '');
  if (empty >= 0) invalid(`example ${empty} has no text`, { index: empty });
}

function infoOf(model: IntentModel, meta: Record<string, string> | undefined, version: number): TenantIntentModelInfo {
  const m = JSON.parse(meta?.intent_info ?? '{}') as Partial<TenantIntentModelInfo>;
  return {
    name: m.name ?? '',
    version,
    labels: [...model.config.labels],
    examples: m.examples ?? 0,
    features: model.features,
    threshold: model.config.threshold,
    train_accuracy: m.train_accuracy ?? Number.NaN,
    trained_at: m.trained_at ?? 0,
    training_ms: m.training_ms ?? 0,
  };
}

/** Train a tenant model and store it (replacing one of the same name). */
export function trainTenantIntentModel(store: Store, tenant: string, input: IntentTrainInput, clock: Clock): Promise<TenantIntentModelInfo> {
  validateIntentTraining(input);
  const name = input.name ?? 'default';
  return serialized(async () => {
    const t0 = performance.now();
    const labels = new Set(input.examples.map((e) => e.label)).size;
    const { model: fitted } = await fitIntentModel(input.examples, {
      epochs: 20,
      lr: 1,
      labelSmoothing: 0.05,
      l2: 0,
      seed: input.seed ?? 1,
      maxFeatures: Math.floor(INTENT_TRAIN_LIMITS.maxWeights / labels),
      between: () => new Promise<void>((resolve) => setImmediate(resolve)),
    });
    const model = fitted.withDecision({ threshold: input.threshold ?? 0 });
    const train_accuracy = Math.round(evaluateIntentModel(model, input.examples).accuracy * 10000) / 10000;
    const meta = { name, examples: input.examples.length, train_accuracy, trained_at: clock(), training_ms: Math.round(performance.now() - t0) };
    const bytes = model.toSafetensors({ intent_info: JSON.stringify(meta) });
    const rec = await store.putDoc(tenant, INTENT_COLLECTION, name, bytes);
    const info = infoOf(model, { intent_info: JSON.stringify(meta) }, rec.version);
    decodedOf(store).set(cacheKey(tenant, name), { version: rec.version, updated_at: rec.updated_at, model, info });
    return info;
  });
}

async function loadTenantModel(store: Store, tenant: string, name: string): Promise<{ model: IntentModel; info: TenantIntentModelInfo } | undefined> {
  const cache = decodedOf(store);
  const doc = await store.getDoc(tenant, INTENT_COLLECTION, name);
  if (doc === undefined) {
    cache.delete(cacheKey(tenant, name));
    return undefined;
  }
  const hit = cache.get(cacheKey(tenant, name));
  if (hit?.version === doc.version && hit.updated_at === doc.updated_at) return hit;
  const { model, metadata } = IntentModel.decodeSafetensors(doc.value);
  const entry = { version: doc.version, updated_at: doc.updated_at, model, info: infoOf(model, metadata, doc.version) };
  if (cache.size >= 256) cache.delete(cache.keys().next().value as string);
  cache.set(cacheKey(tenant, name), entry);
  return entry;
}

/** The tenant's stored models, ascending by name. */
export async function listTenantIntentModels(store: Store, tenant: string): Promise<TenantIntentModelInfo[]> {
  const out: TenantIntentModelInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listDocs(tenant, INTENT_COLLECTION, { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
    for (const doc of page.items) {
      const { model, metadata } = IntentModel.decodeSafetensors(doc.value);
      out.push(infoOf(model, metadata, doc.version));
    }
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
  return out;
}

/** Delete a tenant model; false when it did not exist. */
export async function deleteTenantIntentModel(store: Store, tenant: string, name: string): Promise<boolean> {
  decodedOf(store).delete(cacheKey(tenant, name));
  return store.deleteDoc(tenant, INTENT_COLLECTION, name);
}

/**
 * Resolve a model name: a tenant model of that name, else a built-in model of that name; with no name, the
 * tenant's `default` model, else the built-in default (`clinc150`). Throws SIRA_ERR_INTENT_MODEL_NOT_FOUND for a
 * name that is neither; returns null (fallback) for a built-in whose artifact is absent.
 */
async function resolveModel(store: Store, tenant: string, name: string | undefined): Promise<{ model: IntentModel | null; name: string; builtin: boolean }> {
  const own = await loadTenantModel(store, tenant, name ?? 'default');
  if (own !== undefined) return { model: own.model, name: name ?? 'default', builtin: false };
  const b = builtinIntentModels();
  const builtinName = name ?? b.defaultName;
  if (!b.has(builtinName)) throw siraError('SIRA_ERR_INTENT_MODEL_NOT_FOUND', `no intent model named ${builtinName}`);
  return { model: b.get(builtinName) ?? null, name: builtinName, builtin: true };
}

/** Classify one text for a tenant (see {@link resolveModel} for which model answers). */
export async function classifyTenantIntent(store: Store, tenant: string, text: string, name?: string, topK?: number): Promise<IntentAnswer> {
  const r = await resolveModel(store, tenant, name);
  if (r.model === null) return { ...fallbackIntent(), model: null, builtin: true };
  return { ...r.model.classify(text, topK === undefined ? {} : { topK }), model: r.name, builtin: r.builtin };
}

/** The session-level intent of `turns` for a tenant (user turns, recent ones weigh more). */
export async function classifyTenantSession(
  store: Store,
  tenant: string,
  turns: readonly IntentTurn[],
  name?: string,
  opts?: SessionClassifyOptions,
): Promise<SessionIntentResult & { model: string | null; builtin: boolean }> {
  const r = await resolveModel(store, tenant, name);
  if (r.model === null) return { ...fallbackIntent(), turns: [], model: null, builtin: true };
  return { ...r.model.classifySession(turns, opts), model: r.name, builtin: r.builtin };
}
