/**
 * /v1/blobs: streamed upload, dedup, range reads, limits with nothing stored, references from turns and the
 * refcount that follows the sessions (delete, user erasure, expiry via the sweep).
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/core/clock.ts';
import { decodeTurn, encodeTurn } from '../../src/storage/codec/turn.ts';
import { CHUNK_BYTES } from '../../src/storage/blob-store.ts';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';

type Blob = { sha256: string; size: number; mime: string; refs: number; created: boolean };
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('/v1/blobs', () => {
  let t: TestApp;
  const clock = manualClock(Date.UTC(2026, 10, 25, 12));
  beforeAll(async () => {
    t = await testApp({ limits: { maxBlobBytes: 3 * CHUNK_BYTES, maxTenantBlobBytes: 5 * CHUNK_BYTES } }, {}, { clock });
  });
  afterAll(() => t.close());

  const put = (bytes: Uint8Array, type = 'video/mp4', auth = t.auth) => t.app.inject({ method: 'PUT', url: '/v1/blobs', headers: { ...auth, 'content-type': type }, payload: Buffer.from(bytes) });
  const get = (id: string, headers: Record<string, string> = {}) => t.app.inject({ url: `/v1/blobs/${id}`, headers: { ...t.auth, ...headers } });
  const session = async (body: object = {}) => json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: body })).id;
  const appendRef = (id: string, b: Blob) =>
    t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: { turns: [{ role: 'user', content: [{ type: 'video', blob: { sha256: b.sha256, size: b.size, mime: b.mime }, caption: 'clip' }] }] } });
  const usage = () => t.sira.blobs.usage('acme');

  it('PUT stores the bytes by their SHA-256 (201), a second PUT of them is deduplicated (200), GET streams them back', async () => {
    const bytes = new Uint8Array(randomBytes(CHUNK_BYTES * 2 + 123));
    const before = await usage();
    const a = await put(bytes);
    expect(a.statusCode).toBe(201);
    expect(json<Blob>(a)).toMatchObject({ sha256: sha(bytes), size: bytes.byteLength, mime: 'video/mp4', refs: 0, created: true });
    const b = await t.app.inject({ method: 'POST', url: '/v1/blobs', headers: { ...t.auth, 'content-type': 'video/mp4' }, payload: Buffer.from(bytes) });
    expect(b.statusCode).toBe(200);
    expect(json<Blob>(b).created).toBe(false);
    expect(await usage()).toBe(before + bytes.byteLength);
    const r = await get(sha(bytes));
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('video/mp4');
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(Buffer.compare(r.rawPayload, Buffer.from(bytes))).toBe(0);
  });

  it('Range reads answer 206 with Content-Range, across chunk boundaries; an unsatisfiable range is 416', async () => {
    const bytes = new Uint8Array(randomBytes(CHUNK_BYTES + 1000));
    const id = json<Blob>(await put(bytes)).sha256;
    for (const [range, from, to] of [[`bytes=${CHUNK_BYTES - 10}-${CHUNK_BYTES + 9}`, CHUNK_BYTES - 10, CHUNK_BYTES + 10], ['bytes=0-0', 0, 1], ['bytes=-100', bytes.length - 100, bytes.length], [`bytes=${CHUNK_BYTES}-`, CHUNK_BYTES, bytes.length]] as const) {
      const r = await get(id, { range });
      expect(r.statusCode).toBe(206);
      expect(r.headers['content-range']).toBe(`bytes ${from}-${to - 1}/${bytes.length}`);
      expect(Buffer.compare(r.rawPayload, Buffer.from(bytes.subarray(from, to)))).toBe(0);
    }
    const bad = await get(id, { range: `bytes=${bytes.length}-` });
    expectProblem(bad, 416, 'SIRA_ERR_BLOB_RANGE_INVALID');
    expect(bad.headers['content-range']).toBe(`bytes */${bytes.length}`);
    expectProblem(await get('0'.repeat(64)), 404, 'SIRA_ERR_BLOB_NOT_FOUND');
  });

  it('over the per-blob or per-tenant limit: 413 and nothing stored', async () => {
    const before = await usage();
    expectProblem(await put(new Uint8Array(3 * CHUNK_BYTES + 1)), 413, 'SIRA_ERR_BLOB_TOO_LARGE');
    // Fill the tenant to near its limit, then one more blob would pass it.
    const left = 5 * CHUNK_BYTES - before;
    const fill = await put(new Uint8Array(randomBytes(left - 10)));
    expect(fill.statusCode).toBe(201);
    expectProblem(await put(new Uint8Array(randomBytes(11))), 413, 'SIRA_ERR_BLOB_TENANT_LIMIT');
    expect(await usage()).toBe(5 * CHUNK_BYTES - 10);
    // Another tenant has its own allowance and cannot see acme's blobs.
    expect((await put(new Uint8Array(11), 'video/mp4', t.authB)).statusCode).toBe(201);
    expectProblem(await t.app.inject({ url: `/v1/blobs/${json<Blob>(fill).sha256}`, headers: t.authB }), 404, 'SIRA_ERR_BLOB_NOT_FOUND');
    // Nothing of the refused uploads was left behind: no chunk beyond what the stored blobs need.
    const chunks = await t.sira.store.listDocs('acme', 'blob.chunk', { limit: 1000 });
    const metas = await t.sira.store.listDocs('acme', 'blob', { limit: 1000 });
    const needed = metas.items.reduce((n, d) => n + (JSON.parse(Buffer.from(d.value).toString()) as { chunks: number }).chunks, 0);
    expect(chunks.items.length).toBe(needed);
    // A stream with no declared length is cut off as it passes the limit, its chunks written so far removed.
    const stream = (async function* () {
      for (let i = 0; i < 16; i++) yield new Uint8Array(CHUNK_BYTES / 4);
    })();
    await expect(t.sira.blobs.put('beta', 'video/mp4', stream)).rejects.toMatchObject({ code: 'SIRA_ERR_BLOB_TOO_LARGE' });
    expect((await t.sira.store.listDocs('beta', 'blob.chunk', { limit: 1000 })).items).toHaveLength(1);
    // Free the space for the tests below: the fill blob is unreferenced; sweep after the grace period.
    clock.advance(86_400_001);
    expect(await t.sira.blobs.sweep('acme')).toBeGreaterThan(0);
    expect(await usage()).toBe(0);
  });

  it('a turn references a blob by hash (its record stays small); a missing or mis-sized ref is 400 and stores nothing', async () => {
    const bytes = new Uint8Array(randomBytes(CHUNK_BYTES + 5));
    const b = json<Blob>(await put(bytes));
    const id = await session();
    expect((await appendRef(id, b)).statusCode).toBe(201);
    expect((await t.sira.blobs.info('acme', b.sha256))?.refs).toBe(1);
    const missing = expectProblem(await appendRef(id, { ...b, sha256: '1'.repeat(64) }), 400, 'SIRA_ERR_TURN_BLOB_NOT_FOUND');
    expect(missing.pointer).toBe('/turns/0/content/0/blob');
    expectProblem(await appendRef(id, { ...b, size: b.size + 1 }), 400, 'SIRA_ERR_TURN_BLOB_NOT_FOUND');
    expect(json<{ turn_count: number }>(await t.app.inject({ url: `/v1/sessions/${id}`, headers: t.auth })).turn_count).toBe(1);
    // A 20 MB video part is a reference: the stored record is well under 1 KiB.
    const turn = { role: 'user' as const, parts: [{ type: 'video' as const, mime: 'video/mp4', blob: { sha256: b.sha256, size: 20_000_000, mime: 'video/mp4' }, width: 1920, height: 1080, duration_ms: 60_000, caption: 'the product demo' }] };
    const record = encodeTurn(turn, 0, 1 << 30);
    expect(record.byteLength).toBeLessThan(1024);
    expect(decodeTurn(record, 1).parts).toEqual(turn.parts);
  });

  it('refs follow the sessions: a blob goes when its last session is deleted, and with a user erasure', async () => {
    const b = json<Blob>(await put(new Uint8Array(randomBytes(2000))));
    const s1 = await session();
    const s2 = await session({ user_id: 'u-blob' });
    await appendRef(s1, b);
    await appendRef(s1, b);
    await appendRef(s2, b);
    expect((await t.sira.blobs.info('acme', b.sha256))?.refs).toBe(2);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/sessions/${s1}`, headers: t.auth })).statusCode).toBe(204);
    expect((await t.sira.blobs.info('acme', b.sha256))?.refs).toBe(1);
    await t.sira.tenant('acme').eraseUser('u-blob');
    expect(await t.sira.blobs.info('acme', b.sha256)).toBeUndefined();
    expectProblem(await get(b.sha256), 404, 'SIRA_ERR_BLOB_NOT_FOUND');
  });

  it('an expired session drops its refs at the next sweep, and its blob goes with it; an unreferenced one after the grace period', async () => {
    const b = json<Blob>(await put(new Uint8Array(randomBytes(3000))));
    const id = await session({ ttl_seconds: 60 });
    await appendRef(id, b);
    const fresh = json<Blob>(await put(new Uint8Array(randomBytes(100))));
    expect(await t.sira.blobs.sweep('acme')).toBe(0);
    clock.advance(61_000);
    expect(await t.sira.blobs.sweep('acme')).toBe(1);
    expect(await t.sira.blobs.info('acme', b.sha256)).toBeUndefined();
    expect((await t.sira.blobs.info('acme', fresh.sha256))?.refs).toBe(0);
    clock.advance(86_400_000);
    // The service's sweep visits every tenant holding blobs: beta's unreferenced one (from the limits test) goes too.
    expect(await t.sira.blobs.sweepAll()).toBe(2);
    expect(await t.sira.blobs.info('acme', fresh.sha256)).toBeUndefined();
    expect(await t.sira.blobs.usage('beta')).toBe(0);
  });
});
