/**
 * @module sira-session/client
 * A typed HTTP client for Sira Session (`import { SiraClient } from 'sira-session/client'`), for gateways that run
 * the service remotely. Types come from the service's OpenAPI document ({@link Paths}); writes are retried safely
 * (every POST/PATCH carries an `Idempotency-Key` that its retries reuse, so a retried append is stored once);
 * events are async iterators that resume from the last id after a dropped connection; tensors are typed arrays.
 * Needs only `fetch` (Node ≥ 22, browsers, Deno, Bun). Imports nothing from the server.
 *
 * @example
 * const sira = new SiraClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.SIRA_KEY });
 * const s = await sira.createSession({ user_id: 'u-42' });
 * await sira.appendTurns(s.id, [{ role: 'user', content: 'hello' }]);
 * const ctx = await sira.context(s.id, { query: 'hello?', budget_tokens: 2000 });
 * for await (const e of sira.events(s.id, { after: 0 })) console.log(e.type);
 */
import type { Paths } from './api-types.ts';
import { fromTypedArray, toTypedArray, type ClientTensor, type TensorInput } from './tensors.ts';

export type { Paths } from './api-types.ts';
export { type ClientTensor, type TensorInput, type TypedArray } from './tensors.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Op<P extends keyof Paths, M extends keyof Paths[P]> = Paths[P][M] extends { params: unknown; query: unknown; body: unknown; response: unknown } ? Paths[P][M] : never;

/** Options of {@link SiraClient}. */
export interface SiraClientOptions {
  /** Service base URL, e.g. `http://127.0.0.1:8080` (no `/v1`). */
  baseUrl: string;
  /** API key (sent as `Authorization: Bearer`). @default undefined (a service started without auth) */
  apiKey?: string;
  /** Attempts after the first for retryable failures (network, 408, 429, 502, 503, 504). @default 3 */
  retries?: number;
  /** First backoff in ms, doubled per attempt with jitter (a `Retry-After` header wins). @default 100 */
  retryBaseMs?: number;
  /** Per-attempt timeout in ms. @default 30000 */
  timeoutMs?: number;
  /** The fetch to use (tests, proxies). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Idempotency keys for writes. @default crypto.randomUUID */
  idempotencyKey?: () => string;
}

/** One request's extras. */
export interface RequestOptions {
  headers?: Record<string, string>;
  /** For POST/PATCH: the key to send (default: a fresh one); `false` sends none (and disables retries). */
  idempotencyKey?: string | false;
  signal?: AbortSignal;
}

/** An RFC 9457 problem answered by the service (or a transport failure, with `status` 0). */
export class SiraApiError extends Error {
  readonly status: number;
  /** Stable `SIRA_ERR_*` code (see docs/errors.md), or `SIRA_CLIENT_NETWORK` for a transport failure. */
  readonly code: string;
  readonly problem: Record<string, unknown>;
  constructor(status: number, problem: Record<string, unknown>, options?: { cause?: unknown }) {
    super(String(problem.detail ?? problem.title ?? `HTTP ${status}`), options);
    this.name = 'SiraApiError';
    this.status = status;
    this.code = String(problem.code ?? (status === 0 ? 'SIRA_CLIENT_NETWORK' : `HTTP_${status}`));
    this.problem = problem;
  }
}

/** A session event as delivered on the events stream. */
export interface SessionEvent {
  id: number;
  type: string;
  session_id: string;
  at: string;
  data: Record<string, unknown>;
}

const RETRYABLE = new Set([408, 429, 502, 503, 504]);

/** A typed client of the Sira Session HTTP API. */
export class SiraClient {
  readonly #base: string;
  readonly #opts: Required<Omit<SiraClientOptions, 'apiKey' | 'baseUrl'>> & { apiKey: string | undefined };

