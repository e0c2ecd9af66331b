/**
 * @module core/ids
 * Identifiers: validation of client ids and generation of new ones (time-ordered, URL-safe).
 */
import { randomBytes } from 'node:crypto';
import { siraError } from './errors.ts';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
const B32 = '0123456789abcdefghjkmnpqrstvwxyz';

/** True when `id` is a valid session/user/agent/tenant id: 1–128 chars of `[A-Za-z0-9_.:-]`, not starting with punctuation. */
export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID_RE.test(id);
}

/** Throws SIRA_ERR_SESSION_ID_INVALID unless `id` is valid. */
export function assertSessionId(id: unknown): asserts id is string {
  if (!isValidId(id)) throw siraError('SIRA_ERR_SESSION_ID_INVALID', `session id must match ${ID_RE.source}`);
}

/** True when `name` is a valid tensor name: 1–128 chars of `[A-Za-z0-9_.:/-]`. */
export function isValidTensorName(name: unknown): name is string {
  return typeof name === 'string' && NAME_RE.test(name);
}

/**
 * A new id: `prefix` + 10 chars of time (ms, Crockford base32, sortable) + 16 random chars.
 * @param now ms since epoch (injected clock)
 */
export function newId(prefix: string, now: number): string {
  let t = '';
  let n = Math.max(0, Math.floor(now));
  for (let i = 0; i < 10; i++) {
    t = B32[n % 32] + t;
    n = Math.floor(n / 32);
  }
  const r = randomBytes(16);
  let s = '';
  for (const b of r) s += B32[b & 31];
  return `${prefix}${t}${s}`;
}
