/**
 * @module storage/redis/redis-values
 * A session's values on Redis: its state (a versioned put in one script; a patch is read, merged here and
 * written under the version read) and its named tensors (the record in one hash, its header in another, so a
 * listing moves no tensor data).
 */
import { isSiraError, siraError } from '../../core/errors.ts';
import { mergePatch } from '../../core/merge-patch.ts';
import type { JsonObject, StateRecord, Tensor, TensorInfo } from '../../core/types.ts';
import { decodeTensorInfoHeader, decodeTensorRecord, encodeTensorRecord, tensorRecordDataOffset } from '../codec/tensor-record.ts';
import { stateConflict, tensorLimit } from '../session-records.ts';
import type { RedisCore } from './redis-core.ts';
import { pairs, str } from './replies.ts';
import * as S from './scripts.ts';

/** {@link Store.getState} on Redis. */
export async function getState(c: RedisCore, tenant: string, sessionId: string): Promise<StateRecord | undefined> {
  const k = c.k.session(tenant, sessionId);
  const reply = await c.run(S.GET_STATE, [k.session, k.state], [String(c.clock())]);
  if (str(reply[0]) === 'nf') return undefined;
  const raw = reply[3];
  const value = Buffer.isBuffer(raw) ? await c.open('state', raw) : Buffer.from(str(raw));
  if (value === undefined) return undefined;
  return { version: Number(str(reply[1])), updated_at: Number(str(reply[2])), value: JSON.parse(value.toString('utf8')) as JsonObject };
}

/** {@link Store.putState} on Redis. */
export async function putState(c: RedisCore, tenant: string, sessionId: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord> {
  const now = c.clock();
  const json = JSON.stringify(value);
  const stored = c.sealer === undefined ? json : await c.sealer.seal(tenant, 'state', Buffer.from(json, 'utf8'));
  const reply = await c.write(S.PUT_STATE, c.sk(tenant, sessionId), [String(now), c.gc(), expectedVersion === undefined ? '' : String(expectedVersion), stored, c.retention]);
  const status = str(reply[0]);
  if (status === 'nf') throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
  if (status === 'conflict') throw stateConflict(Number(str(reply[1])), expectedVersion);
  return { version: Number(str(reply[1])), value, updated_at: now };
}

/** {@link Store.patchState} on Redis. */
export async function patchState(c: RedisCore, tenant: string, sessionId: string, patch: JsonObject, expectedVersion?: number): Promise<StateRecord> {
  // Read, merge here, write only if the version is still the one read. Without an expected version a lost race
  // is retried: some writer succeeds on every round, so this ends.
  for (;;) {
    const cur = await getState(c, tenant, sessionId);
    if (cur === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
    if (expectedVersion !== undefined && expectedVersion !== cur.version) throw stateConflict(cur.version, expectedVersion);
    try {
      return await putState(c, tenant, sessionId, mergePatch(cur.value, patch) as JsonObject, cur.version);
    } catch (err) {
      if (expectedVersion !== undefined || !isSiraError(err, 'SIRA_ERR_STATE_VERSION_CONFLICT')) throw err;
    }
  }
}

/** {@link Store.putTensor} on Redis. */
export async function putTensor(c: RedisCore, tenant: string, sessionId: string, name: string, tensor: Tensor): Promise<TensorInfo> {
  const now = c.clock();
  const rec = encodeTensorRecord(tensor, now);
  const header = rec.subarray(0, tensorRecordDataOffset(tensor.shape.length));
  const reply = await c.write(S.PUT_TENSOR, c.sk(tenant, sessionId), [
    String(now),
    c.gc(),
    name,
    S.buf(await c.seal(tenant, 'tensors', rec)),
    S.buf(header),
    String(c.maxTensors),
    c.retention,
  ]);
  const status = str(reply[0]);
  if (status === 'nf') throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
  if (status === 'limit') throw tensorLimit(c.maxTensors);
  if (str(reply[1]) === '1') c.count({ tensors: 1 });
  return { name, dtype: tensor.dtype, shape: [...tensor.shape], byte_length: tensor.data.byteLength, updated_at: now };
}

/** {@link Store.getTensor} on Redis. */
export async function getTensor(c: RedisCore, tenant: string, sessionId: string, name: string): Promise<Tensor | undefined> {
  const k = c.k.session(tenant, sessionId);
  const reply = await c.run(S.GET_FIELD, [k.session, k.tensors], [String(c.clock()), name]);
  const rec = reply[1];
  // The reply buffer is this call's own: the tensor views it without another copy.
  if (str(reply[0]) === 'nf' || !Buffer.isBuffer(rec)) return undefined;
  const plain = await c.open('tensors', rec);
  return plain === undefined ? undefined : decodeTensorRecord(plain).tensor;
}

/** {@link Store.listTensors} on Redis, in name order. */
export async function listTensors(c: RedisCore, tenant: string, sessionId: string): Promise<TensorInfo[] | undefined> {
  const k = c.k.session(tenant, sessionId);
  const reply = await c.run(S.GET_ALL, [k.session, k.tinfo], [String(c.clock())]);
  if (str(reply[0]) === 'nf') return undefined;
  const out: TensorInfo[] = [];
  for (const [name, header] of pairs(reply[1] as unknown[])) out.push({ name, ...decodeTensorInfoHeader(header as Buffer) });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** {@link Store.deleteTensor} on Redis. */
export async function deleteTensor(c: RedisCore, tenant: string, sessionId: string, name: string): Promise<boolean> {
  const reply = await c.write(S.DELETE_TENSOR, c.sk(tenant, sessionId), [String(c.clock()), c.gc(), name, c.retention]);
  const removed = str(reply[0]) === 'ok' && str(reply[1]) === '1';
  if (removed) c.count({ tensors: -1 });
  return removed;
}
