import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DTYPE_SIZE, DTYPES } from '../../src/core/tensor.ts';
import type { DType } from '../../src/core/types.ts';
import { decodeSafetensors, encodeSafetensors } from '../../src/core/safetensors.ts';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';

const OCTET = 'application/octet-stream';
const SAFETENSORS = 'application/safetensors';

function bytesFor(dtype: DType, n: number): Buffer {
  const b = randomBytes(n * DTYPE_SIZE[dtype]);
  if (dtype === 'bool') for (let i = 0; i < b.length; i++) b[i] = (b[i] ?? 0) & 1;
  return b;
}

describe('/v1/sessions/:id/tensors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ limits: { maxTensorBytes: 4096, maxBodyBytes: 1024 } });
  });
  afterAll(() => t.close());

  const session = async () => json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth })).id;
  const putRaw = (id: string, name: string, body: Buffer, dtype?: string, shape?: string, contentType = OCTET) =>
    t.app.inject({
      method: 'PUT',
      url: `/v1/sessions/${id}/tensors/${name}`,
      headers: {
        ...t.auth,
        'content-type': contentType,
        ...(dtype === undefined ? {} : { 'x-tensor-dtype': dtype }),
        ...(shape === undefined ? {} : { 'x-tensor-shape': shape }),
      },
      payload: body,
    });
  const get = (id: string, name: string, accept?: string) =>
    t.app.inject({ url: `/v1/sessions/${id}/tensors/${name}`, headers: { ...t.auth, ...(accept === undefined ? {} : { accept }) } });
  const list = async (id: string) => json<{ tensors: Array<Record<string, unknown>> }>(await t.app.inject({ url: `/v1/sessions/${id}/tensors`, headers: t.auth })).tensors;

  it('PUT octet-stream f32 then GET returns the same bytes bit-exact with dtype and shape headers', async () => {
    const id = await session();
    const data = Buffer.from(new Float32Array([1.5, -2.25, 3, 1e-3, -0, NaN]).buffer);
    const res = await putRaw(id, 'emb', data, 'f32', '2,3');
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ name: 'emb', dtype: 'f32', shape: [2, 3], byte_length: 24 });
    const back = await get(id, 'emb');
    expect(back.statusCode).toBe(200);
    expect(back.headers['content-type']).toBe(OCTET);
    expect(back.headers['x-tensor-dtype']).toBe('f32');
    expect(back.headers['x-tensor-shape']).toBe('2,3');
    expect(back.rawPayload.equals(data)).toBe(true);
  });

  it('every dtype round-trips bit-exact over octet-stream (random bytes, including NaN payloads)', async () => {
    const id = await session();
    for (const dtype of DTYPES) {
      const data = bytesFor(dtype, 12);
      expect((await putRaw(id, `t_${dtype}`, data, dtype, '[3, 4]')).statusCode).toBe(200);
      const back = await get(id, `t_${dtype}`);
      expect(back.headers['x-tensor-dtype']).toBe(dtype);
      expect(back.headers['x-tensor-shape']).toBe('3,4');
      expect(back.rawPayload.equals(data)).toBe(true);
    }
    expect((await list(id)).map((x) => x.name)).toEqual(DTYPES.map((d) => `t_${d}`).sort());
  });

  it('dtype aliases (float32, F32) and shape forms ("[2,3]", "" = scalar) are accepted', async () => {
    const id = await session();
    expect(json(await putRaw(id, 'a', bytesFor('f32', 6), 'float32', '[2,3]'))).toMatchObject({ dtype: 'f32', shape: [2, 3] });
    expect(json(await putRaw(id, 'b', bytesFor('bf16', 6), 'BF16', ' 6 '))).toMatchObject({ dtype: 'bf16', shape: [6] });
    expect(json(await putRaw(id, 'scalar', bytesFor('i64', 1), 'int64', ''))).toMatchObject({ dtype: 'i64', shape: [] });
    expect(json(await putRaw(id, 'empty', Buffer.alloc(0), 'f32', '0,5'))).toMatchObject({ shape: [0, 5], byte_length: 0 });
    const scalar = await get(id, 'scalar');
    expect(scalar.headers['x-tensor-shape']).toBe('');
    expect((await get(id, 'empty')).rawPayload.length).toBe(0);
  });

  it('PUT application/safetensors with one tensor stores it under the URL name; GET can answer safetensors', async () => {
    const id = await session();
    const data = new Uint8Array(bytesFor('f16', 8));
    const file = encodeSafetensors({ inner: { dtype: 'f16', shape: [2, 4], data } }, { format: 'pt' });
    const res = await putRaw(id, 'kv', Buffer.from(file), undefined, undefined, SAFETENSORS);
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ name: 'kv', dtype: 'f16', shape: [2, 4] });
    const raw = await get(id, 'kv');
    expect(Buffer.from(data).equals(raw.rawPayload)).toBe(true);
    const st = await get(id, 'kv', SAFETENSORS);
    expect(st.headers['content-type']).toBe(SAFETENSORS);
    const decoded = decodeSafetensors(new Uint8Array(st.rawPayload));
    expect(Object.keys(decoded.tensors)).toEqual(['kv']);
    expect(decoded.tensors.kv).toMatchObject({ dtype: 'f16', shape: [2, 4] });
    expect(Buffer.from(decoded.tensors.kv?.data ?? []).equals(Buffer.from(data))).toBe(true);
    // q-values: raw bytes preferred over safetensors
    expect((await get(id, 'kv', `${SAFETENSORS};q=0.5, ${OCTET}`)).headers['content-type']).toBe(OCTET);
  });

  it('a safetensors body must hold exactly one valid tensor (400, nothing stored)', async () => {
    const id = await session();
    const two = encodeSafetensors({
      a: { dtype: 'u8', shape: [2], data: new Uint8Array([1, 2]) },
      b: { dtype: 'u8', shape: [1], data: new Uint8Array([3]) },
    });
    expectProblem(await putRaw(id, 'x', Buffer.from(two), undefined, undefined, SAFETENSORS), 400, 'SIRA_ERR_TENSOR_INVALID');
    expectProblem(await putRaw(id, 'x', Buffer.from(encodeSafetensors({})), undefined, undefined, SAFETENSORS), 400, 'SIRA_ERR_TENSOR_INVALID');
    expectProblem(await putRaw(id, 'x', Buffer.from('garbage!garbage!'), undefined, undefined, SAFETENSORS), 400, 'SIRA_ERR_TENSOR_INVALID');
    expect(await list(id)).toEqual([]);
  });

  it('a shape that does not match the bytes is 400 SIRA_ERR_TENSOR_INVALID and stores nothing', async () => {
    const id = await session();
    expectProblem(await putRaw(id, 'bad', bytesFor('f32', 5), 'f32', '2,3'), 400, 'SIRA_ERR_TENSOR_INVALID');
    expectProblem(await putRaw(id, 'bad', bytesFor('f32', 6), 'f99', '2,3'), 400, 'SIRA_ERR_TENSOR_INVALID');
    expectProblem(await putRaw(id, 'bad', bytesFor('f32', 6), 'f32', '2;3'), 400, 'SIRA_ERR_TENSOR_INVALID');
    expectProblem(await putRaw(id, 'bad', bytesFor('f32', 6), 'f32', '-2,-3'), 400, 'SIRA_ERR_TENSOR_INVALID');
    expectProblem(await putRaw(id, 'bad', bytesFor('f32', 6), undefined, '2,3'), 400, 'SIRA_ERR_TENSOR_INVALID');
    expectProblem(await putRaw(id, 'bad', bytesFor('f32', 6), 'f32'), 400, 'SIRA_ERR_TENSOR_INVALID');
    expectProblem(await putRaw(id, 'bad', Buffer.from([0, 2]), 'bool', '2'), 400, 'SIRA_ERR_TENSOR_INVALID');
    expectProblem(await putRaw(id, 'bad', bytesFor('u8', 9), 'u8', '1,1,1,1,1,1,1,1,9'), 400, 'SIRA_ERR_TENSOR_INVALID');
    expectProblem(await putRaw(id, '.hidden', bytesFor('u8', 1), 'u8', '1'), 400, 'SIRA_ERR_TENSOR_NAME_INVALID');
    expect(await list(id)).toEqual([]);
  });

  it('an oversized tensor is 413 SIRA_ERR_TENSOR_TOO_LARGE and stores nothing (tensor limit, not the JSON body limit)', async () => {
    const id = await session();
    // 2 KiB is over maxBodyBytes (1 KiB) but within maxTensorBytes (4 KiB): tensors have their own limit.
    expect((await putRaw(id, 'ok', bytesFor('u8', 2048), 'u8', '2048')).statusCode).toBe(200);
    expectProblem(await putRaw(id, 'big', bytesFor('u8', 4097), 'u8', '4097'), 413, 'SIRA_ERR_TENSOR_TOO_LARGE');
    expectProblem(await putRaw(id, 'big', bytesFor('u8', 16), 'f32', '1024,1024'), 413, 'SIRA_ERR_TENSOR_TOO_LARGE');
    const file = encodeSafetensors({ x: { dtype: 'u8', shape: [5000], data: new Uint8Array(5000) } });
    expectProblem(await putRaw(id, 'big', Buffer.from(file), undefined, undefined, SAFETENSORS), 413, 'SIRA_ERR_TENSOR_TOO_LARGE');
    expect((await list(id)).map((x) => x.name)).toEqual(['ok']);
  });

  it('a JSON or text body is 415', async () => {
    const id = await session();
    const json415 = await t.app.inject({
      method: 'PUT',
      url: `/v1/sessions/${id}/tensors/x`,
      headers: { ...t.auth, 'content-type': 'application/json' },
      payload: { data: [1, 2] },
    });
    expectProblem(json415, 415, 'SIRA_ERR_REQUEST_UNSUPPORTED_MEDIA');
    expectProblem(await putRaw(id, 'x', Buffer.from('1,2'), 'u8', '3', 'text/plain'), 415, 'SIRA_ERR_REQUEST_UNSUPPORTED_MEDIA');
    expect(await list(id)).toEqual([]);
  });

  it('names may contain "/" when percent-encoded', async () => {
    const id = await session();
    const data = bytesFor('i32', 2);
    expect((await putRaw(id, 'layer.0%2Fkv', data, 'i32', '2')).statusCode).toBe(200);
    expect((await list(id)).map((x) => x.name)).toEqual(['layer.0/kv']);
    expect((await get(id, 'layer.0%2Fkv')).rawPayload.equals(data)).toBe(true);
  });

  it('PUT replaces; list gives metadata only; DELETE is 204 then 404 SIRA_ERR_TENSOR_NOT_FOUND', async () => {
    const id = await session();
    await putRaw(id, 'w', bytesFor('f32', 2), 'f32', '2');
    const replaced = bytesFor('f64', 3);
    await putRaw(id, 'w', replaced, 'f64', '3');
    const tensors = await list(id);
    expect(tensors).toHaveLength(1);
    expect(tensors[0]).toMatchObject({ name: 'w', dtype: 'f64', shape: [3], byte_length: 24 });
    expect(new Date(tensors[0]?.updated_at as string).toISOString()).toBe(tensors[0]?.updated_at);
    expect((await get(id, 'w')).rawPayload.equals(replaced)).toBe(true);
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/sessions/${id}/tensors/w`, headers: t.auth });
    expect(del.statusCode).toBe(204);
    expectProblem(await get(id, 'w'), 404, 'SIRA_ERR_TENSOR_NOT_FOUND');
    expectProblem(await t.app.inject({ method: 'DELETE', url: `/v1/sessions/${id}/tensors/w`, headers: t.auth }), 404, 'SIRA_ERR_TENSOR_NOT_FOUND');
    expect(await list(id)).toEqual([]);
  });

  it('tensors of a missing session are 404 SIRA_ERR_SESSION_NOT_FOUND', async () => {
    expectProblem(await putRaw('ghost', 'w', bytesFor('u8', 1), 'u8', '1'), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expectProblem(await get('ghost', 'w'), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expectProblem(await t.app.inject({ url: '/v1/sessions/ghost/tensors', headers: t.auth }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expectProblem(await t.app.inject({ method: 'DELETE', url: '/v1/sessions/ghost/tensors/w', headers: t.auth }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
  });
});
