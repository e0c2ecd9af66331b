/**
 * @module api/admin
 * `/v1/admin/*`: operator routes, guarded by the admin key (`SIRA_ADMIN_KEY`), not by a tenant's key. Tenant
 * policies (quota overrides and the redaction mode), usage, API keys, and the audit log of these actions. Every
 * change is audited with actor `admin`. Without a configured admin key the routes answer 403.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { siraError } from '../core/errors.ts';
import { isValidId } from '../core/ids.ts';
import { TenantPolicySchema, type TenantPolicy } from '../core/quota-config.ts';
import type { SiraSession } from '../sira.ts';
import { bearerKey } from './auth.ts';
import { problemResponses, problemSchema } from './schemas.ts';

const tags = ['admin'];
const security = [{ bearer: [] }];
const Json = Type.Object({}, { additionalProperties: true });
const ok = { 200: Json, ...problemResponses, 403: problemSchema('Not the admin key (SIRA_ERR_ADMIN_REQUIRED)') } as const;
const created = { 201: Json, ...problemResponses, 403: problemSchema('Not the admin key (SIRA_ERR_ADMIN_REQUIRED)') } as const;
const deleted = { 204: Type.Null(), ...problemResponses, 403: problemSchema('Not the admin key (SIRA_ERR_ADMIN_REQUIRED)') } as const;
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * An onRequest hook that lets only the admin key through; throws SIRA_ERR_ADMIN_REQUIRED (also when no admin key
 * is configured). Routes other branches add under `/v1/admin` (e.g. tenant deletion) use it too.
 */
export function adminGuard(sira: SiraSession) {
  const expected = sira.options.adminKey === undefined ? undefined : sha(sira.options.adminKey);
  return async function requireAdmin(request: FastifyRequest): Promise<void> {
    const key = bearerKey(request.headers.authorization);
    if (expected === undefined || key === undefined || !timingSafeEqual(sha(key), expected)) {
      throw siraError('SIRA_ERR_ADMIN_REQUIRED', expected === undefined ? 'no admin key is configured (SIRA_ADMIN_KEY)' : 'send Authorization: Bearer <admin key>');
    }
  };
}

const TenantParams = Type.Object({ tenant: Type.String({ minLength: 1, maxLength: 128 }) });

function tenantOf(params: { tenant: string }): string {
  if (!isValidId(params.tenant)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'tenant is not a valid id');
  return params.tenant;
}

/** The admin routes (register under prefix `/v1/admin`). */
export const adminRoutes: FastifyPluginAsyncTypebox<{ sira: SiraSession }> = async (app, { sira }) => {
  app.addHook('onRequest', adminGuard(sira));
  const q = sira.quotas;

  const view = async (tenant: string) => {
    const p = await q.policy(tenant);
    const u = q.usage.get(tenant);
    return {
      tenant,
      override: p.override,
      effective: { quotas: p.quotas, redact: p.redact },
      usage: { sessions: u.sessions, bytes: u.bytes, counted_at: u.counted_at === null ? null : new Date(u.counted_at).toISOString(), subscribers: q.subscribers(tenant) },
    };
  };

  app.get('/tenants/:tenant/policy', { schema: { tags, security, summary: "A tenant's policy: its stored override, the effective quotas and redaction, and its usage in this instance", params: TenantParams, response: ok } }, async (request) =>
    view(tenantOf(request.params)),
  );

  app.put(
    '/tenants/:tenant/policy',
    { schema: { tags, security, summary: "Replace a tenant's override (quotas fields and/or redact); audited as policy.set", params: TenantParams, body: TenantPolicySchema, response: ok } },
    async (request) => {
      const tenant = tenantOf(request.params);
      const before = await q.getOverride(tenant);
      await q.setOverride(tenant, request.body as TenantPolicy);
      await sira.audit('policy.set', { actor: 'admin', tenant, details: { before, after: request.body } });
      return view(tenant);
    },
  );

  app.delete('/tenants/:tenant/policy', { schema: { tags, security, summary: "Remove a tenant's override (back to the configuration); audited as policy.delete", params: TenantParams, response: deleted } }, async (request, reply) => {
    const tenant = tenantOf(request.params);
    const before = await q.getOverride(tenant);
    if (await q.deleteOverride(tenant)) await sira.audit('policy.delete', { actor: 'admin', tenant, details: { before } });
    return reply.code(204).send(null);
  });

  app.post(
    '/tenants/:tenant/keys',
    { schema: { tags, security, summary: 'Create an API key for a tenant (shown once); audited as key.create', params: TenantParams, body: Type.Optional(Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) })), response: created } },
    async (request, reply) => {
      const { key, record } = await sira.createApiKey(tenantOf(request.params), request.body?.name, 'admin');
      return reply.code(201).send({ key, id: record.id, tenant: record.tenant, name: record.name, created_at: new Date(record.created_at).toISOString() });
    },
  );

  app.delete('/keys/:id', { schema: { tags, security, summary: 'Revoke an API key; audited as key.revoke', params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }), response: deleted } }, async (request, reply) => {
    if (!(await sira.revokeApiKey(request.params.id, 'admin'))) throw siraError('SIRA_ERR_REQUEST_INVALID', `no key with id ${request.params.id}`);
    return reply.code(204).send(null);
  });

  app.get(
    '/audit',
    {
      schema: {
        tags,
        security,
        summary: 'The audit log, oldest first (filter by tenant or action; follow cursor)',
        querystring: Type.Object({
          tenant: Type.Optional(Type.String()),
          action: Type.Optional(Type.String()),
          cursor: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        }),
        response: ok,
      },
    },
    async (request) => {
      const { tenant, action, cursor, limit } = request.query;
      const page = await sira.auditLog.list({ ...(tenant === undefined ? {} : { tenant }), ...(action === undefined ? {} : { action }), ...(cursor === undefined ? {} : { cursor }), ...(limit === undefined ? {} : { limit }) });
      return { entries: page.entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })), cursor: page.cursor };
    },
  );
};
