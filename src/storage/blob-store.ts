/**
 * @module storage/blob-store
 * Content-addressed blobs (issue 16): large media live outside turn records, named by their SHA-256, deduplicated
 * and refcounted per tenant, and built on the {@link Store}'s documents, so every backend (LMDB, Redis and Redis
 * Cluster, NATS) holds them, sealed where it seals documents, and erasing a tenant erases its blobs.
 *
 * Collections (all tenant-scoped):
 * - `blob` — `<sha256>` → JSON `{size, mime, upload, chunks, chunk_bytes, refs, created_at}`
 * - `blob.chunk` — `<upload>:<i, 6 digits>` → up to {@link CHUNK_BYTES} raw bytes. Chunks are keyed by the upload,
 *   not the hash, so an upload is written as it streams in and a failed or duplicate one is deleted by prefix.
 * - `blob.ref` — `<session id>` → JSON list of the hashes the session's turns reference (each counts once in `refs`)
 * - `blob.usage` — `total` → JSON `{bytes}`: what the tenant's blobs hold, for the per-tenant limit
 *
 * Lifecycle: a blob is written, then referenced by turns (refs + 1 per session). Deleting or erasing a session
 * drops its refs; a blob whose refs reach 0 that way is deleted at once. A blob never referenced, or whose
 * sessions expired, is deleted by {@link BlobStore.sweep} once older than the grace period.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Clock } from '../core/clock.ts';
import { isSiraError, siraError } from '../core/errors.ts';
import { isMediaPart, type BlobRef, type Part } from '../core/types.ts';
import type { Store } from './store.ts';

/** Bytes per stored chunk (below NATS's inline value size, so every backend stores a chunk as one value). */
export const CHUNK_BYTES = 256 * 1024;
const META = 'blob';
const CHUNKS = 'blob.chunk';
const REFS = 'blob.ref';
const USAGE = 'blob.usage';
const CAS_TRIES = 32;
const IN_FLIGHT = 8;
// The service's own scope (memory/audit's SERVICE_TENANT): `blob.tenants` lists tenants that hold blobs, for the sweep.
const SERVICE_SCOPE = '_sira';
const TENANTS = 'blob.tenants';
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** A stored blob's description. */
export interface BlobInfo extends BlobRef {
  /** Sessions whose turns reference it. */
  refs: number;
  created_at: number;
}

interface Meta {
  size: number;
  mime: string;
  upload: string;
  chunks: number;
  chunk_bytes: number;
  refs: number;
  created_at: number;
}

/** Options of the blob store. */
export interface BlobStoreOptions {
  /** Largest blob, bytes. @default 268435456 (256 MiB) */
  maxBlobBytes?: number;
  /** Most bytes one tenant's blobs may hold. @default 10737418240 (10 GiB) */
  maxTenantBlobBytes?: number;
  /** How long an unreferenced blob is kept (ms), so a client can upload first and append the turn after. @default 86400000 */
  orphanGraceMs?: number;
}

const json = (v: unknown) => utf8.encode(JSON.stringify(v));
const parse = <T>(b: Uint8Array) => JSON.parse(fromUtf8.decode(b)) as T;
const chunkId = (upload: string, i: number) => `${upload}:${String(i).padStart(6, '0')}`;

/** Blobs of every tenant over one store. */
export class BlobStore {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly maxBlobBytes: number;
  readonly maxTenantBlobBytes: number;
  readonly #grace: number;

  constructor(store: Store, clock: Clock, opts: BlobStoreOptions = {}) {
    this.#store = store;
    this.#clock = clock;
    this.maxBlobBytes = opts.maxBlobBytes ?? 256 * 1024 * 1024;
    this.maxTenantBlobBytes = opts.maxTenantBlobBytes ?? 10 * 1024 * 1024 * 1024;
    this.#grace = opts.orphanGraceMs ?? 86_400_000;
  }

  /** The blob's description, or undefined. */
  async info(tenant: string, sha256: string): Promise<BlobInfo | undefined> {
    const doc = await this.#store.getDoc(tenant, META, sha256);
    if (doc === undefined) return undefined;
    const m = parse<Meta>(doc.value);
    return { sha256, size: m.size, mime: m.mime, refs: m.refs, created_at: m.created_at };
  }

  /** Bytes the tenant's blobs hold. */
  async usage(tenant: string): Promise<number> {
    const doc = await this.#store.getDoc(tenant, USAGE, 'total');
    return doc === undefined ? 0 : parse<{ bytes: number }>(doc.value).bytes;
  }

