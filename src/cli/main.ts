/**
 * @module cli/main
 * The `sira-session` command line: `serve`, `keys create|list|revoke|rotate`, `tenants delete`, `quotas get|set|clear`,
 * `audit list`, `intents train|list|classify`, `mcp`, `export`, `import`, `inspect` and `bench`. Options come from
 * `SIRA_*` environment variables, overridden by flags. Exit
 * codes: 0 success, 1 failure, 2 usage or configuration error.
 */
import { spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { pino, type Logger } from 'pino';
import { VERSION } from '../api/version.ts';
import type { SiraOptions, SiraOptionsInput, SyncMode } from '../core/config.ts';
import { isSiraError } from '../core/errors.ts';
import type { SiraSession } from '../sira.ts';
import { AdminUsageError, auditCommand, quotasCommand } from './admin.ts';
import { parseWorkers, runCluster } from './cluster.ts';
import { progressBar } from './progress.ts';
import type { TransferFormat } from './formats.ts';

/** Where the CLI writes and what environment it reads (injectable for tests). */
export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
}

export const USAGE = `sira-session ${VERSION} — session and context service of the Sira gateway

Usage:
  sira-session serve [--host H] [--port P] [--store S] [--data-dir D] [--sync os|always] [--no-auth] [--log-level L]
                     [--durability local|replicated] [--workers N|auto] [--no-encryption]
  sira-session keys create --tenant T [--name N] [--store S] [--data-dir D]   print a new API key (shown once)
  sira-session keys list [--tenant T] [--json] [--store S] [--data-dir D]     list keys (ids, tenants, names; never keys)
  sira-session keys revoke <id> [--store S] [--data-dir D]                    revoke a key
  sira-session quotas get|clear --tenant T [--store S] [--data-dir D]         a tenant's policy override and effective quotas
  sira-session quotas set --tenant T [--sessions N] [--bytes N] [--rps N] [--burst N] [--key-rps N] [--key-burst N]
                     [--subscribers N] [--redact off|store|context]           override a tenant's quotas (0 = unlimited)
  sira-session audit list [--tenant T] [--action A] [--json] [--store S] [--data-dir D]   the audit log, oldest first
  sira-session keys rotate [--store S] [--data-dir D]   re-wrap every data key under the current master key
                                       (SIRA_MASTER_KEY*), unwrapping with SIRA_MASTER_KEY_PREVIOUS; safe while the service runs
  sira-session tenants delete <id> --yes [--store S] [--data-dir D]   erase a tenant: sessions, users, documents,
                                       API keys, indexes; with a master key its data keys are destroyed
  sira-session export --tenant T [--format sira|openai|sharegpt] [--session ID ...] [--out F|-] [--store S] [--data-dir D]
                                          sessions as JSON lines (sira: everything; openai / sharegpt: the conversation)
  sira-session import --file F|- [--format sira|openai|sharegpt] [--tenant T] [--resume] [--store S] [--data-dir D]
                                          re-create sessions (format detected; existing ones skipped; --resume continues
                                          a cut import from F.checkpoint.json, completing the session it cut)
  sira-session inspect [--tenant T] [--session ID] [--store S] [--data-dir D]  store counters, or one session
  sira-session mcp [--tenant T] [--store S] [--data-dir D]   MCP server on stdio: memory tools of tenant T (default "default")
  sira-session bench [name ...]                  run benchmarks (a source checkout only; same as npm run bench)
  sira-session intents train --file F.jsonl --tenant T [--name N] [--threshold X] [--seed N] [--store S] [--data-dir D]
                                       train a tenant intent model from JSONL lines {"text","label"}; prints its info
  sira-session intents list --tenant T [--store S] [--data-dir D]             list a tenant's intent models (JSON)
  sira-session intents classify --tenant T [--model M] <text> [--store S] [--data-dir D]   classify a text (JSON)
  sira-session --help | --version

Options (environment in brackets; flags win):
  --host        address to listen on [SIRA_HOST] (default 127.0.0.1)
  --port        port to listen on [SIRA_PORT] (default 8080; 0 = any free port)
  --store       lmdb (embedded, the default), redis://host:port[/db], redis-cluster://host:port,host:port,...
                or nats://host:port[,host:port...] (JetStream) [SIRA_STORE]; Redis keys start with
                SIRA_REDIS_KEY_PREFIX (default sira:); NATS buckets with SIRA_NATS_BUCKET_PREFIX (default sira),
                replicated SIRA_NATS_REPLICAS times (default 0: 3 on a cluster, 1 on a single server)
  --data-dir    directory of the embedded store [SIRA_DATA_DIR] (default ./.sira-data)
  --sync        os: acknowledged writes survive a killed process; always: fsync each commit [SIRA_SYNC]
  --no-auth     serve without API keys, as tenant "default" (refused unless the host is loopback) [SIRA_AUTH=off]
  --no-encryption  store values plain (LMDB seals them by default, under SIRA_MASTER_KEY* or else a key generated
                into SIRA_MASTER_KEY_PATH, default <data-dir>/master.key, mode 0600) [SIRA_ENCRYPTION=off]
  --log-level   fatal|error|warn|info|debug|trace|silent [SIRA_LOG_LEVEL] (default info)
  --workers     processes sharing the port and the store (node:cluster; auto = one per core) [SIRA_WORKERS] (default 1)
  --durability  Redis: local (acknowledged once the master applied it) or replicated (also WAIT for a replica;
                fails with 503 SIRA_ERR_STORE_NOT_REPLICATED otherwise) [SIRA_DURABILITY] (default local)
Also: SIRA_BOOTSTRAP_KEY (a key for tenant "default"), SIRA_ENCRYPTION_KEY, SIRA_SWEEP_INTERVAL_MS, SIRA_ADMIN_KEY
(the /v1/admin routes), SIRA_QUOTAS and SIRA_TENANT_POLICIES (JSON), SIRA_REDACT,
  SIRA_MASTER_KEY | SIRA_MASTER_KEY_FILE | SIRA_MASTER_KEY_COMMAND (seal every value under per-user / per-tenant
  data keys; erasure destroys them; on LMDB without one a generated key is used), SIRA_MASTER_KEY_PREVIOUS (older
  master keys, comma-separated, during a rotation; the generated key file counts as one while it exists).
Exit codes: 0 ok, 1 failure, 2 usage or configuration error.
`;

