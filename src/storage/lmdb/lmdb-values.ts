/**
 * @module storage/lmdb/lmdb-values
 * A session's values on LMDB: its state record (put, or JSON merge patch, under an optional expected version)
 * and its named tensors (raw records under `[tenant, id, name]`, at most `maxTensors` per session).
 */
import { siraError } from '../../core/errors.ts';
import { mergePatch } from '../../core/merge-patch.ts';
import type { JsonObject, StateRecord, Tensor, TensorInfo } from '../../core/types.ts';
import { encodeState } from '../codec/records.ts';
import { decodeTensorInfo, decodeTensorRecord, encodeTensorRecord } from '../codec/tensor-record.ts';
import { slideSession, stateConflict, tensorLimit } from '../session-records.ts';
import type { LmdbCore } from './lmdb-core.ts';
import type { Key } from './lmdb-open.ts';

/** {@link Store.getState} on LMDB. */
export function getState(c: LmdbCore, tenant: string, sessionId: string): StateRecord | undefined {
  c.check();
  if (c.live(tenant, sessionId) === undefined) return undefined;
  return c.readState(tenant, sessionId);
}

/** Write the state `make` builds from the current one (put: the value; patch: the merge), in one transaction. */
function writeState(c: LmdbCore, tenant: string, id: string, make: (cur: StateRecord) => JsonObject, expected?: number): Promise<StateRecord> {
  return c.txn(() => {
    const now = c.clock();
    const prev = c.live(tenant, id, now);
    if (prev === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
    const cur = c.readState(tenant, id);
    if (expected !== undefined && expected !== cur.version) throw stateConflict(cur.version, expected);
    const next: StateRecord = { version: cur.version + 1, value: make(cur), updated_at: now };
    c.db.state.putSync([tenant, id], encodeState(next));
    c.writeSession(slideSession({ ...prev, state_version: next.version }, now), prev);
    c.event(tenant, id, 'state.changed', now, { version: next.version });
    return next;
  });
}

/** {@link Store.putState} on LMDB. */
export function putState(c: LmdbCore, tenant: string, sessionId: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord> {
  return writeState(c, tenant, sessionId, () => value, expectedVersion);
}

/** {@link Store.patchState} on LMDB. */
export function patchState(c: LmdbCore, tenant: string, sessionId: string, patch: JsonObject, expectedVersion?: number): Promise<StateRecord> {
  return writeState(c, tenant, sessionId, (cur) => mergePatch(cur.value, patch) as JsonObject, expectedVersion);
}

/** {@link Store.putTensor} on LMDB. */
export function putTensor(c: LmdbCore, tenant: string, sessionId: string, name: string, tensor: Tensor): Promise<TensorInfo> {
  const now = c.clock();
  const rec = encodeTensorRecord(tensor, now);
  // Names starting with '_' are the service's own (embedding chunks, written behind an acknowledged append): they
  // neither slide the TTL (the client's write already did) nor need a commit on the caller's thread, so they go to
  // lmdb-js's write thread, where writes queued together share one commit.
  const internal = name.startsWith('_');
  return (internal ? c.txnBehind.bind(c) : c.txn.bind(c))(() => {
    const prev = c.live(tenant, sessionId, now);
    if (prev === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
    const key: Key = [tenant, sessionId, name];
    if (c.db.tensors.getBinary(key) === undefined) {
      const count = c.db.tensors.getKeysCount({ start: [tenant, sessionId, ''], end: [tenant, sessionId, '\uffff'] });
      if (count >= c.maxTensors) throw tensorLimit(c.maxTensors);
    }
    c.db.tensors.putSync(key, rec);
    // The service's own tensors (clients cannot name them) write no event.
    if (!internal) {
      c.writeSession(slideSession(prev, now), prev);
      c.event(tenant, sessionId, 'tensor.written', now, { name });
    }
    return { name, dtype: tensor.dtype, shape: [...tensor.shape], byte_length: tensor.data.byteLength, updated_at: now };
  });
}

/** {@link Store.getTensor} on LMDB: a view of the stored record (no copy). */
export function getTensor(c: LmdbCore, tenant: string, sessionId: string, name: string): Tensor | undefined {
  c.check();
  if (c.live(tenant, sessionId) === undefined) return undefined;
  const raw = c.db.tensors.getBinary([tenant, sessionId, name]);
  return raw === undefined ? undefined : decodeTensorRecord(raw, { copy: false }).tensor;
}

/** {@link Store.listTensors} on LMDB, in name order. */
export function listTensors(c: LmdbCore, tenant: string, sessionId: string): TensorInfo[] | undefined {
  c.check();
  if (c.live(tenant, sessionId) === undefined) return undefined;
  const out: TensorInfo[] = [];
  for (const { key, value } of c.db.tensors.getRange({ start: [tenant, sessionId, ''], end: [tenant, sessionId, '\uffff'] })) {
    out.push({ name: (key as Key)[2] as string, ...decodeTensorInfo(value) });
  }
  return out;
}

/** {@link Store.deleteTensor} on LMDB. */
export function deleteTensor(c: LmdbCore, tenant: string, sessionId: string, name: string): Promise<boolean> {
  return c.txn(() => {
    const now = c.clock();
    const prev = c.live(tenant, sessionId, now);
    if (prev === undefined) return false;
    const removed = c.db.tensors.removeSync([tenant, sessionId, name]);
    if (removed) {
      c.writeSession(slideSession(prev, now), prev);
      c.event(tenant, sessionId, 'tensor.deleted', now, { name });
    }
    return removed;
  });
}
