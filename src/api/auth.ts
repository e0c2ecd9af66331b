/**
 * @module api/auth
 * Bearer-key authentication for `/v1/*`: `Authorization: Bearer <key>` → the key's tenant → `request.tenant`.
 * Successful look-ups are cached in a small LRU for a few seconds, so the hot path does not hash and read the
 * store on every request; a revoked key therefore keeps working for at most `ttlMs` in a running server.
 * Failures are never cached, so a key created a moment ago works at once.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.ts';
import { siraError } from '../core/errors.ts';
import type { SiraSession } from '../sira.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant the request acts for (set by the auth hook on /v1 routes). */
    tenant: string;
  }
}

/** Options of {@link createKeyCache}. */
export interface KeyCacheOptions {
  /** Most keys remembered. @default 1024 */
  max?: number;
  /** How long a successful look-up is trusted, in ms. @default 5000 */
  ttlMs?: number;
  /** @default Date.now */
  clock?: Clock;
}

/** A bounded, time-limited LRU from API key to tenant, in front of `lookup`. */
export function createKeyCache(
  lookup: (key: string) => Promise<string | undefined>,
  opts: KeyCacheOptions = {},
): (key: string) => Promise<string | undefined> {
  const max = opts.max ?? 1024;
  const ttl = opts.ttlMs ?? 5000;
  const clock = opts.clock ?? Date.now;
  const cache = new Map<string, { tenant: string; expires: number }>();
  return async (key) => {
    const now = clock();
    const hit = cache.get(key);
    if (hit !== undefined) {
      cache.delete(key);
      if (hit.expires > now) {
        cache.set(key, hit); // most recently used goes last
        return hit.tenant;
      }
    }
    const tenant = await lookup(key);
    if (tenant !== undefined && ttl > 0) {
      cache.set(key, { tenant, expires: now + ttl });
      if (cache.size > max) cache.delete(cache.keys().next().value as string);
    }
    return tenant;
  };
}

/** The key in an `Authorization: Bearer <key>` header, or undefined when there is none. */
export function bearerKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/**
 * An onRequest hook that sets `request.tenant`: from the key when `sira.options.auth`, else `default`.
 * Throws SIRA_ERR_AUTH_MISSING (no Authorization header) or SIRA_ERR_AUTH_INVALID (unknown key or scheme).
 */
export function authHook(sira: SiraSession, opts: KeyCacheOptions = {}) {
  const authenticate = createKeyCache((key) => sira.authenticate(key), { clock: sira.clock, ...opts });
  return async function authenticateRequest(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (!sira.options.auth) {
      request.tenant = 'default';
      return;
    }
    const header = request.headers.authorization;
    if (header === undefined || header.trim() === '') throw siraError('SIRA_ERR_AUTH_MISSING', 'send Authorization: Bearer <key>');
    const key = bearerKey(header);
    const tenant = key === undefined ? undefined : await authenticate(key);
    if (tenant === undefined) throw siraError('SIRA_ERR_AUTH_INVALID', 'the API key is unknown or revoked');
    request.tenant = tenant;
  };
}
