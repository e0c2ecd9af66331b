/**
 * @module memory/workspaces/crdt
 * Yjs documents of a workspace: an append-only log of updates plus a compacted snapshot.
 *
 * - Append: each accepted update is one `~u/<doc>/<update id>` tensor of the backing session (its event is written
 *   in the same atomic step). Appends never conflict: Yjs updates commute and are idempotent, so any number of
 *   writers on any number of instances may append concurrently.
 * - Compact: read the snapshot (version v), then the pending updates, merge them in a Y.Doc, write the new snapshot
 *   only if the snapshot is still at v (document CAS), and only then delete the merged updates. A compactor that
 *   loses the CAS gives up (someone else compacted). Every snapshot therefore contains the previous one, and an
 *   update is deleted only once a snapshot holding it is durable.
 * - Read: list and fetch the pending updates first, then read the snapshot. An update that vanished between the
 *   list and the fetch was deleted by a compactor after its snapshot was written, so the later snapshot read sees
 *   it; reading the snapshot first could miss an update compacted in between.
 */
import * as Y from 'yjs';
import { isSiraError, siraError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Store } from '../../storage/store.ts';
import { SNAPSHOT_COLLECTION, UPDATE_PREFIX, parseUpdate, updatePrefix } from './model.ts';

const DOC_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/** Tunables of the CRDT log. */
export interface CrdtOptions {
  /** Compact a doc once it has this many pending updates. @default 32 */
  compactEvery: number;
  /** …or once its pending updates hold this many bytes. @default 262144 */
  compactBytes: number;
  /** Largest update accepted, in bytes. @default 1048576 */
  maxUpdateBytes: number;
}

/** Defaults of {@link CrdtOptions}. */
export const DEFAULT_CRDT_OPTIONS: Readonly<CrdtOptions> = Object.freeze({ compactEvery: 32, compactBytes: 256 * 1024, maxUpdateBytes: 1024 * 1024 });

/** Where one doc of one workspace lives. */
export interface DocRef {
  tenant: string;
  /** Backing session id. */
  session: string;
  /** Snapshot document id: `<workspace>/<incarnation>/<doc>` (a re-created workspace never sees an old snapshot). */
  snapshotId: string;
  doc: string;
}

/** Throws SIRA_ERR_CRDT_DOC_INVALID unless `doc` is 1-64 chars of [A-Za-z0-9_.:-]. */
export function checkDocName(doc: string): void {
  if (!DOC_RE.test(doc)) throw siraError('SIRA_ERR_CRDT_DOC_INVALID', 'a CRDT doc name is 1-64 chars of [A-Za-z0-9_.:-], starting with a letter or digit');
}

/**
 * Throws SIRA_ERR_CRDT_UPDATE_INVALID unless `update` is a decodable Yjs (v1) update within `maxBytes` that a
 * fresh Y.Doc accepts. An update with missing dependencies is valid (Yjs keeps it pending until they arrive).
 */
export function checkUpdate(update: Uint8Array, maxBytes: number): void {
  if (update.byteLength === 0) throw siraError('SIRA_ERR_CRDT_UPDATE_INVALID', 'the update is empty');
  if (update.byteLength > maxBytes) throw siraError('SIRA_ERR_CRDT_UPDATE_INVALID', `the update is ${update.byteLength} bytes, limit ${maxBytes}`);
  try {
    Y.decodeUpdate(update);
    Y.applyUpdate(new Y.Doc(), update);
  } catch (err) {
    throw siraError('SIRA_ERR_CRDT_UPDATE_INVALID', `not a Yjs update: ${(err as Error).message}`);
  }
}

/** Throws SIRA_ERR_CRDT_STATE_VECTOR_INVALID unless `sv` is a Yjs state vector. */
export function checkStateVector(sv: Uint8Array): void {
  try {
    const m = Y.decodeStateVector(sv);
    for (const [client, clock] of m) if (!Number.isSafeInteger(client) || !Number.isSafeInteger(clock) || clock < 0) throw new Error('bad entry');
    if (Y.encodeStateVector(m).byteLength !== sv.byteLength) throw new Error('trailing bytes');
  } catch (err) {
    throw siraError('SIRA_ERR_CRDT_STATE_VECTOR_INVALID', `not a Yjs state vector: ${(err as Error).message}`);
  }
}

/** A new update id (time-ordered, unique) and its tensor name. */
export function newUpdateName(doc: string, now: number): { update_id: string; name: string } {
  const update_id = newId('', now);
  return { update_id, name: updatePrefix(doc) + update_id };
}

