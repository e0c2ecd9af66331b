/**
 * @module cli/common
 * What every `sira-session` command shares: the I/O it writes to, the usage text, argument parsing with usage
 * errors, the store options from the environment and flags, and opening the service (loaded on first use).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VERSION } from '../api/version.ts';
import type { SiraOptionsInput } from '../core/config.ts';
import type { SiraSession } from '../sira.ts';

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

export const COMMON = {
  'data-dir': { type: 'string' },
  store: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** A bad command line: printed with the usage hint, exit code 2. */
export class UsageError extends Error {}

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export async function storeInput(env: NodeJS.ProcessEnv, values: { 'data-dir'?: string | undefined; store?: string | undefined }): Promise<SiraOptionsInput> {
  const { optionsFromEnv } = await import('../core/config.ts');
  // Key commands never sweep and log nothing of their own.
  const input: SiraOptionsInput = { ...optionsFromEnv(env), sweepIntervalMs: 0 };
  if (values['data-dir'] !== undefined) input.dataDir = values['data-dir'];
  if (values.store !== undefined) input.store = values.store;
  return input;
}

/** Open the service facade (loaded on first use). */
export async function openSira(input: SiraOptionsInput): Promise<SiraSession> {
  const { SiraSession } = await import('../sira.ts');
  return SiraSession.open(input);
}

export function help(io: CliIo): number {
  io.stdout.write(USAGE);
  return 0;
}
