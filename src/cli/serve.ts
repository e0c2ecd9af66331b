/**
 * @module cli/serve
 * `startServer(options)`: open the service, build the app, listen. `close()` shuts down gracefully: stop
 * accepting, let in-flight requests finish (at most `shutdownGraceMs`, then remaining connections are cut), then
 * close the store. {@link closeOnSignals} wires that to SIGINT/SIGTERM.
 */
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { buildApp } from '../api/app.ts';
import { isLoopbackHost, resolveConfig, type SiraOptions, type SiraOptionsInput } from '../core/config.ts';
import { siraError } from '../core/errors.ts';
import { SiraSession, type SiraDeps } from '../sira.ts';
import { LmdbStore, RedisStore, redactUrl, type AtRestReport } from '../storage/index.ts';
import { startTelemetry } from './telemetry.ts';

/** A listening server. */
export interface RunningServer {
  app: FastifyInstance;
  sira: SiraSession;
  /** The address it listens on, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Graceful shutdown (idempotent: later calls return the same promise). */
  close(): Promise<void>;
}

/** Collaborators of {@link startServer}. */
export interface ServeDeps extends SiraDeps {
  /** The logger. @default pino JSON lines on stdout at options.logLevel */
  logger?: Logger;
  /** Under `serve --workers`: this worker's slot (1..N), sent as `x-sira-worker` on every response. @default none */
  workerSlot?: number;
}

/**
 * Start the HTTP service. Throws SIRA_ERR_CONFIG_INVALID for bad options, including auth turned off on a host
 * other machines can reach.
 */
export async function startServer(input: SiraOptionsInput = {}, deps: ServeDeps = {}): Promise<RunningServer> {
  const options = resolveConfig(input);
  if (!options.auth && !isLoopbackHost(options.host)) {
    throw siraError(
      'SIRA_ERR_CONFIG_INVALID',
      `refusing to serve without auth on ${options.host}: other machines could reach it. Use a loopback host (127.0.0.1) or keep auth on.`,
    );
  }
  const logger = deps.logger ?? pino({ level: options.logLevel });
  // Tracing on: the OTLP exporter (standard OTEL_EXPORTER_OTLP_* variables) is registered before anything opens.
  const telemetry = options.tracing ? startTelemetry() : undefined;
  const sira = await SiraSession.open(options, deps);
  let app: FastifyInstance;
  let url: string;
  try {
    app = await buildApp({ sira, loggerInstance: logger });
    const slot = deps.workerSlot === undefined ? undefined : String(deps.workerSlot);
    if (slot !== undefined) {
      app.addHook('onRequest', (_request, reply, done) => {
        // On the raw response, so that hijacked streams (SSE, proxied replies) carry it too.
        reply.raw.setHeader('x-sira-worker', slot);
        done();
      });
    }
    url = await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await sira.close();
    await telemetry?.shutdown();
    throw err;
  }
  if (!options.auth) logger.warn({ host: options.host }, 'auth is off: every request acts for tenant "default"');
  else if (options.bootstrapKey === undefined && (await sira.listApiKeys()).length === 0) {
    logger.warn('no API keys exist yet: create one with `sira-session keys create --tenant <t>` or set SIRA_BOOTSTRAP_KEY');
  }
  if (options.durability === 'replicated' && sira.store instanceof RedisStore) {
    const replicas = await sira.store.minReplicas().catch(() => 0);
    if (replicas < options.durabilityReplicas) {
      logger.warn({ replicas, required: options.durabilityReplicas }, 'durability replicated: a master has fewer replicas than required; its writes will fail with SIRA_ERR_STORE_NOT_REPLICATED');
    }
  }
  logAtRest(sira, options, logger);
  const where = sira.store.kind === 'lmdb' ? { dataDir: options.dataDir, sync: options.sync } : { storeUrl: redactUrl(options.store) };
  logger.info({ url, ...where, store: sira.store.kind }, 'sira-session ready');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      logger.info({ graceMs: options.shutdownGraceMs }, 'shutting down: finishing in-flight requests');
      const grace = setTimeout(() => {
        logger.warn('shutdown grace period over: closing remaining connections');
        app.server.closeAllConnections();
      }, options.shutdownGraceMs);
      grace.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(grace);
        await sira.close();
        await telemetry?.shutdown();
      }
      logger.info('stopped');
    })());
  return { app, sira, url, close };
}

/** Log how values are kept at rest: where a generated master key is (to back it up), and why values are plain. */
function logAtRest(sira: SiraSession, options: SiraOptions, logger: Logger): void {
  const store = sira.store;
  const atRest: AtRestReport =
    store instanceof LmdbStore ? store.atRest : store instanceof RedisStore ? { mode: store.sealer === undefined ? 'off' : 'supplied' } : { mode: 'off' };
  if (atRest.mode === 'generated') {
    logger.info({ masterKeyFile: atRest.keyFile, created: atRest.created === true }, 'values sealed under the generated master key: back this file up apart from the data (see README, Erasure and encryption at rest)');
  } else if (atRest.mode === 'supplied') {
    logger.info(atRest.keyFile === undefined ? {} : { previousMasterKeyFile: atRest.keyFile }, 'values sealed under the given master key');
  } else if (store.kind === 'nats' && (options.masterKey ?? options.masterKeyFile ?? options.masterKeyCommand) !== undefined) {
    logger.warn('NATS stores values plain: the master key is not used');
  } else {
    logger.info({ encryption: options.encryption }, 'values stored plain');
  }
  if (atRest.warning !== undefined) logger.warn(atRest.warning);
}

/**
 * On the first SIGINT or SIGTERM, close `server` and call `onDone(0)` (or `onDone(1)` if closing failed); a second
 * signal calls `onDone(1)` at once. Returns a function that removes the handlers.
 */
export function closeOnSignals(server: RunningServer, onDone: (code: number) => void, logger?: Logger): () => void {
  let signalled = false;
  const handler = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger?.warn({ signal }, 'second signal: exiting now');
      onDone(1);
      return;
    }
    signalled = true;
    logger?.info({ signal }, 'signal received');
    server.close().then(
      () => onDone(0),
      (err: unknown) => {
        logger?.error({ err }, 'shutdown failed');
        onDone(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
