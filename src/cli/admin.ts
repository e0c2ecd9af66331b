/**
 * @module cli/admin
 * `sira-session quotas get|set|clear` (a tenant's stored policy override: quotas and redaction) and
 * `sira-session audit list` (the audit log), straight on the store. Changes are audited with actor `cli`. A
 * running server picks an override up within its policy cache (5 s).
 */
import { parseArgs } from 'node:util';
import type { QuotaLimits, RedactMode, TenantPolicy } from '../core/quota-config.ts';
import type { SiraSession } from '../sira.ts';

/** A usage error of these commands (exit code 2). */
export class AdminUsageError extends Error {}

/** Where the commands write. */
export interface AdminIo {
  stdout: { write(s: string): unknown };
}

const QUOTA_FLAGS: Record<string, keyof QuotaLimits> = {
  sessions: 'sessions',
  bytes: 'bytes',
  rps: 'requestsPerSecond',
  burst: 'requestBurst',
  'key-rps': 'keyRequestsPerSecond',
  'key-burst': 'keyRequestBurst',
  subscribers: 'subscribers',
};

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>) {
  try {
    return parseArgs({ args, options: { ...options, 'data-dir': { type: 'string' }, store: { type: 'string' } }, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new AdminUsageError((err as Error).message);
  }
}

/** `quotas get|set|clear --tenant T [...]`; `open` opens the service from the parsed `--store`/`--data-dir`. */
export async function quotasCommand(args: string[], io: AdminIo, open: (values: { 'data-dir'?: string; store?: string }) => Promise<SiraSession>): Promise<number> {
  const [sub, ...rest] = args;
  const flags = Object.fromEntries(Object.keys(QUOTA_FLAGS).map((f) => [f, { type: 'string' as const }]));
  const values = parse(rest, { tenant: { type: 'string' }, redact: { type: 'string' }, ...flags });
  const tenant = values.tenant;
  if (typeof tenant !== 'string') throw new AdminUsageError(`quotas ${sub ?? ''} needs --tenant`);
  if (sub !== 'get' && sub !== 'set' && sub !== 'clear') throw new AdminUsageError(sub === undefined ? 'quotas needs a subcommand: get, set or clear' : `unknown quotas subcommand ${sub}`);
  const sira = await open(values as { 'data-dir'?: string; store?: string });
  try {
    const q = sira.quotas;
    if (sub === 'set') {
      const before = await q.getOverride(tenant);
      const quotas: Partial<QuotaLimits> = { ...before?.quotas };
      for (const [flag, field] of Object.entries(QUOTA_FLAGS)) {
        const v = values[flag];
        if (typeof v !== 'string') continue;
        if (!/^\d+(\.\d+)?$/.test(v)) throw new AdminUsageError(`--${flag} must be a number ≥ 0 (0 = unlimited)`);
        quotas[field] = Number(v);
      }
      const policy: TenantPolicy = { ...before, quotas };
      if (typeof values.redact === 'string') policy.redact = values.redact as RedactMode;
      await q.setOverride(tenant, policy);
      await sira.audit('policy.set', { actor: 'cli', tenant, details: { before, after: policy } });
    } else if (sub === 'clear') {
      const before = await q.getOverride(tenant);
      if (await q.deleteOverride(tenant)) await sira.audit('policy.delete', { actor: 'cli', tenant, details: { before } });
    }
    const p = await q.policy(tenant);
    io.stdout.write(`${JSON.stringify({ tenant, override: p.override, effective: { quotas: p.quotas, redact: p.redact } })}\n`);
    return 0;
  } finally {
    await sira.close();
  }
}

/** `audit list [--tenant T] [--action A] [--limit N] [--json]`: every entry, oldest first (all pages). */
export async function auditCommand(args: string[], io: AdminIo, open: (values: { 'data-dir'?: string; store?: string }) => Promise<SiraSession>): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'list') throw new AdminUsageError(sub === undefined ? 'audit needs a subcommand: list' : `unknown audit subcommand ${sub}`);
  const values = parse(rest, { tenant: { type: 'string' }, action: { type: 'string' }, json: { type: 'boolean' } });
  const sira = await open(values as { 'data-dir'?: string; store?: string });
  try {
    let cursor: string | undefined;
    do {
      const page = await sira.auditLog.list({
        ...(typeof values.tenant === 'string' ? { tenant: values.tenant } : {}),
        ...(typeof values.action === 'string' ? { action: values.action } : {}),
        ...(cursor === undefined ? {} : { cursor }),
        limit: 1000,
      });
      for (const e of page.entries) {
        const at = new Date(e.at).toISOString();
        io.stdout.write(values.json === true ? `${JSON.stringify({ ...e, at })}\n` : `${at}\t${e.action}\t${e.actor}\t${e.tenant ?? '-'}\t${e.target ?? '-'}\t${JSON.stringify(e.details)}\n`);
      }
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined);
    return 0;
  } finally {
    await sira.close();
  }
}
