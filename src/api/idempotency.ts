/**
 * @module api/idempotency
 * `Idempotency-Key` on every `POST` and `PATCH` under `/v1`: the first request with a key runs and its answer
 * (status, body, the headers it set) is stored as a document of the tenant's `idempotency` collection; a retry
 * with the same key gets that answer again (header `Idempotent-Replayed: true`) and writes nothing. The record is claimed with the
 * store's compare-and-set before the handler runs, so two instances (Redis) or a retry racing the first request
 * cannot both run it: the loser is answered 409 SIRA_ERR_IDEMPOTENCY_IN_PROGRESS. Records live in the Store, so
 * they survive restarts (LMDB) and are shared by every instance (Redis).
 *
 * Rules: the same key with another method, path or body is 422 SIRA_ERR_IDEMPOTENCY_KEY_REUSED; answers of 5xx
 * and 429 are not kept (the retry runs again); a record is replayed for `idempotencyTtlSeconds` (24 h by default),
 * then the key may be reused; a claim whose request never finished (a crash) is taken over after
 * {@link STALE_PENDING_MS}. Streamed answers (`"stream": true`) bypass Fastify's send, so the header is ignored
 * for them, except on routes that opt in (`config.idempotentStreams`) and store the stream with
 * {@link settleStream} (`POST /v1/responses`): the retry gets the whole event stream as one body.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { backgroundError } from '../core/background.ts';
import { isSiraError, siraError } from '../core/errors.ts';
import type { Store } from '../storage/store.ts';
import type { SiraSession } from '../sira.ts';

/** The document collection of idempotency records (per tenant). */
export const IDEMPOTENCY_COLLECTION = 'idempotency';
/** A claim older than this (ms) whose request never stored its answer is taken over by the next retry. */
export const STALE_PENDING_MS = 5 * 60_000;
const KEY_RE = /^[\x21-\x7e]{1,255}$/;
/**
 * POST routes that only read (or whose side effect is a fresh, harmless record): running one twice stores nothing
 * twice, and keeping each answer (a context window can be 100 KB) for a day would cost more than it protects. The
 * TypeScript client sends a key on every POST; these accept it and ignore it.
 */
export const READ_ONLY_POSTS: ReadonlySet<string> = new Set([
  '/v1/sessions/:id/context',
  '/v1/context/enrich',
  '/v1/sessions/:id/evaluate',
  '/v1/experiences/search',
  '/v1/intents/classify',
]);
// Hop-by-hop and per-send headers: recomputed on every answer, never replayed.
const NOT_REPLAYED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

/** A stored record. */
interface IdemRecord {
  /** SHA-256 of method, path and body. */
  fp: string;
  state: 'pending' | 'done';
  /** ms since the epoch when claimed (pending) or answered (done). */
  at: number;
  status?: number;
  headers?: Record<string, string>;
  /** The answer's body: UTF-8 text, or base64 when `binary`. */
  body?: string;
  binary?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The idempotency claim this request holds, if any. */
    idempotencyClaim: { id: string; version: number; fp: string } | null;
  }
  interface FastifyContextConfig {
    /**
     * The route streams `"stream": true` answers itself (hijacked) and stores them with {@link settleStream}, so
     * the Idempotency-Key covers them too. @default false
     */
    idempotentStreams?: boolean;
  }
}

const utf8 = new TextEncoder();
const encode = (r: IdemRecord): Uint8Array => utf8.encode(JSON.stringify(r));
const decode = (b: Uint8Array): IdemRecord => JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')) as IdemRecord;

/** The fingerprint of a request: method, path (with query) and body. */
function fingerprint(request: FastifyRequest): string {
  const h = createHash('sha256').update(`${request.method} ${request.url}\n`);
  const body = request.body;
  if (body === undefined || body === null) return h.digest('hex');
  if (body instanceof Uint8Array) h.update(body);
  else h.update(JSON.stringify(body));
  return h.digest('hex');
}

function expired(r: IdemRecord, now: number, ttlMs: number): boolean {
  return r.state === 'done' ? now - r.at >= ttlMs : now - r.at >= STALE_PENDING_MS;
}

/** Claim `id` for this request, or answer with the stored result; returns true when the reply was sent. */
async function claimOrReplay(store: Store, request: FastifyRequest, reply: FastifyReply, id: string, now: number, ttlMs: number): Promise<boolean> {
  const fp = fingerprint(request);
  const pending = encode({ fp, state: 'pending', at: now });
  // Two rounds are enough: a lost race means the other claim now exists, which the second round reads.
  for (let round = 0; round < 3; round++) {
    const doc = await store.getDoc(request.tenant, IDEMPOTENCY_COLLECTION, id);
    const current = doc === undefined ? undefined : decode(doc.value);
    if (doc === undefined || expired(current!, now, ttlMs)) {
      try {
        const put = await store.putDoc(request.tenant, IDEMPOTENCY_COLLECTION, id, pending, doc?.version ?? 0);
        request.idempotencyClaim = { id, version: put.version, fp };
        return false;
      } catch (e) {
        if (isSiraError(e, 'SIRA_ERR_DOC_VERSION_CONFLICT')) continue;
        throw e;
      }
    }
    const r = current!;
    if (r.fp !== fp) throw siraError('SIRA_ERR_IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request (method, path or body)');
    if (r.state === 'pending') throw siraError('SIRA_ERR_IDEMPOTENCY_IN_PROGRESS', 'the first request with this Idempotency-Key is still running; retry shortly');
    for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
    reply.header('idempotent-replayed', 'true').code(r.status ?? 200);
    await reply.send(r.binary === true ? Buffer.from(r.body ?? '', 'base64') : (r.body ?? ''));
    return true;
  }
  throw siraError('SIRA_ERR_IDEMPOTENCY_IN_PROGRESS', 'the Idempotency-Key is contended; retry shortly');
}

