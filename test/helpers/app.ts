/**
 * @module test/helpers/app
 * Fresh services and apps for API tests: each gets its own temporary data directory (and so its own store).
 * The store is the embedded LMDB one; set SIRA_TEST_STORE=memory to run against {@link MemoryStore} instead, or
 * SIRA_TEST_STORE=nats to run against NATS JetStream (SIRA_TEST_NATS_URL, default the local server; fresh
 * buckets per service, destroyed by cleanup).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildApp, type AppDeps } from '../../src/api/app.ts';
import type { SiraOptionsInput } from '../../src/core/config.ts';
import { SiraSession, type SiraDeps } from '../../src/sira.ts';
import { NatsStore } from '../../src/storage/nats/nats-store.ts';
import { destroyBuckets } from '../../src/storage/nats/open.ts';
import { MemoryStore } from './memory-store.ts';
import { STANDALONE_NATS_URL } from './nats-cluster.ts';

/** A fresh temporary directory. */
export function tempDir(prefix = 'sira-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Open a SiraSession on a fresh data directory; `cleanup()` closes it and removes the directory. */
export async function openTestSira(
  input: SiraOptionsInput = {},
  deps: SiraDeps = {},
): Promise<{ sira: SiraSession; dir: string; cleanup: () => Promise<void> }> {
  const dir = await tempDir();
  const store = deps.store ?? (process.env.SIRA_TEST_STORE === 'memory' ? new MemoryStore({ clock: deps.clock }) : undefined);
  const nats = process.env.SIRA_TEST_STORE === 'nats' && deps.store === undefined && input.store === undefined;
  const natsInput = nats ? { store: STANDALONE_NATS_URL, natsBucketPrefix: `t${randomBytes(5).toString('hex')}`, natsReplicas: 1 } : {};
  const sira = await SiraSession.open(
    { dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent', ...natsInput, ...input },
    { ...deps, ...(store === undefined ? {} : { store }) },
  );
  return {
    sira,
    dir,
    cleanup: async () => {
      if (nats && sira.store instanceof NatsStore) await destroyBuckets(sira.store.manager, sira.store.bucketPrefix);
      await sira.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An app over a fresh service, with API keys for tenants `acme` (`key`) and `beta` (`keyB`). */
export interface TestApp {
  app: FastifyInstance;
  sira: SiraSession;
  key: string;
  keyB: string;
  /** `{authorization: 'Bearer <key>'}` for tenant acme. */
  auth: { authorization: string };
  /** The same for tenant beta. */
  authB: { authorization: string };
  close(): Promise<void>;
}

/** Build an app for a test; call `close()` in afterEach/afterAll. */
export async function testApp(
  input: SiraOptionsInput = {},
  appDeps: Omit<AppDeps, 'sira'> = {},
  deps: SiraDeps = {},
): Promise<TestApp> {
  const { sira, cleanup } = await openTestSira(input, deps);
  const app = await buildApp({ sira, ...appDeps });
  await app.ready();
  const { key } = await sira.createApiKey('acme', 'test');
  const { key: keyB } = await sira.createApiKey('beta', 'test');
  return {
    app,
    sira,
    key,
    keyB,
    auth: { authorization: `Bearer ${key}` },
    authB: { authorization: `Bearer ${keyB}` },
    close: async () => {
      await app.close();
      await cleanup();
    },
  };
}

/** The JSON body of an inject response. */
export function json<T = Record<string, unknown>>(res: { body: string }): T {
  return JSON.parse(res.body) as T;
}

/** Assert `res` is an RFC 9457 problem with this status and stable code; returns the parsed body. */
export function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; body: string },
  status: number,
  code: string,
): Record<string, unknown> {
  expect({ status: res.statusCode, body: res.body.slice(0, 300) }).toMatchObject({ status });
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = json(res);
  expect(body).toMatchObject({ type: `https://sira.dev/errors/${code}`, status, code });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(typeof body.instance).toBe('string');
  return body;
}