/** Append an update (already checked) as tensor `name`. Throws SIRA_ERR_SESSION_NOT_FOUND / SIRA_ERR_TENSOR_LIMIT. */
export async function appendUpdate(store: Store, ref: DocRef, name: string, update: Uint8Array): Promise<void> {
  await store.putTensor(ref.tenant, ref.session, name, { dtype: 'u8', shape: [update.byteLength], data: update });
}

/** Pending update tensors of a doc (names and sizes); undefined when the session is missing. */
export async function pendingUpdates(store: Store, ref: DocRef): Promise<{ name: string; bytes: number }[] | undefined> {
  const infos = await store.listTensors(ref.tenant, ref.session);
  if (infos === undefined) return undefined;
  const prefix = updatePrefix(ref.doc);
  return infos.filter((i) => i.name.startsWith(prefix)).map((i) => ({ name: i.name, bytes: i.byte_length }));
}

/** Names of the docs with pending updates or a snapshot. */
export async function listDocNames(store: Store, tenant: string, session: string, snapshotPrefix: string): Promise<string[] | undefined> {
  const infos = await store.listTensors(tenant, session);
  if (infos === undefined) return undefined;
  const names = new Set<string>();
  for (const i of infos) if (i.name.startsWith(UPDATE_PREFIX)) names.add(parseUpdate(i.name)?.doc ?? '');
  let cursor: string | undefined;
  do {
    const page = await store.listDocs(tenant, SNAPSHOT_COLLECTION, { prefix: snapshotPrefix, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    for (const d of page.items) names.add(d.id.slice(snapshotPrefix.length));
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
  names.delete('');
  return [...names].sort();
}

/** The doc's merged state as a Y.Doc, and what it was built from; undefined when the session is missing. */
export async function loadDoc(store: Store, ref: DocRef): Promise<{ doc: Y.Doc; pending: number; snapshotVersion: number } | undefined> {
  const pending = await pendingUpdates(store, ref);
  if (pending === undefined) return undefined;
  const updates = await Promise.all(pending.map((p) => store.getTensor(ref.tenant, ref.session, p.name)));
  const snap = await store.getDoc(ref.tenant, SNAPSHOT_COLLECTION, ref.snapshotId);
  const doc = new Y.Doc();
  if (snap !== undefined) Y.applyUpdate(doc, snap.value);
  for (const u of updates) if (u !== undefined) Y.applyUpdate(doc, u.data);
  return { doc, pending: pending.length, snapshotVersion: snap?.version ?? 0 };
}

/** Whether a doc's pending log is over the compaction thresholds. */
export function shouldCompact(pending: readonly { bytes: number }[], opts: CrdtOptions): boolean {
  return pending.length >= opts.compactEvery || pending.reduce((n, p) => n + p.bytes, 0) >= opts.compactBytes;
}

/**
 * Merge the doc's pending updates into its snapshot (CAS-guarded) and delete them. Returns how many updates were
 * merged, 0 when there were none or another compactor won the race; undefined when the session is missing.
 */
export async function compactDoc(store: Store, ref: DocRef): Promise<number | undefined> {
  const snap = await store.getDoc(ref.tenant, SNAPSHOT_COLLECTION, ref.snapshotId);
  const pending = await pendingUpdates(store, ref);
  if (pending === undefined) return undefined;
  if (pending.length === 0) return 0;
  const updates = await Promise.all(pending.map((p) => store.getTensor(ref.tenant, ref.session, p.name)));
  const doc = new Y.Doc();
  if (snap !== undefined) Y.applyUpdate(doc, snap.value);
  const merged: string[] = [];
  updates.forEach((u, i) => {
    // Gone since the listing: a concurrent compactor merged it, and will win or has won the CAS below.
    if (u === undefined) return;
    Y.applyUpdate(doc, u.data);
    merged.push(pending[i]!.name);
  });
  try {
    await store.putDoc(ref.tenant, SNAPSHOT_COLLECTION, ref.snapshotId, Y.encodeStateAsUpdate(doc), snap?.version ?? 0);
  } catch (err) {
    if (isSiraError(err, 'SIRA_ERR_DOC_VERSION_CONFLICT')) return 0;
    throw err;
  }
  // The snapshot is durable: the merged updates may go. A crash here leaves duplicates, which merging ignores.
  for (const name of merged) await store.deleteTensor(ref.tenant, ref.session, name);
  return merged.length;
}
