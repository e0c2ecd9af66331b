/**
 * @module storage/docs
 * Shared rules of the document collections every backend stores (see {@link Store.putDoc}): name checks,
 * page limits and the page cursor.
 */
import { siraError } from '../core/errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { ListDocsOptions } from './store.ts';

const COLLECTION_RE = /^[a-z0-9_.-]{1,64}$/;
/** Largest page of {@link Store.listDocs}. */
export const MAX_DOC_PAGE = 1000;
/** Default page of {@link Store.listDocs}. */
export const DEFAULT_DOC_PAGE = 100;

/** Throw SIRA_ERR_REQUEST_INVALID unless `collection` and `id` are acceptable document keys. */
export function checkDocKey(collection: string, id?: string): void {
  if (!COLLECTION_RE.test(collection)) throw siraError('SIRA_ERR_REQUEST_INVALID', `bad collection name ${JSON.stringify(collection)}`);
  if (id !== undefined && (id.length < 1 || id.length > 200 || id.includes('\0'))) {
    throw siraError('SIRA_ERR_REQUEST_INVALID', 'a document id must be 1..200 characters without NUL');
  }
}

/** The page size and the id to start after, from list options. */
export function docPageStart(opts: ListDocsOptions | undefined): { limit: number; after: string | undefined } {
  const limit = opts?.limit ?? DEFAULT_DOC_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DOC_PAGE) {
    throw siraError('SIRA_ERR_REQUEST_INVALID', `limit must be 1..${MAX_DOC_PAGE}`);
  }
  if (opts?.cursor === undefined) return { limit, after: undefined };
  const c = decodeCursor(opts.cursor);
  if (typeof c !== 'object' || c === null || typeof (c as { d?: unknown }).d !== 'string') {
    throw siraError('SIRA_ERR_CURSOR_INVALID', 'the cursor is not valid');
  }
  return { limit, after: (c as { d: string }).d };
}

/** The cursor that continues after the id `lastId`. */
export function docCursor(lastId: string): string {
  return encodeCursor({ d: lastId });
}

/** Compare ids in UTF-8 byte order (the order every backend lists in). */
export function compareDocIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The version conflict error. */
export function docConflict(expected: number, current: number): Error {
  return siraError('SIRA_ERR_DOC_VERSION_CONFLICT', `expected version ${expected}, current is ${current}`, {
    details: { current_version: current },
  });
}

/** Stored form of a document: u32 LE version, f64 LE updated_at, then the value bytes. */
export function encodeDoc(version: number, updatedAt: number, value: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(12 + value.byteLength);
  out.writeUInt32LE(version, 0);
  out.writeDoubleLE(updatedAt, 4);
  out.set(value, 12);
  return out;
}

/** Decode {@link encodeDoc} (copying the value out). */
export function decodeDoc(id: string, raw: Uint8Array): { id: string; version: number; updated_at: number; value: Uint8Array } {
  if (raw.byteLength < 12) throw siraError('SIRA_ERR_CODEC_CORRUPT', 'document record too short');
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return { id, version: b.readUInt32LE(0), updated_at: b.readDoubleLE(4), value: Uint8Array.from(b.subarray(12)) };
}
