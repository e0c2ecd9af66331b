/**
 * @module models/embedders/openai
 * An embedder over any OpenAI-compatible `POST /v1/embeddings` (OpenAI, the Sira gateway, vLLM, Ollama, TEI…):
 * texts are sent in batches of `batchSize`, each call bounded by `timeoutMs`; answers are reordered by `index`
 * and L2-normalised. Every failure (network, timeout, non-2xx, malformed body) becomes SIRA_ERR_EMBEDDER_FAILED
 * with the provider's status and message in `details`, the original error as `cause`.
 */
import { siraError } from '../../core/errors.ts';
import { l2normalize, type Embedder } from '../embedder.ts';

/** Options of the `openai` embedder. */
export interface OpenAiEmbedderOptions {
  /** Base URL up to and including `/v1`, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Model name sent to the endpoint. */
  model: string;
  /** Bearer token, when the endpoint needs one. */
  apiKey?: string;
  /** Vector length (checked on every answer); OpenAI models with `dimensions` support get it sent. */
  dim: number;
  /** Send `dimensions` in the request (text-embedding-3-*). @default false */
  sendDimensions?: boolean;
  /** Texts per request. @default 64 */
  batchSize?: number;
  /** Per-request timeout (ms). @default 10000 */
  timeoutMs?: number;
  /** The fetch to use (tests, proxies). @default globalThis.fetch */
  fetch?: typeof fetch;
}

interface EmbeddingsBody {
  data?: { index?: number; embedding?: unknown }[];
}

/** An embedder over an OpenAI-compatible endpoint; `id` is `openai:<model>`. */
export function createOpenAiEmbedder(opts: OpenAiEmbedderOptions): Embedder {
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/embeddings`;
  const batchSize = opts.batchSize ?? 64;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const doFetch = opts.fetch ?? globalThis.fetch;
  const fail = (detail: string, details: Record<string, unknown>, cause?: unknown) =>
    siraError('SIRA_ERR_EMBEDDER_FAILED', detail, { details: { provider: 'openai', ...details }, cause });

  async function call(input: string[]): Promise<Float32Array[]> {
    const body: Record<string, unknown> = { model: opts.model, input, encoding_format: 'float' };
    if (opts.sendDimensions === true) body.dimensions = opts.dim;
    let res: Response;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(opts.apiKey === undefined ? {} : { authorization: `Bearer ${opts.apiKey}` }) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const timedOut = e instanceof Error && e.name === 'TimeoutError';
      throw fail(timedOut ? `no answer within ${timeoutMs} ms` : 'the endpoint could not be reached', { timeout: timedOut }, e);
    }
    let parsed: unknown;
    try {
      parsed = await res.json();
    } catch (e) {
      throw fail(`the endpoint answered ${res.status} with a body that is not JSON`, { upstream_status: res.status }, e);
    }
    if (!res.ok) {
      const msg = (parsed as { error?: { message?: unknown } } | null)?.error?.message;
      throw fail(`the endpoint answered ${res.status}${typeof msg === 'string' ? `: ${msg}` : ''}`, { upstream_status: res.status });
    }
    const data = (parsed as EmbeddingsBody | null)?.data;
    if (!Array.isArray(data) || data.length !== input.length) throw fail(`expected ${input.length} embeddings`, { upstream_status: res.status });
    const out: Float32Array[] = new Array<Float32Array>(input.length);
    data.forEach((d, i) => {
      const at = typeof d.index === 'number' ? d.index : i;
      const e = d.embedding;
      if (!Array.isArray(e) || e.length !== opts.dim || !e.every((x) => typeof x === 'number') || at < 0 || at >= input.length) {
        throw fail(`embedding ${i} is not ${opts.dim} numbers`, { upstream_status: res.status });
      }
      out[at] = l2normalize(Float32Array.from(e as number[]));
    });
    if (out.some((v) => v === undefined)) throw fail('the answer repeats an index', { upstream_status: res.status });
    return out;
  }

  return {
    id: `openai:${opts.model}`,
    dim: opts.dim,
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) out.push(...(await call(texts.slice(i, i + batchSize))));
      return out;
    },
  };
}