/** Store the answer of a claimed request (or release the claim when the answer is not to be kept). */
async function settle(store: Store, request: FastifyRequest, reply: FastifyReply, payload: unknown, now: number): Promise<void> {
  const claim = request.idempotencyClaim;
  if (claim === null) return;
  request.idempotencyClaim = null;
  const status = reply.statusCode;
  const keepable = status < 500 && status !== 429 && (typeof payload === 'string' || payload instanceof Uint8Array || payload === undefined || payload === null);
  if (!keepable) {
    await store.deleteDoc(request.tenant, IDEMPOTENCY_COLLECTION, claim.id);
    return;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined && !NOT_REPLAYED.has(k.toLowerCase())) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
  const binary = payload instanceof Uint8Array;
  const body = binary ? Buffer.from(payload).toString('base64') : typeof payload === 'string' ? payload : '';
  const record = encode({ fp: claim.fp, state: 'done', at: now, status, headers, body, binary });
  await store.putDoc(request.tenant, IDEMPOTENCY_COLLECTION, claim.id, record, claim.version);
}

/** Largest streamed answer kept for replay (bytes of event text); a longer one releases the key instead. */
export const MAX_STREAM_RECORD = 8 * 1024 * 1024;

/**
 * Store the answer of a streamed (hijacked) request that holds a claim: `text` is everything written, when the
 * stream completed; `undefined` (it broke, or was over {@link MAX_STREAM_RECORD}) releases the claim so a retry
 * runs again. Failures are logged, never thrown: the stream has already gone out.
 */
export async function settleStream(sira: SiraSession, request: FastifyRequest, contentType: string, text: string | undefined): Promise<void> {
  const claim = request.idempotencyClaim;
  if (claim === null) return;
  request.idempotencyClaim = null;
  try {
    if (text === undefined || text.length > MAX_STREAM_RECORD) await sira.store.deleteDoc(request.tenant, IDEMPOTENCY_COLLECTION, claim.id);
    else await sira.store.putDoc(request.tenant, IDEMPOTENCY_COLLECTION, claim.id, encode({ fp: claim.fp, state: 'done', at: sira.clock(), status: 200, headers: { 'content-type': contentType }, body: text }), claim.version);
  } catch (err) {
    request.log.warn({ err }, 'could not store the idempotent stream');
  }
}

/**
 * Remove a tenant's expired records (answers older than `ttlMs`, stale claims); returns how many. Lookups already
 * ignore expired records; this only frees their space.
 */
export async function sweepIdempotencyKeys(store: Store, tenant: string, now: number, ttlMs: number): Promise<number> {
  let removed = 0;
  let cursor: string | undefined;
  do {
    const page = await store.listDocs(tenant, IDEMPOTENCY_COLLECTION, { limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    for (const d of page.items) if (expired(decode(d.value), now, ttlMs) && (await store.deleteDoc(tenant, IDEMPOTENCY_COLLECTION, d.id))) removed++;
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
  return removed;
}

/**
 * Add the idempotency hooks to `app` (the authenticated `/v1` scope: the tenant must be known), and a sweep of the
 * tenants this process has seen every `sweepMs` (0: none).
 */
export function installIdempotency(app: FastifyInstance, sira: SiraSession, sweepMs = 3_600_000): void {
  const ttlMs = sira.options.idempotencyTtlSeconds * 1000;
  const tenants = new Set<string>();
  app.decorateRequest('idempotencyClaim', null);
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' && request.method !== 'PATCH') return;
    const key = request.headers['idempotency-key'];
    if (key === undefined) return;
    if (typeof key !== 'string' || !KEY_RE.test(key)) throw siraError('SIRA_ERR_IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1-255 visible ASCII characters');
    if (READ_ONLY_POSTS.has(request.routeOptions.url ?? '')) return;
    if ((request.body as { stream?: unknown } | undefined)?.stream === true && request.routeOptions.config.idempotentStreams !== true) return;
    if (tenants.size < 10_000) tenants.add(request.tenant);
    const id = createHash('sha256').update(key).digest('hex');
    if (await claimOrReplay(sira.store, request, reply, id, sira.clock(), ttlMs)) return reply;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    try {
      await settle(sira.store, request, reply, payload, sira.clock());
    } catch (err) {
      // The answer still goes out; a retry will find the claim pending (409) until it goes stale.
      request.log.warn({ err }, 'could not store the idempotent answer');
    }
    return payload;
  });
  if (sweepMs > 0) {
    const timer = setInterval(() => {
      for (const t of tenants) {
        // Counted and logged; the next round retries (expired records are ignored by lookups meanwhile).
        sweepIdempotencyKeys(sira.store, t, sira.clock(), ttlMs).catch(backgroundError('idempotency-sweep'));
      }
    }, sweepMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }
}
