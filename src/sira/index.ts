/**
 * @module sira
 * The library facade: `SiraSession` wraps a Store with validation, tenancy, API keys and the background sweeps;
 * `TenantSessions` holds one tenant's operations. The HTTP API is a thin layer over exactly these operations.
 *
 * @example
 * const sira = await SiraSession.open({ dataDir: './.sira-data' });
 * const t = sira.tenant('acme');
 * const s = await t.createSession({ user_id: 'u1', ttl_seconds: 3600 });
 * await t.appendTurns(s.id, [{ role: 'user', content: 'hello' }]);
 * const last = await t.getTurns(s.id, { last: 20 });
 * await sira.close();
 */
export { hashApiKey, SiraSession } from './service.ts';
export { TenantSessions } from './tenant.ts';
export type { ContextResponse } from './context.ts';
export type { ContextPolicyInfo, ContextProfileExplanation, ContextRedaction, ContextRequestInput, EvaluateRequestInput, SiraDeps } from './types.ts';