  constructor(options: SiraClientOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#opts = {
      apiKey: options.apiKey,
      retries: options.retries ?? 3,
      retryBaseMs: options.retryBaseMs ?? 100,
      timeoutMs: options.timeoutMs ?? 30_000,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      idempotencyKey: options.idempotencyKey ?? (() => crypto.randomUUID()),
    };
  }

  /**
   * Any route, typed by its OpenAPI path: `request('post', '/v1/sessions/{id}/turns', { params: { id }, body })`.
   * Resolves to the JSON body (undefined for 204); throws {@link SiraApiError}.
   */
  async request<P extends keyof Paths, M extends keyof Paths[P] & Method>(
    method: M,
    path: P,
    input: { params?: Op<P, M>['params']; query?: Op<P, M>['query']; body?: Op<P, M>['body'] } & RequestOptions = {},
  ): Promise<Op<P, M>['response']> {
    const res = await this.#send(method, this.#url(path, input.params as object | undefined, input.query as object | undefined), input.body === undefined ? undefined : JSON.stringify(input.body), 'application/json', input);
    return (await readJson(res)) as Op<P, M>['response'];
  }

  // ---- sessions and turns

  createSession(body: Op<'/v1/sessions', 'post'>['body'] = {}, o?: RequestOptions) {
    return this.request('post', '/v1/sessions', { body, ...o });
  }
  getSession(id: string, o?: RequestOptions) {
    return this.request('get', '/v1/sessions/{id}', { params: { id }, ...o });
  }
  listSessions(query: Op<'/v1/sessions', 'get'>['query'] = {}, o?: RequestOptions) {
    return this.request('get', '/v1/sessions', { query, ...o });
  }
  updateSession(id: string, body: Op<'/v1/sessions/{id}', 'patch'>['body'], o?: RequestOptions) {
    return this.request('patch', '/v1/sessions/{id}', { params: { id }, body, ...o });
  }
  deleteSession(id: string, o?: RequestOptions) {
    return this.request('delete', '/v1/sessions/{id}', { params: { id }, ...o });
  }
  /** Append turns atomically; retried with one Idempotency-Key, so a retry never stores them twice. */
  appendTurns(id: string, turns: Op<'/v1/sessions/{id}/turns', 'post'>['body']['turns'], o?: RequestOptions) {
    return this.request('post', '/v1/sessions/{id}/turns', { params: { id }, body: { turns }, ...o });
  }
  getTurns(id: string, query: Op<'/v1/sessions/{id}/turns', 'get'>['query'] = {}, o?: RequestOptions) {
    return this.request('get', '/v1/sessions/{id}/turns', { params: { id }, query, ...o });
  }
  /** Every turn after `afterSeq`, page by page (ascending). */
  async *allTurns(id: string, afterSeq = 0, pageSize = 500): AsyncGenerator<Op<'/v1/sessions/{id}/turns', 'get'>['response']['turns'][number]> {
    let after: number | null = afterSeq;
    while (after !== null) {
      const page = await this.getTurns(id, { after_seq: after, limit: pageSize });
      yield* page.turns;
      after = page.next_cursor === null ? null : Number(page.next_cursor);
    }
  }

  // ---- state (the version is the ETag)

  getState(id: string, o?: RequestOptions) {
    return this.request('get', '/v1/sessions/{id}/state', { params: { id }, ...o });
  }
  /** Replace the state; with `version`, only if it is still that version (else SIRA_ERR_STATE_VERSION_CONFLICT). */
  putState(id: string, state: Record<string, unknown>, version?: number, o: RequestOptions = {}) {
    return this.request('put', '/v1/sessions/{id}/state', { params: { id }, body: state as never, ...withIfMatch(o, version) });
  }
  /** Merge-patch the state (RFC 7396); with `version`, only if it is still that version. */
  async patchState(id: string, patch: Record<string, unknown>, version?: number, o: RequestOptions = {}) {
    const opts = withIfMatch(o, version);
    const url = this.#url('/v1/sessions/{id}/state', { id });
    return (await readJson(await this.#send('patch', url, JSON.stringify(patch), 'application/merge-patch+json', opts))) as Op<'/v1/sessions/{id}/state', 'patch'>['response'];
  }

  // ---- tensors (typed arrays in and out)

  /** Store a tensor: a typed array with its shape (dtype inferred), or `{dtype, shape, data}` with raw bytes. */
  async putTensor(id: string, name: string, tensor: TensorInput, o: RequestOptions = {}) {
    const t = fromTypedArray(tensor);
    const headers = { ...o.headers, 'x-tensor-dtype': t.dtype, 'x-tensor-shape': t.shape.join(',') };
    const url = this.#url('/v1/sessions/{id}/tensors/{name}', { id, name });
    const res = await this.#send('put', url, t.data, 'application/octet-stream', { ...o, headers });
    return (await readJson(res)) as Op<'/v1/sessions/{id}/tensors/{name}', 'put'>['response'];
  }
  /** Read a tensor as `{dtype, shape, data, array}`: `array` is a typed array over a copy of the bytes. */
  async getTensor(id: string, name: string, o: RequestOptions = {}): Promise<ClientTensor> {
    const res = await this.#send('get', this.#url('/v1/sessions/{id}/tensors/{name}', { id, name }), undefined, undefined, {
      ...o,
      headers: { ...o.headers, accept: 'application/octet-stream' },
    });
    const dtype = res.headers.get('x-tensor-dtype') ?? 'u8';
    const shapeHeader = res.headers.get('x-tensor-shape') ?? '';
    const shape = shapeHeader.replace(/[[\]\s]/g, '') === '' ? [] : shapeHeader.replace(/[[\]\s]/g, '').split(',').map(Number);
    return toTypedArray(dtype, shape, new Uint8Array(await res.arrayBuffer()));
  }
  deleteTensor(id: string, name: string, o?: RequestOptions) {
    return this.request('delete', '/v1/sessions/{id}/tensors/{name}', { params: { id, name }, ...o });
  }

  // ---- context, learning

  /** The context window for the next model call (OpenAI-format messages plus the explanation). */
  context(id: string, body: Op<'/v1/sessions/{id}/context', 'post'>['body'], o?: RequestOptions) {
    return this.request('post', '/v1/sessions/{id}/context', { params: { id }, body, ...o });
  }
  evaluate(id: string, body: Op<'/v1/sessions/{id}/evaluate', 'post'>['body'] = {}, o?: RequestOptions) {
    return this.request('post', '/v1/sessions/{id}/evaluate', { params: { id }, body, ...o });
  }
  getProfile(userId: string, o?: RequestOptions) {
    return this.request('get', '/v1/users/{id}/profile', { params: { id: userId }, ...o });
  }
  forgetProfile(userId: string, query: Op<'/v1/users/{id}/profile', 'delete'>['query'] = {}, o?: RequestOptions) {
    return this.request('delete', '/v1/users/{id}/profile', { params: { id: userId }, query, ...o });
  }
  recordExperience(body: Op<'/v1/experiences', 'post'>['body'], o?: RequestOptions) {
    return this.request('post', '/v1/experiences', { body, ...o });
  }
  searchExperiences(body: Op<'/v1/experiences/search', 'post'>['body'], o?: RequestOptions) {
    return this.request('post', '/v1/experiences/search', { body, ...o });
  }

  // ---- events

  /**
   * The session's events from `after` on, as an async iterator over Server-Sent Events. A dropped connection is
   * reopened with `Last-Event-ID` (nothing missed, nothing repeated); the iterator ends after `session.deleted`,
   * when the consumer breaks out, or when `signal` aborts. A gap the log no longer holds throws SIRA_ERR_EVENTS_GAP.
   */
  async *events(id: string, options: { after?: number; signal?: AbortSignal; maxReconnects?: number } = {}): AsyncGenerator<SessionEvent> {
    let last = options.after ?? 0;
    let reconnects = 0;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (!stop.signal.aborted) {
        let res: Response;
        try {
          res = await this.#opts.fetch(this.#url('/v1/sessions/{id}/events', { id }), {
            headers: { ...this.#auth(), accept: 'text/event-stream', 'last-event-id': String(last) },
            signal: stop.signal,
          });
        } catch (err) {
          if (stop.signal.aborted) return;
          if (++reconnects > (options.maxReconnects ?? this.#opts.retries)) throw new SiraApiError(0, { title: 'events stream failed' }, { cause: err });
          await delay(this.#backoff(reconnects));
          continue;
        }
        if (!res.ok) throw await problemOf(res);
        for await (const frame of sseFrames(res.body!, stop.signal)) {
          reconnects = 0;
          if (frame.event === 'error') throw new SiraApiError(400, JSON.parse(frame.data) as Record<string, unknown>);
          const event = JSON.parse(frame.data) as SessionEvent;
          last = event.id;
          yield event;
          if (event.type === 'session.deleted') return;
        }
        if (stop.signal.aborted) return;
        if (++reconnects > (options.maxReconnects ?? this.#opts.retries)) throw new SiraApiError(0, { title: 'events stream kept closing' });
        await delay(this.#backoff(reconnects));
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      stop.abort();
    }
  }

  // ---- plumbing

  #auth(): Record<string, string> {
    return this.#opts.apiKey === undefined ? {} : { authorization: `Bearer ${this.#opts.apiKey}` };
  }

  #url(path: string, params: object | undefined, query?: object): string {
    const p = (params ?? {}) as Record<string, string>;
    let url = this.#base + path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(String(p[name])));
    const q = Object.entries((query ?? {}) as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null);
    if (q.length > 0) url += `?${new URLSearchParams(q.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
    return url;
  }

  #backoff(attempt: number, retryAfter?: string | null): number {
    const seconds = retryAfter === null || retryAfter === undefined ? NaN : Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    return this.#opts.retryBaseMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
  }

  async #send(method: Method, url: string, body: string | Uint8Array | undefined, contentType: string | undefined, o: RequestOptions): Promise<Response> {
    const write = method === 'post' || method === 'patch';
    const key = write && o.idempotencyKey !== false ? (o.idempotencyKey ?? this.#opts.idempotencyKey()) : undefined;
    const headers: Record<string, string> = { ...this.#auth(), ...(contentType === undefined || body === undefined ? {} : { 'content-type': contentType }), ...o.headers };
    if (key !== undefined) headers['idempotency-key'] = key;
    // A POST/PATCH without a key is not safe to repeat: one attempt only.
    const attempts = write && key === undefined ? 1 : this.#opts.retries + 1;
    for (let attempt = 1; ; attempt++) {
      const timeout = AbortSignal.timeout(this.#opts.timeoutMs);
      const signal = o.signal === undefined ? timeout : AbortSignal.any([o.signal, timeout]);
      let res: Response;
      try {
        res = await this.#opts.fetch(url, { method: method.toUpperCase(), headers, body: body as string | Uint8Array<ArrayBuffer> | undefined, signal });
      } catch (err) {
        if (o.signal?.aborted === true || attempt >= attempts) throw new SiraApiError(0, { title: 'request failed', detail: String((err as Error)?.message ?? err) }, { cause: err });
        await delay(this.#backoff(attempt));
        continue;
      }
      if (res.ok) return res;
      if (RETRYABLE.has(res.status) && attempt < attempts) {
        await res.body?.cancel();
        await delay(this.#backoff(attempt, res.headers.get('retry-after')));
        continue;
      }
      throw await problemOf(res);
    }
  }
}

function withIfMatch(o: RequestOptions, version: number | undefined): RequestOptions {
  return version === undefined ? o : { ...o, headers: { ...o.headers, 'if-match': `"${version}"` } };
}

async function readJson(res: Response): Promise<unknown> {
  if (res.status === 204) return undefined;
  const text = await res.text();
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

async function problemOf(res: Response): Promise<SiraApiError> {
  const text = await res.text().catch(() => '');
  let problem: Record<string, unknown>;
  try {
    problem = JSON.parse(text) as Record<string, unknown>;
  } catch {
    problem = { title: res.statusText, detail: text.slice(0, 500) };
  }
  return new SiraApiError(res.status, problem);
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Server-Sent Event frames (`event`, `data`) of a response body; comments (heartbeats) are skipped. */
async function* sseFrames(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buf = '';
  const reader = body.getReader();
  try {
    while (!signal.aborted) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch {
        return; // a dropped connection: the caller reconnects from the last id
      }
      if (chunk.done) return;
      buf += decoder.decode(chunk.value, { stream: true });
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length > 0) yield { event, data: data.join('\n') };
      }
    }
  } finally {
    reader.releaseLock();
  }
}
