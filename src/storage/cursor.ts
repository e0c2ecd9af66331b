/**
 * @module storage/cursor
 * Opaque page cursors: base64url JSON. Clients must not parse them; a malformed one is SIRA_ERR_CURSOR_INVALID.
 */
import { siraError } from '../core/errors.ts';

/** Encode a cursor position. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** Decode a cursor; throws SIRA_ERR_CURSOR_INVALID when it is not one of ours. */
export function decodeCursor(cursor: string): unknown {
  try {
    if (cursor.length > 1024 || !/^[A-Za-z0-9_-]*$/.test(cursor)) throw new Error('bad chars');
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
  } catch (cause) {
    throw siraError('SIRA_ERR_CURSOR_INVALID', 'the cursor is not valid', { cause });
  }
}
