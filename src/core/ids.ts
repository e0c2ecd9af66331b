/**
 * @module core/ids
 * Identifiers: validation of client ids and generation of new ones (time-ordered, URL-safe).
 */
import { randomFillSync } from 'node:crypto';
import { siraError } from './errors.ts';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
const B32 = '0123456789abcdefghjkmnpqrstvwxyz';
// Random bytes drawn 4 KiB at a time: one CSPRNG call per 256 ids instead of one per id (an input of thousands of
// items gets an id each; issue 11).
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;

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
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  let s = '';
  for (let i = 0; i < 16; i++) s += B32[pool[poolAt + i]! & 31];
  poolAt += 16;
  return `${prefix}${t}${s}`;
}