const COMMON = {
  'data-dir': { type: 'string' },
  store: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

class UsageError extends Error {}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function storeInput(env: NodeJS.ProcessEnv, values: { 'data-dir'?: string | undefined; store?: string | undefined }): Promise<SiraOptionsInput> {
  const { optionsFromEnv } = await import('../core/config.ts');
  // Key commands never sweep and log nothing of their own.
  const input: SiraOptionsInput = { ...optionsFromEnv(env), sweepIntervalMs: 0 };
  if (values['data-dir'] !== undefined) input.dataDir = values['data-dir'];
  if (values.store !== undefined) input.store = values.store;
  return input;
}

// The service, the store backends and the API are imported by the commands that use them, not at the top: the
// primary of `serve --workers` runs this module too and needs only node:cluster and pino (it serves nothing).

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Open the service facade (loaded on first use). */
async function openSira(input: SiraOptionsInput): Promise<SiraSession> {
  const { SiraSession } = await import('../sira.ts');
  return SiraSession.open(input);
}

/** Serve in this process: a worker of `--workers`, or the one process of a plain `serve`. */
async function serveHere(options: SiraOptions, logger: Logger): Promise<number> {
  if (cluster.isWorker && process.env.SIRA_WORKER_SLOT !== undefined) {
    const { serveWorker } = await import('./cluster-worker.ts');
    return serveWorker(options, logger);
  }
  const { closeOnSignals, startServer } = await import('./serve.ts');
  const server = await startServer(options, { logger });
  return new Promise<number>((resolve) => {
    closeOnSignals(server, resolve, logger);
  });
}

async function serve(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    ...COMMON,
    host: { type: 'string' },
    port: { type: 'string' },
    sync: { type: 'string' },
    'no-auth': { type: 'boolean' },
    'no-encryption': { type: 'boolean' },
    'log-level': { type: 'string' },
    durability: { type: 'string' },
    workers: { type: 'string' },
  });
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (values.port !== undefined && !/^\d+$/.test(values.port)) throw new UsageError(`--port must be a number, got ${values.port}`);
  const workers = parseWorkers(values.workers ?? io.env.SIRA_WORKERS);
  if (workers === undefined) throw new UsageError(`--workers must be an integer 1..256 or auto, got ${values.workers ?? io.env.SIRA_WORKERS}`);
  const isWorker = cluster.isWorker && io.env.SIRA_WORKER_SLOT !== undefined;
  if (workers > 1 && !isWorker) {
    // The primary serves nothing: it validates only its own log level and leaves the rest of the configuration to
    // the workers (worker 1 exiting before it is ready stops the start with its exit code, 2 for a bad option).
    const level = values['log-level'] ?? io.env.SIRA_LOG_LEVEL ?? 'info';
    if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${level}`);
    return runCluster({ workers }, pino({ level }));
  }
  const { optionsFromEnv, resolveConfig } = await import('../core/config.ts');
  const input: SiraOptionsInput = { ...optionsFromEnv(io.env) };
  if (values.host !== undefined) input.host = values.host;
  if (values.port !== undefined) input.port = Number(values.port);
  if (values['data-dir'] !== undefined) input.dataDir = values['data-dir'];
  if (values.store !== undefined) input.store = values.store;
  if (values.sync !== undefined) input.sync = values.sync as SyncMode;
  if (values['no-auth'] === true) input.auth = false;
  if (values['no-encryption'] === true) input.encryption = false;
  if (values['log-level'] !== undefined) input.logLevel = values['log-level'] as SiraOptionsInput['logLevel'];
  if (values.durability !== undefined) input.durability = values.durability as SiraOptionsInput['durability'];
  const options = resolveConfig(input);
  return serveHere(options, pino({ level: options.logLevel }));
}

async function keys(args: string[], io: CliIo): Promise<number> {
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
async function rotate(args: string[], io: CliIo): Promise<number> {
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
async function tenants(args: string[], io: CliIo): Promise<number> {
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

async function transfer(command: 'export' | 'import' | 'inspect', args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    ...COMMON,
    tenant: { type: 'string' },
    session: { type: 'string', multiple: true },
    out: { type: 'string' },
    file: { type: 'string' },
    format: { type: 'string' },
    resume: { type: 'boolean' },
  });
  const format = values.format as TransferFormat | undefined;
  if (format !== undefined && !['sira', 'openai', 'sharegpt'].includes(format)) throw new UsageError('--format is sira, openai or sharegpt');
  if (values.help === true) return help(io);
  const [{ runExport, runImport }, { importLines, inspect, openOut, readLines }] = await Promise.all([import('./import-export.ts'), import('./transfer.ts')]);
  const sira = await openSira(await storeInput(io.env, values));
  try {
    if (command === 'export') {
      if (values.tenant === undefined) throw new UsageError('export needs --tenant');
      const { out, done } = openOut(values.out ?? '-');
      const r = await runExport(sira.store, values.tenant, out, format ?? 'sira', values.session, io.stderr);
      await done();
      io.stderr.write(`exported ${r.sessions} sessions, ${r.turns} turns, ${r.tensors} tensors${r.skipped.length > 0 ? `; missing: ${r.skipped.join(', ')}` : ''}\n`);
      return 0;
    }
    if (command === 'import') {
      if (values.file === undefined) throw new UsageError('import needs --file (or --file - for stdin)');
      const r =
        values.file === '-'
          ? { ...(await importLines(sira.store, readLines('-'), values.tenant)), format: 'sira' }
          : await runImport(sira.store, values.file, { tenant: values.tenant, format, resume: values.resume === true, progress: io.stderr });
      io.stderr.write(`imported ${r.sessions} sessions, ${r.turns} turns, ${r.tensors} tensors (${r.format}) into tenant ${r.tenant}${r.skipped.length > 0 ? `; skipped (existing or expired): ${r.skipped.join(', ')}` : ''}\n`);
      return 0;
    }
    if (values.session !== undefined && values.tenant === undefined) throw new UsageError('inspect --session needs --tenant');
    io.stdout.write(`${JSON.stringify(await inspect(sira.store, values.tenant, values.session?.[0]), null, 2)}\n`);
    return 0;
  } finally {
    await sira.close();
  }
}

async function bench(args: string[], io: CliIo): Promise<number> {
  // The benchmarks live beside the sources (bench/run.ts), not in the published package.
  const runner = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
  if (!existsSync(runner)) {
    io.stderr.write('sira-session: the benchmarks ship with the source checkout (bench/), not with the package\n');
    return 2;
  }
  const child = spawn(process.execPath, [runner, ...args], { stdio: 'inherit', cwd: dirname(dirname(runner)) });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code ?? 1;
}

/** Read JSONL examples: one `{"text": string, "label": string}` per non-blank line. */
function readExamples(file: string): { text: string; label: string }[] {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const out: { text: string; label: string }[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new UsageError(`${file}:${i + 1}: not JSON`);
    }
    const r = row as { text?: unknown; label?: unknown };
    if (typeof r.text !== 'string' || typeof r.label !== 'string' || r.label === '') throw new UsageError(`${file}:${i + 1}: needs string "text" and "label"`);
    out.push({ text: r.text, label: r.label });
  });
  return out;
}

async function intents(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'train') {
    const { values } = parse(rest, { ...COMMON, tenant: { type: 'string' }, name: { type: 'string' }, file: { type: 'string' }, threshold: { type: 'string' }, seed: { type: 'string' } });
    if (values.help === true) return help(io);
    if (values.tenant === undefined || values.file === undefined) throw new UsageError('intents train needs --tenant and --file');
    if (values.threshold !== undefined && !(Number(values.threshold) >= 0 && Number(values.threshold) <= 1)) throw new UsageError('--threshold must be in [0, 1]');
    if (values.seed !== undefined && !/^\d+$/.test(values.seed)) throw new UsageError('--seed must be an integer ≥ 0');
    const examples = readExamples(values.file);
    const sira = await openSira(await storeInput(io.env, values));
    try {
      const info = await sira.tenant(values.tenant).trainIntentModel({
        examples,
        ...(values.name === undefined ? {} : { name: values.name }),
        ...(values.threshold === undefined ? {} : { threshold: Number(values.threshold) }),
        ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
      });
      io.stdout.write(`${JSON.stringify(info)}\n`);
      io.stderr.write(`trained intent model ${info.name} v${info.version} for tenant ${values.tenant}: ${info.labels.length} labels, ${info.examples} examples, ${info.training_ms} ms\n`);
    } finally {
      await sira.close();
    }
    return 0;
  }
  if (sub === 'list') {
    const { values } = parse(rest, { ...COMMON, tenant: { type: 'string' } });
    if (values.help === true) return help(io);
    if (values.tenant === undefined) throw new UsageError('intents list needs --tenant');
    const sira = await openSira(await storeInput(io.env, values));
    try {
      io.stdout.write(`${JSON.stringify(await sira.tenant(values.tenant).listIntentModels())}\n`);
    } finally {
      await sira.close();
    }
    return 0;
  }
  if (sub === 'classify') {
    const { values, positionals } = parse(rest, { ...COMMON, tenant: { type: 'string' }, model: { type: 'string' } }, true);
    if (values.help === true) return help(io);
    if (values.tenant === undefined || positionals.length === 0) throw new UsageError('intents classify needs --tenant and a text');
    const sira = await openSira(await storeInput(io.env, values));
    try {
      io.stdout.write(`${JSON.stringify(await sira.tenant(values.tenant).classifyIntent(positionals.join(' '), values.model))}\n`);
    } finally {
      await sira.close();
    }
    return 0;
  }
  throw new UsageError(sub === undefined ? 'intents needs a subcommand: train, list or classify' : `unknown intents subcommand ${sub}`);
}

function help(io: CliIo): number {
  io.stdout.write(USAGE);
  return 0;
}

/** `sira-session mcp`: the MCP server on stdin/stdout (nothing else may write to stdout) until the client closes. */
async function mcp(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { ...COMMON, tenant: { type: 'string' } });
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  const sira = await openSira({ ...(await storeInput(io.env, values)), logLevel: 'silent' });
  try {
    const { runStdio } = await import('../mcp/server.ts');
    await runStdio(sira, values.tenant ?? 'default');
  } finally {
    await sira.close();
  }
  return 0;
}

/**
 * Run the CLI with `argv` (without `node` and the script). Resolves with the exit code; for `serve`, only once the
 * server has shut down after SIGINT/SIGTERM.
 */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest, io);
      case 'keys':
        return await keys(rest, io);
      case 'tenants':
        return await tenants(rest, io);
      case 'bench':
        return await bench(rest, io);
      case 'mcp':
        return await mcp(rest, io);
      case 'export':
      case 'import':
      case 'inspect':
        return await transfer(command, rest, io);
      case 'intents':
        return await intents(rest, io);
      case 'quotas':
        return await quotasCommand(rest, io, async (values) => openSira(await storeInput(io.env, values)));
      case 'audit':
        return await auditCommand(rest, io, async (values) => openSira(await storeInput(io.env, values)));
      case '--version':
      case '-v':
      case 'version':
        io.stdout.write(`${VERSION}\n`);
        return 0;
      case '--help':
      case '-h':
      case 'help':
        return help(io);
      case undefined:
        io.stderr.write(USAGE);
        return 2;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof AdminUsageError) {
      io.stderr.write(`sira-session: ${err.message}\nRun sira-session --help for usage.\n`);
      return 2;
    }
    if (isSiraError(err, 'SIRA_ERR_CONFIG_INVALID') || isSiraError(err, 'SIRA_ERR_REQUEST_INVALID') || isSiraError(err, 'SIRA_ERR_MASTER_KEY_INVALID')) {
      io.stderr.write(`sira-session: ${err.message}\n`);
      return 2;
    }
    io.stderr.write(`sira-session: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