  /**
   * Store the bytes of `body` (streamed: held one chunk at a time) as a blob of media type `mime`. `declared` is
   * the content-length when known, checked before a byte is read. Throws SIRA_ERR_BLOB_TOO_LARGE over
   * `maxBlobBytes` and SIRA_ERR_BLOB_TENANT_LIMIT over the tenant's limit, with nothing stored. `created` is false
   * when the tenant already held these bytes (the new copy is dropped).
   */
  async put(tenant: string, mime: string, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Readable, declared?: number): Promise<BlobInfo & { created: boolean }> {
    const used = await this.usage(tenant);
    if (declared !== undefined) this.#checkSize(declared, used);
    const upload = randomBytes(12).toString('hex');
    const hash = createHash('sha256');
    let size = 0;
    let chunks = 0;
    const pending: Uint8Array[] = [];
    let pendingBytes = 0;
    // Up to IN_FLIGHT chunk writes overlap (a backend may commit them together); memory stays bounded by it.
    const writes = new Set<Promise<unknown>>();
    let failed: unknown;
    const flush = async () => {
      // A copy: the pieces are views into the body's buffers, which the stream may reuse.
      const chunk = Buffer.concat(pending, pendingBytes);
      const w: Promise<unknown> = this.#store.putDoc(tenant, CHUNKS, chunkId(upload, chunks++), chunk).then(
        (): unknown => writes.delete(w),
        (e: unknown): unknown => {
          failed ??= e;
          return writes.delete(w);
        },
      );
      writes.add(w);
      pending.length = 0;
      pendingBytes = 0;
      if (writes.size >= IN_FLIGHT) await Promise.race(writes);
      if (failed !== undefined) throw failed;
    };
    try {
      for await (const piece of body as AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
        size += piece.byteLength;
        this.#checkSize(size, used);
        hash.update(piece);
        let rest = piece;
        while (rest.byteLength > 0) {
          const take = Math.min(CHUNK_BYTES - pendingBytes, rest.byteLength);
          pending.push(rest.subarray(0, take));
          pendingBytes += take;
          rest = rest.subarray(take);
          if (pendingBytes === CHUNK_BYTES) await flush();
        }
      }
      if (pendingBytes > 0) await flush();
      await Promise.all(writes);
      if (failed !== undefined) throw failed;
    } catch (e) {
      await Promise.all(writes);
      await this.#store.deleteDocs(tenant, CHUNKS, `${upload}:`);
      throw e;
    }
    return this.#commit(tenant, hash.digest('hex'), { size, mime, upload, chunks, chunk_bytes: CHUNK_BYTES, refs: 0, created_at: this.#clock() });
  }

  /** Store `bytes` (a convenience over {@link put}). */
  putBytes(tenant: string, mime: string, bytes: Uint8Array): Promise<BlobInfo & { created: boolean }> {
    return this.put(tenant, mime, [bytes], bytes.byteLength);
  }

  #checkSize(size: number, used: number): void {
    if (size > this.maxBlobBytes) throw siraError('SIRA_ERR_BLOB_TOO_LARGE', `the blob is over ${this.maxBlobBytes} bytes`, { details: { limit: this.maxBlobBytes } });
    if (used + size > this.maxTenantBlobBytes) {
      throw siraError('SIRA_ERR_BLOB_TENANT_LIMIT', `the tenant's blobs would hold more than ${this.maxTenantBlobBytes} bytes`, { details: { limit: this.maxTenantBlobBytes, used } });
    }
  }

  async #commit(tenant: string, sha256: string, meta: Meta): Promise<BlobInfo & { created: boolean }> {
    try {
      await this.#store.putDoc(tenant, META, sha256, json(meta), 0);
    } catch (e) {
      // The tenant holds these bytes already (or a concurrent upload of them won): keep that copy, drop ours.
      if (!isSiraError(e, 'SIRA_ERR_DOC_VERSION_CONFLICT')) throw e;
      await this.#store.deleteDocs(tenant, CHUNKS, `${meta.upload}:`);
      return { ...(await this.info(tenant, sha256))!, created: false };
    }
    await this.#addUsage(tenant, meta.size);
    if ((await this.#store.getDoc(SERVICE_SCOPE, TENANTS, tenant)) === undefined) await this.#store.putDoc(SERVICE_SCOPE, TENANTS, tenant, new Uint8Array(0));
    return { sha256, size: meta.size, mime: meta.mime, refs: 0, created_at: meta.created_at, created: true };
  }

  /**
   * The bytes [start, end) of a blob (default: all of it), as chunks read one at a time. Throws
   * SIRA_ERR_BLOB_NOT_FOUND. The yielded arrays are the caller's.
   */
  async *read(tenant: string, sha256: string, start = 0, end?: number): AsyncGenerator<Uint8Array> {
    const doc = await this.#store.getDoc(tenant, META, sha256);
    if (doc === undefined) throw siraError('SIRA_ERR_BLOB_NOT_FOUND', `no blob ${sha256}`);
    const m = parse<Meta>(doc.value);
    const stop = Math.min(end ?? m.size, m.size);
    for (let i = Math.floor(start / m.chunk_bytes); i < m.chunks && i * m.chunk_bytes < stop; i++) {
      const chunk = await this.#store.getDoc(tenant, CHUNKS, chunkId(m.upload, i));
      if (chunk === undefined) throw siraError('SIRA_ERR_STORE_FAILED', `blob ${sha256} lost chunk ${i}`);
      const from = i * m.chunk_bytes;
      yield chunk.value.subarray(Math.max(0, start - from), Math.min(chunk.value.byteLength, stop - from));
    }
  }

  /**
   * Record that session `sessionId`'s turns reference `refs` (called after the append). Each blob counts the
   * session once, however many turns reference it.
   */
  async addRefs(tenant: string, sessionId: string, refs: readonly string[]): Promise<void> {
    const added = await this.#updateRefs(tenant, sessionId, (held) => refs.filter((s) => !held.has(s)));
    for (const sha of new Set(added)) await this.#updateMeta(tenant, sha, (m) => ({ ...m, refs: m.refs + 1 }));
  }

  /** Drop the refs of deleted sessions; a blob no session references any more is deleted. Returns how many were. */
  async dropSessions(tenant: string, sessionIds: Iterable<string>): Promise<number> {
    let deleted = 0;
    for (const id of sessionIds) {
      const doc = await this.#store.getDoc(tenant, REFS, id);
      if (doc === undefined) continue;
      for (const sha of parse<string[]>(doc.value)) {
        const m = await this.#updateMeta(tenant, sha, (x) => ({ ...x, refs: Math.max(0, x.refs - 1) }));
        if (m !== undefined && m.refs === 0 && (await this.#delete(tenant, sha))) deleted++;
      }
      await this.#store.deleteDoc(tenant, REFS, id);
    }
    return deleted;
  }

  /**
   * Drop the refs of sessions that no longer exist (expired: their blobs go at once when no other session
   * references them), then delete every blob of the tenant with no refs older than the grace period (uploaded and
   * never referenced). Returns how many blobs were deleted.
   */
  async sweep(tenant: string): Promise<number> {
    const gone: string[] = [];
    for await (const doc of this.#docs(tenant, REFS)) if ((await this.#store.getSession(tenant, doc.id)) === undefined) gone.push(doc.id);
    let deleted = await this.dropSessions(tenant, gone);
    const cutoff = this.#clock() - this.#grace;
    for await (const doc of this.#docs(tenant, META)) {
      const m = parse<Meta>(doc.value);
      if (m.refs === 0 && m.created_at <= cutoff && (await this.#delete(tenant, doc.id))) deleted++;
    }
    return deleted;
  }

  /** {@link sweep} every tenant that holds blobs (the service's background sweep). Returns blobs deleted. */
  async sweepAll(): Promise<number> {
    let deleted = 0;
    for await (const doc of this.#docs(SERVICE_SCOPE, TENANTS)) {
      deleted += await this.sweep(doc.id);
      // A tenant left with no blobs (or erased) leaves the list.
      if ((await this.#store.listDocs(doc.id, META, { limit: 1 })).items.length === 0) await this.#store.deleteDoc(SERVICE_SCOPE, TENANTS, doc.id);
    }
    return deleted;
  }

  async *#docs(tenant: string, collection: string) {
    let cursor: string | undefined;
    do {
      const page = await this.#store.listDocs(tenant, collection, { limit: 500, ...(cursor === undefined ? {} : { cursor }) });
      yield* page.items;
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined);
  }

  async #delete(tenant: string, sha256: string): Promise<boolean> {
    const doc = await this.#store.getDoc(tenant, META, sha256);
    if (doc === undefined) return false;
    const m = parse<Meta>(doc.value);
    if (m.refs > 0) return false;
    // Meta first: once it is gone no reader starts on the chunks, and a new upload of the same bytes starts afresh.
    if (!(await this.#store.deleteDoc(tenant, META, sha256))) return false;
    await this.#store.deleteDocs(tenant, CHUNKS, `${m.upload}:`);
    await this.#addUsage(tenant, -m.size);
    return true;
  }

  async #updateRefs(tenant: string, sessionId: string, add: (held: Set<string>) => string[]): Promise<string[]> {
    for (let i = 0; i < CAS_TRIES; i++) {
      const doc = await this.#store.getDoc(tenant, REFS, sessionId);
      const held = new Set(doc === undefined ? [] : parse<string[]>(doc.value));
      const added = add(held);
      if (added.length === 0) return [];
      try {
        await this.#store.putDoc(tenant, REFS, sessionId, json([...held, ...new Set(added)]), doc?.version ?? 0);
        return added;
      } catch (e) {
        if (!isSiraError(e, 'SIRA_ERR_DOC_VERSION_CONFLICT')) throw e;
      }
    }
    throw siraError('SIRA_ERR_STORE_FAILED', `blob refs of session ${sessionId}: too many concurrent writers`);
  }

  async #updateMeta(tenant: string, sha256: string, change: (m: Meta) => Meta): Promise<Meta | undefined> {
    for (let i = 0; i < CAS_TRIES; i++) {
      const doc = await this.#store.getDoc(tenant, META, sha256);
      if (doc === undefined) return undefined;
      const next = change(parse<Meta>(doc.value));
      try {
        await this.#store.putDoc(tenant, META, sha256, json(next), doc.version);
        return next;
      } catch (e) {
        if (!isSiraError(e, 'SIRA_ERR_DOC_VERSION_CONFLICT')) throw e;
      }
    }
    throw siraError('SIRA_ERR_STORE_FAILED', `blob ${sha256}: too many concurrent writers`);
  }

  async #addUsage(tenant: string, bytes: number): Promise<void> {
    for (let i = 0; i < CAS_TRIES; i++) {
      const doc = await this.#store.getDoc(tenant, USAGE, 'total');
      const now = doc === undefined ? 0 : parse<{ bytes: number }>(doc.value).bytes;
      try {
        await this.#store.putDoc(tenant, USAGE, 'total', json({ bytes: Math.max(0, now + bytes) }), doc?.version ?? 0);
        return;
      } catch (e) {
        if (!isSiraError(e, 'SIRA_ERR_DOC_VERSION_CONFLICT')) throw e;
      }
    }
    throw siraError('SIRA_ERR_STORE_FAILED', 'blob usage: too many concurrent writers');
  }
}

/** The blob hashes that turns' media parts reference, each with where it is (for the error's pointer). */
export function blobRefsOf(turns: readonly { parts: readonly Part[] }[]): { ref: BlobRef; turn: number; part: number }[] {
  const out: { ref: BlobRef; turn: number; part: number }[] = [];
  turns.forEach((t, i) => t.parts.forEach((p, j) => {
    if (isMediaPart(p) && p.blob !== undefined) out.push({ ref: p.blob, turn: i, part: j });
  }));
  return out;
}

/**
 * Check that every blob the turns reference is held by the tenant with the size the part gives; throws
 * SIRA_ERR_TURN_BLOB_NOT_FOUND (pointer to the part's `blob`). Returns the distinct hashes.
 */
export async function checkBlobReferences(blobs: BlobStore, tenant: string, turns: readonly { parts: readonly Part[] }[]): Promise<string[]> {
  const seen = new Map<string, number>();
  for (const { ref, turn, part } of blobRefsOf(turns)) {
    const size = seen.get(ref.sha256) ?? (await blobs.info(tenant, ref.sha256))?.size;
    if (size === undefined || size !== ref.size) {
      throw siraError('SIRA_ERR_TURN_BLOB_NOT_FOUND', `turns[${turn}].content[${part}].blob: the tenant holds no blob ${ref.sha256} of ${ref.size} bytes`, {
        details: { pointer: `/turns/${turn}/content/${part}/blob`, sha256: ref.sha256 },
      });
    }
    seen.set(ref.sha256, size);
  }
  return [...seen.keys()];
}
