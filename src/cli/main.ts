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
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { VERSION } from '../api/version.ts';
import type { SiraOptions, SiraOptionsInput, SyncMode } from '../core/config.ts';
import { isSiraError } from '../core/errors.ts';
import { AdminUsageError, auditCommand, quotasCommand } from './admin.ts';
import { parseWorkers, runCluster } from './cluster.ts';
import type { TransferFormat } from './formats.ts';
import { COMMON, help, openSira, parse, storeInput, UsageError, USAGE, type CliIo } from './common.ts';
import { keys, tenants } from './keys.ts';

export { USAGE, type CliIo } from './common.ts';


// The service, the store backends and the API are imported by the commands that use them, not at the top: the
// primary of `serve --workers` runs this module too and needs only node:cluster and pino (it serves nothing).

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

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
