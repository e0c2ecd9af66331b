/**
 * The real service on the standalone Redis: `sira-session serve --store redis://…` as a child process, an HTTP round
 * trip (session, turns, state with If-Match, a binary tensor), a clean SIGTERM, and the data read back through a
 * fresh RedisStore. Keys live under a random prefix that is deleted afterwards.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { deleteKeysWithPrefix, requireStandaloneRedis } from '../helpers/redis-cluster.ts';

const BIN = fileURLToPath(new URL('../../bin/sira-session.js', import.meta.url));
const URL_ = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sira-test:${randomBytes(6).toString('hex')}:`;

beforeAll(async () => {
  const { hostname, port } = new URL(URL_);
  await requireStandaloneRedis(hostname, Number(port || 6379));
});
afterAll(async () => {
  const admin = await RedisStore.open({ url: URL_ });
  await deleteKeysWithPrefix(admin.client, prefix);
  await admin.close();
});

// A real process: its start takes seconds on a loaded 2-core machine.
it('serve --store redis://… answers a session/turns/state/tensor round trip and exits 0 on SIGTERM', { timeout: 90_000 }, async () => {
  const key = 'cli-redis-key-123456';
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SIRA_')) env[k] = v;
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--store', URL_], {
    env: { ...env, SIRA_BOOTSTRAP_KEY: key, SIRA_REDIS_KEY_PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  try {
    const ready = await new Promise<{ url: string; store: string }>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          const rec = JSON.parse(line) as { msg?: string; url?: string; store?: string };
          if (rec.msg === 'sira-session ready' && rec.url !== undefined) resolve({ url: rec.url, store: rec.store ?? '' });
        } catch {
          // not a log record
        }
      });
      void exited.then(([code]) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    });
    expect(ready.store).toBe('redis');
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${ready.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined || Buffer.isBuffer(body) ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body) }),
      });
      return res;
    };
    expect((await call('POST', '/v1/sessions', { id: 'r1', user_id: 'u1', ttl_seconds: 3600 })).status).toBe(201);
    const appended = await call('POST', '/v1/sessions/r1/turns', { turns: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] });
    expect(appended.status).toBe(201);
    const last = (await (await call('GET', '/v1/sessions/r1/turns?last=1')).json()) as { turns: { seq: number; content: string }[] };
    expect(last.turns).toMatchObject([{ seq: 2, content: 'hello' }]);
    const put = await call('PUT', '/v1/sessions/r1/state', { plan: ['a'] });
    expect(put.status).toBe(200);
    const etag = put.headers.get('etag')!;
    expect((await call('PUT', '/v1/sessions/r1/state', { plan: ['b'] }, { 'if-match': etag })).status).toBe(200);
    expect((await call('PUT', '/v1/sessions/r1/state', { plan: ['c'] }, { 'if-match': etag })).status).toBe(409);
    const bytes = randomBytes(16);
    const tensorPut = await call('PUT', '/v1/sessions/r1/tensors/emb', bytes, {
      'content-type': 'application/octet-stream',
      'x-tensor-dtype': 'f32',
      'x-tensor-shape': '4',
    });
    expect(tensorPut.status).toBeLessThan(300);
    const got = await call('GET', '/v1/sessions/r1/tensors/emb', undefined, { accept: 'application/octet-stream' });
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
    const listed = (await (await call('GET', '/v1/sessions?user_id=u1')).json()) as { sessions: { id: string }[] };
    expect(listed.sessions.map((s) => s.id)).toEqual(['r1']);
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  const store = await RedisStore.open({ url: URL_, keyPrefix: prefix });
  try {
    expect((await store.getTurns('default', 'r1'))?.map((t) => t.seq)).toEqual([1, 2]);
    expect((await store.getState('default', 'r1'))?.value).toEqual({ plan: ['b'] });
  } finally {
    await store.close();
  }
});
