/**
 * @module cli/keys
 * The key and tenant commands: `keys create|list|revoke|rotate` and `tenants delete`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { COMMON, help, openSira, parse, storeInput, UsageError, type CliIo } from './common.ts';
import { progressBar } from './progress.ts';

export async function keys(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const { values } = parse(rest, { ...COMMON, tenant: { type: 'string' }, name: { type: 'string' } });
    if (values.help === true) return help(io);
    if (values.tenant === undefined) throw new UsageError('keys create needs --tenant');
    const sira = await openSira(await storeInput(io.env, values));
    try {
      const { key, record } = await sira.createApiKey(values.tenant, values.name, 'cli');
      io.stdout.write(`${key}\n`);
      io.stderr.write(`created key ${record.id} for tenant ${record.tenant} (name ${record.name}); it is shown only once\n`);
    } finally {
      await sira.close();
    }
    return 0;
  }
  if (sub === 'list') {
    const { values } = parse(rest, { ...COMMON, tenant: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help === true) return help(io);
    const sira = await openSira(await storeInput(io.env, values));
    try {
      const records = await sira.listApiKeys(values.tenant);
      const rows = records.map((r) => ({ id: r.id, tenant: r.tenant, name: r.name, created_at: new Date(r.created_at).toISOString() }));
      if (values.json === true) io.stdout.write(`${JSON.stringify(rows)}\n`);
      else for (const r of rows) io.stdout.write(`${r.id}\t${r.tenant}\t${r.name}\t${r.created_at}\n`);
    } finally {
      await sira.close();
    }
    return 0;
  }
  if (sub === 'revoke') {
    const { values, positionals } = parse(rest, COMMON, true);
    if (values.help === true) return help(io);
    const [id] = positionals;
    if (id === undefined || positionals.length !== 1) throw new UsageError('keys revoke needs exactly one key id');
    const sira = await openSira(await storeInput(io.env, values));
    try {
      if (!(await sira.revokeApiKey(id, 'cli'))) {
        io.stderr.write(`no key with id ${id}\n`);
        return 1;
      }
      io.stderr.write(`revoked key ${id}\n`);
    } finally {
      await sira.close();
    }
    return 0;
  }
  if (sub === 'rotate') return rotate(rest, io);
  throw new UsageError(sub === undefined ? 'keys needs a subcommand: create, list, revoke or rotate' : `unknown keys subcommand ${sub}`);
}

/** `keys rotate`: re-wrap the keyring's data keys under the current master key (the data is not rewritten). */
export async function rotate(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, COMMON);
  if (values.help === true) return help(io);
  const { resolveConfig } = await import('../core/config.ts');
  const options = resolveConfig(await storeInput(io.env, values));
  const { resolveMasterKeys } = await import('../storage/crypto/master-key.ts');
  const masters = resolveMasterKeys({ value: options.masterKey, file: options.masterKeyFile, command: options.masterKeyCommand, previous: options.masterKeyPrevious });
  if (masters.length === 0) throw new UsageError('keys rotate needs the new master key in SIRA_MASTER_KEY (or _FILE, _COMMAND) and the old one in SIRA_MASTER_KEY_PREVIOUS');
  const bar = progressBar(io.stderr, 'rotating data keys', 'keys');
  const { isRedisUrl } = await import('../storage/redis/connect.ts');
  if (isRedisUrl(options.store)) {
    const { RedisStore } = await import('../storage/redis/redis-store.ts');
    const store = await RedisStore.open({ url: options.store, keyPrefix: options.redisKeyPrefix, masterKeys: masters });
    try {
      const n = await store.sealer!.rewrap((done, total) => bar.tick(done, total));
      bar.end();
      io.stdout.write(`${JSON.stringify({ rewrapped: n, master_key: masters[0]!.id })}\n`);
    } finally {
      await store.close();
    }
    return 0;
  }
  if (!existsSync(join(options.dataDir, 'keyring.jsonl'))) throw new UsageError(`no keyring in ${options.dataDir} (the store was not created with a master key)`);
  // The generated key (when its file exists) unwraps the data keys it wrapped: rotating away from it needs no
  // SIRA_MASTER_KEY_PREVIOUS.
  const { resolveLmdbAtRest } = await import('../storage/crypto/at-rest.ts');
  const { FileKeyring } = await import('../storage/crypto/keyring.ts');
  const atRest = resolveLmdbAtRest(options);
  const ring = new FileKeyring(options.dataDir, atRest.masters);
  const n = ring.rewrap((done, total) => bar.tick(done, total));
  bar.end();
  io.stdout.write(`${JSON.stringify({ rewrapped: n, master_key: masters[0]!.id, wrapped_by: ring.wrappedBy() })}\n`);
  if (atRest.report.keyFile !== undefined) io.stderr.write(`the generated master key ${atRest.report.keyFile} wraps no data key any more: delete it (and its backups)\n`);
  return 0;
}

/** `tenants delete <id> --yes`: erase a tenant everywhere. */
export async function tenants(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'delete') throw new UsageError(sub === undefined ? 'tenants needs a subcommand: delete' : `unknown tenants subcommand ${sub}`);
  const { values, positionals } = parse(rest, { ...COMMON, yes: { type: 'boolean' } }, true);
  if (values.help === true) return help(io);
  const [id] = positionals;
  if (id === undefined || positionals.length !== 1) throw new UsageError('tenants delete needs exactly one tenant id');
  if (values.yes !== true) throw new UsageError(`tenants delete erases everything of tenant ${id} for good: add --yes`);
  const sira = await openSira(await storeInput(io.env, values));
  try {
    const r = await sira.eraseTenant(id);
    io.stdout.write(`${JSON.stringify({ tenant: id, deleted: r })}\n`);
  } finally {
    await sira.close();
  }
  return 0;
}
