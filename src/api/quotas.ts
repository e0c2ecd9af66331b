/**
 * @module api/quotas
 * The quota hooks of `/v1/*`, run right after authentication and before the body is read: the API key's and the
 * tenant's request rate (token buckets, per instance), then for writes that store data the tenant's live
 * sessions and stored bytes (the body's `content-length` is what the write would add). A refusal is a 429
 * problem with `Retry-After` and nothing is parsed or stored. After a write is acknowledged, its size goes into
 * the tenant's usage tally (see memory/quotas/usage).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SiraSession } from '../sira.ts';
import { bearerKey } from './auth.ts';

/** Route templates whose accepted body is stored as session data (turns, state, tensors, metadata). */
const STORING = new Set([
  'POST /v1/sessions',
  'PATCH /v1/sessions/:id',
  'POST /v1/sessions/:id/turns',
  'PUT /v1/sessions/:id/state',
  'PATCH /v1/sessions/:id/state',
  'PUT /v1/sessions/:id/tensors/:name',
  'POST /v1/workspaces',
  'POST /v1/workspaces/:id/turns',
  'PUT /v1/workspaces/:id/state',
  'PATCH /v1/workspaces/:id/state',
  'POST /v1/chat/completions',
]);
/** Routes that create a session (a workspace is backed by one). */
const CREATING = new Set(['POST /v1/sessions', 'POST /v1/workspaces']);
/** Routes that delete one. */
const DELETING = new Set(['DELETE /v1/sessions/:id', 'DELETE /v1/workspaces/:id']);

function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? ''}`;
}

function declaredLength(request: FastifyRequest): number {
  const n = Number(request.headers['content-length'] ?? 0);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The quota hooks for the `/v1` plugin (register `onRequest` after the auth hook). */
export function quotaHooks(sira: SiraSession) {
  const q = sira.quotas;
  return {
    /** Rate limits, then the session and byte quotas of storing writes; throws a 429 SiraError. */
    onRequest: async function checkQuotas(request: FastifyRequest): Promise<void> {
      const tenant = request.tenant;
      await q.checkRate(tenant, sira.options.auth ? bearerKey(request.headers.authorization) : undefined);
      const route = routeOf(request);
      if (!STORING.has(route)) return;
      await q.checkStorage(tenant, { sessions: CREATING.has(route) ? 1 : 0, bytes: declaredLength(request) });
    },
    /** Account an acknowledged write in the tenant's usage tally. */
    onResponse: async function accountUsage(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (reply.statusCode >= 300 || request.tenant === '') return;
      const route = routeOf(request);
      if (DELETING.has(route)) q.usage.add(request.tenant, { sessions: -1 });
      if (!STORING.has(route)) return;
      const body = request.body;
      const bytes =
        declaredLength(request) ||
        (body instanceof Uint8Array ? body.byteLength : body === undefined || body === null ? 0 : Buffer.byteLength(JSON.stringify(body), 'utf8'));
      q.usage.add(request.tenant, { sessions: CREATING.has(route) ? 1 : 0, bytes });
    },
  };
}
