import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/cli/serve.ts';
import { isSiraError } from '../../src/core/errors.ts';
import type { Session } from '../../src/core/types.ts';
import { tempDir as makeTempDir } from '../helpers/app.ts';
import { MemoryStore } from '../helpers/memory-store.ts';

const dirs: string[] = [];
const tempDir = async () => {
  const d = await makeTempDir();
  dirs.push(d);
  return d;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A store whose getSession('slow') waits until released, to hold a request in flight. */
class GatedStore extends MemoryStore {
  entered!: Promise<void>;
  release!: () => void;
  #entered!: () => void;
  #gate: Promise<void>;
  constructor() {
    super();
    this.entered = new Promise((r) => (this.#entered = r));
    this.#gate = new Promise((r) => (this.release = r));
  }
  override async getSession(tenant: string, id: string): Promise<Session | undefined> {
    if (id === 'slow') {
      this.#entered();
      await this.#gate;
    }
    return super.getSession(tenant, id);
  }
}

const KEY = 'serve-test-key-123';
const base = { host: '127.0.0.1', port: 0, logLevel: 'silent' as const, sweepIntervalMs: 0, bootstrapKey: KEY };

describe('startServer', () => {
  it('close() stops accepting, lets the in-flight request finish, then closes the store', async () => {
    const store = new GatedStore();
    const server = await startServer({ ...base, dataDir: await tempDir() }, { store });
    const inflight = fetch(`${server.url}/v1/sessions/slow`, { headers: { authorization: `Bearer ${KEY}` } });
    await store.entered;
    const closed = server.close();
    expect(server.close()).toBe(closed);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    store.release();
    const res = await inflight;
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    await closed;
    expect(await store.ready()).toBe(false);
  });

  it('close() cuts connections still open after shutdownGraceMs and still closes the store', async () => {
    const store = new GatedStore();
    const server = await startServer({ ...base, dataDir: await tempDir(), shutdownGraceMs: 50 }, { store });
    const inflight = fetch(`${server.url}/v1/sessions/slow`, { headers: { authorization: `Bearer ${KEY}` } });
    await store.entered;
    await server.close();
    await expect(inflight).rejects.toThrow();
    expect(await store.ready()).toBe(false);
    store.release();
  });

  it('refuses to serve without auth on a non-loopback host (SIRA_ERR_CONFIG_INVALID) and opens nothing', async () => {
    const store = new MemoryStore();
    const err = await startServer({ ...base, host: '0.0.0.0', auth: false, dataDir: await tempDir() }, { store }).catch((e: unknown) => e);
    expect(isSiraError(err, 'SIRA_ERR_CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/0\.0\.0\.0/);
    expect(await store.ready()).toBe(true);
  });

  it('serves without auth on loopback', async () => {
    const server = await startServer({ ...base, auth: false, dataDir: await tempDir() }, { store: new MemoryStore() });
    try {
      const res = await fetch(`${server.url}/v1/sessions`, { method: 'POST' });
      expect(res.status).toBe(201);
    } finally {
      await server.close();
    }
  });
});
