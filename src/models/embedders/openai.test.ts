import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSiraError } from '../../core/errors.ts';
import { runEmbedderContract } from '../../../test/helpers/embedder-contract.ts';
import { createOpenAiEmbedder, type OpenAiEmbedderOptions } from './openai.ts';

const DIM = 8;

/** A deterministic stand-in vector: hash of the text, unnormalised (the client must normalise). */
function fakeVector(text: string): number[] {
  const h = createHash('sha256').update(text).digest();
  return Array.from({ length: DIM }, (_, i) => h[i]! - 100);
}

type Handler = (body: { model: string; input: string[]; dimensions?: number }, req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler;
const requests: { model: string; input: string[]; auth: string | undefined }[] = [];
let server: Server;
let baseUrl: string;

const answer: Handler = (body, _req, res) => {
  // Answer out of order: the client must reorder by index.
  const data = body.input.map((t, index) => ({ object: 'embedding', index, embedding: fakeVector(t) })).reverse();
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ object: 'list', data, model: body.model }));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { model: string; input: string[] };
      requests.push({ model: body.model, input: body.input, auth: req.headers.authorization });
      handler(body, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const opts = (o: Partial<OpenAiEmbedderOptions> = {}): OpenAiEmbedderOptions => ({ baseUrl, model: 'stub-embed', dim: DIM, batchSize: 2, timeoutMs: 2000, ...o });

runEmbedderContract('openai (local stub)', () => {
  handler = answer;
  return createOpenAiEmbedder(opts());
});

describe('models/embedders/openai', () => {
  it('embed(texts) sends batches of batchSize with the model and bearer key; id is openai:<model>', async () => {
    handler = answer;
    requests.length = 0;
    const e = createOpenAiEmbedder(opts({ apiKey: 'k1', batchSize: 2 }));
    expect(e.id).toBe('openai:stub-embed');
    await e.embed(['a', 'b', 'c']);
    expect(requests.map((r) => r.input)).toEqual([['a', 'b'], ['c']]);
    expect(requests.every((r) => r.model === 'stub-embed' && r.auth === 'Bearer k1')).toBe(true);
  });

  const failure = async (h: Handler, o: Partial<OpenAiEmbedderOptions> = {}) => {
    handler = h;
    try {
      await createOpenAiEmbedder(opts(o)).embed(['x']);
    } catch (e) {
      return e;
    }
    throw new Error('expected a failure');
  };

  it('a non-2xx answer becomes SIRA_ERR_EMBEDDER_FAILED with the upstream status and message', async () => {
    const e = await failure((_b, _q, res) => {
      res.statusCode = 429;
      res.end(JSON.stringify({ error: { message: 'slow down' } }));
    });
    expect(isSiraError(e, 'SIRA_ERR_EMBEDDER_FAILED')).toBe(true);
    expect((e as { details: Record<string, unknown> }).details).toMatchObject({ provider: 'openai', upstream_status: 429 });
    expect((e as Error).message).toContain('slow down');
  });

  it('a wrong-sized embedding or a non-JSON body becomes SIRA_ERR_EMBEDDER_FAILED', async () => {
    const short = await failure((_b, _q, res) => res.end(JSON.stringify({ data: [{ index: 0, embedding: [1, 2] }] })));
    expect(isSiraError(short, 'SIRA_ERR_EMBEDDER_FAILED')).toBe(true);
    const html = await failure((_b, _q, res) => res.end('<html>'));
    expect(isSiraError(html, 'SIRA_ERR_EMBEDDER_FAILED')).toBe(true);
  });

  it('no answer within timeoutMs becomes SIRA_ERR_EMBEDDER_FAILED with timeout: true', async () => {
    const e = await failure(() => {}, { timeoutMs: 50 });
    expect(isSiraError(e, 'SIRA_ERR_EMBEDDER_FAILED')).toBe(true);
    expect((e as { details: Record<string, unknown> }).details).toMatchObject({ timeout: true });
  });

  it('an unreachable endpoint becomes SIRA_ERR_EMBEDDER_FAILED', async () => {
    const e = await failure(answer, { baseUrl: 'http://127.0.0.1:1/v1' });
    expect(isSiraError(e, 'SIRA_ERR_EMBEDDER_FAILED')).toBe(true);
  });
});
