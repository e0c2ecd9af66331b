/**
 * Every part type over HTTP: appended, read back (tail cache and store), described in the OpenAPI document, and
 * refused with a pointer to the bad field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Part } from '../../src/core/types.ts';
import { everyPart } from '../helpers/parts.ts';
import { openApiDocument } from '../helpers/openapi.ts';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';

/** A part as JSON on the wire: media bytes base64. */
function wire(p: Part): unknown {
  return 'data' in p && p.data instanceof Uint8Array ? { ...p, data: Buffer.from(p.data).toString('base64') } : p;
}

describe('parts over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  const session = async () => {
    const id = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth })).id;
    const put = (name: string, shape: string, bytes: number) =>
      t.app.inject({ method: 'PUT', url: `/v1/sessions/${id}/tensors/${name}`, headers: { ...t.auth, 'content-type': 'application/octet-stream', 'x-tensor-dtype': 'f32', 'x-tensor-shape': shape }, payload: Buffer.alloc(bytes) });
    expect((await put('emb', '4', 16)).statusCode).toBe(200);
    expect((await put('imu', '3,5', 60)).statusCode).toBe(200);
    return id;
  };
  const blob = async (bytes: Buffer, mime: string) =>
    json<{ sha256: string; size: number; mime: string }>(await t.app.inject({ method: 'PUT', url: '/v1/blobs', headers: { ...t.auth, 'content-type': mime }, payload: bytes }));
  const append = (id: string, content: unknown[]) => t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: { turns: [{ role: 'user', content }] } });

  it('every part type round-trips: POST answers and GET returns exactly what was sent', async () => {
    const id = await session();
    const video = await blob(Buffer.alloc(3000, 7), 'video/mp4');
    const file = await blob(Buffer.from('zip bytes'), 'application/zip');
    const sent = everyPart('emb', 'imu', { video: { sha256: video.sha256, size: video.size, mime: video.mime }, file: { sha256: file.sha256, size: file.size, mime: file.mime } }).map(wire);
    const res = await append(id, sent);
    expect(res.statusCode).toBe(201);
    expect(json<{ turns: { content: unknown }[] }>(res).turns[0]?.content).toEqual(sent);
    for (const query of ['?last=1', '?after_seq=0']) {
      const page = json<{ turns: { content: unknown }[] }>(await t.app.inject({ url: `/v1/sessions/${id}/turns${query}`, headers: t.auth }));
      expect(page.turns[0]?.content).toEqual(sent);
    }
  });

  it('a bad field is refused with 400, its code and a JSON pointer, and nothing is stored', async () => {
    const id = await session();
    const bad = expectProblem(await append(id, [{ type: 'text', text: 'ok' }, { type: 'location', lat: 12, lon: 200 }]), 400, 'SIRA_ERR_TURN_INVALID');
    expect(bad).toMatchObject({ pointer: '/turns/0/content/1/lon', detail: 'turns[0].content[1].lon must be a number from -180 to 180' });
    const schema = { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } };
    const mismatch = expectProblem(await append(id, [{ type: 'data', value: { qty: 1 }, schema }]), 400, 'SIRA_ERR_PART_DATA_INVALID');
    expect(mismatch.pointer).toBe('/turns/0/content/0/value');
    const shape = expectProblem(await append(id, [{ type: 'time_series', tensor: 'imu', channels: ['x', 'y'], start_ms: 0, interval_ms: 5 }]), 400, 'SIRA_ERR_TURN_INVALID');
    expect(shape.pointer).toBe('/turns/0/content/0/channels');
    expectProblem(await append(id, [{ type: 'time_series', tensor: 'nope', channels: ['x'], start_ms: 0, interval_ms: 5 }]), 400, 'SIRA_ERR_TURN_TENSOR_NOT_FOUND');
    expect(json<{ turn_count: number }>(await t.app.inject({ url: `/v1/sessions/${id}`, headers: t.auth })).turn_count).toBe(0);
  });

  it('POST /context leaves reasoning out unless include_reasoning, and counts each variant exactly', async () => {
    const id = await session();
    await append(id, [{ type: 'reasoning', text: 'hidden musing about invoices' }, { type: 'text', text: 'The invoice total is 10 EUR.' }]);
    const ctx = async (extra: object) => json<{ messages: unknown[]; usage: { used: number } }>(await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/context`, headers: t.auth, payload: { query: 'invoice', budget_tokens: 2000, ...extra } }));
    const plain = await ctx({});
    const withReasoning = await ctx({ include_reasoning: true });
    const again = await ctx({});
    expect(JSON.stringify(plain.messages)).not.toContain('hidden musing');
    expect(JSON.stringify(withReasoning.messages)).toContain('[reasoning] hidden musing about invoices');
    expect(withReasoning.usage.used).toBeGreaterThan(plain.usage.used);
    expect(again.usage.used).toBe(plain.usage.used);
  });

  it('the OpenAPI document describes every part type', async () => {
    const doc = JSON.stringify(await openApiDocument());
    for (const title of ['TextPart', 'ImagePart', 'AudioPart', 'VideoPart', 'DocumentPart', 'FilePart', 'DataPart', 'CodePart', 'ToolCallPart', 'ToolResultPart', 'ReasoningPart', 'CitationPart', 'LocationPart', 'UiEventPart', 'TimeSeriesPart', 'TensorPart', 'BlobRef']) {
      expect(doc).toContain(`"title":"${title}"`);
    }
  });
});

describe('redaction of the new text fields', () => {
  it('redactTurns() covers reasoning, code, transcripts, captions, document text and snippets', async () => {
    const { redactTurns } = await import('../../src/memory/redact/index.ts');
    const mail = 'ann@example.com';
    const parts: Part[] = [
      { type: 'reasoning', text: `mail ${mail}` },
      { type: 'code', language: 'py', code: `to = "${mail}"` },
      { type: 'audio', mime: 'audio/wav', url: 'https://x/a.wav', transcript: `write to ${mail}` },
      { type: 'document', mime: 'application/pdf', url: 's3://b/k', text: `contact ${mail}` },
      { type: 'citation', url: 'https://x/p', snippet: `by ${mail}` },
    ];
    const counts = {};
    const [out] = redactTurns([{ parts }], counts);
    expect(JSON.stringify(out)).not.toContain(mail);
    expect(Object.values(counts).reduce((a: number, b) => a + (b as number), 0)).toBe(5);
  });
});
