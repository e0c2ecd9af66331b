import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/main.ts';
import { SiraSession } from '../../src/sira.ts';
import { tempDir as makeTempDir } from '../helpers/app.ts';

const dirs: string[] = [];
const tempDir = async () => {
  const d = await makeTempDir();
  dirs.push(d);
  return d;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const BIN = fileURLToPath(new URL('../../bin/sira-session.js', import.meta.url));

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SIRA_')) env[k] = v;
  return { ...env, ...extra };
}

function captureIo(env: NodeJS.ProcessEnv = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env,
    out: () => out,
    err: () => err,
  };
}

// Real processes: their start (module loading, tokenizer, engine warm-up) takes seconds on a loaded 2-core machine.
describe('sira-session serve (a real process)', { timeout: 90_000 }, () => {
  it('starts, serves an authenticated request over HTTP, exits 0 on SIGTERM, and the store reopens', async () => {
    const dir = await tempDir();
    const key = 'cli-test-key-123456';
    const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir], {
      env: cleanEnv({ SIRA_BOOTSTRAP_KEY: key }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const logs: { msg?: string; masterKeyFile?: string; created?: boolean }[] = [];
    try {
      // Wait for the "ready" log line (pino JSON on stdout), which carries the URL.
      const url = await new Promise<string>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.on('line', (line) => {
          try {
            const rec = JSON.parse(line) as { msg?: string; url?: string };
            logs.push(rec);
            if (rec.msg === 'sira-session ready' && rec.url !== undefined) resolve(rec.url);
          } catch {
            // not a log record
          }
        });
        void exited.then(([code]) => reject(new Error(`server exited with ${code}: ${stderr}`)));
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // Sealing is on by default: the generated master key's file is logged, so an operator can back it up.
      expect(logs.find((r) => r.masterKeyFile !== undefined)).toMatchObject({ masterKeyFile: join(dir, 'master.key'), created: true });
      const res = await fetch(`${url}/v1/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'cli-1', metadata: { via: 'http' } }),
      });
      expect(res.status).toBe(201);
      expect((await fetch(`${url}/v1/sessions/cli-1`)).status).toBe(401);
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0 });
    try {
      expect(await sira.tenant('default').getSession('cli-1')).toMatchObject({ id: 'cli-1', metadata: { via: 'http' } });
    } finally {
      await sira.close();
    }
  });

  it('serve --no-auth on a non-loopback host exits 2 with a clear message', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--no-auth', '--host', '0.0.0.0', '--data-dir', await tempDir()], {
      env: cleanEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toMatch(/refusing to serve without auth on 0\.0\.0\.0/);
  });
});

describe('sira-session (in process)', () => {
  it('keys create prints a key once; keys list shows it without the key; keys revoke removes it', async () => {
    const dir = await tempDir();
    const create = captureIo();
    expect(await main(['keys', 'create', '--tenant', 'acme', '--name', 'ci', '--data-dir', dir], create)).toBe(0);
    const key = create.out().trim();
    expect(key).toMatch(/^sira_\S+$/);
    const id = /created key (\S+) for tenant acme/.exec(create.err())?.[1];
    expect(id).toBeDefined();

    const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0 });
    try {
      expect(await sira.authenticate(key)).toBe('acme');
    } finally {
      await sira.close();
    }

    const list = captureIo();
    expect(await main(['keys', 'list', '--json', '--data-dir', dir], list)).toBe(0);
    const rows = JSON.parse(list.out()) as Array<Record<string, string>>;
    expect(rows).toEqual([{ id, tenant: 'acme', name: 'ci', created_at: expect.any(String) }]);
    expect(list.out()).not.toContain(key);

    const env = captureIo({ SIRA_DATA_DIR: dir });
    expect(await main(['keys', 'revoke', id as string], env)).toBe(0);
    expect(await main(['keys', 'revoke', id as string], captureIo({ SIRA_DATA_DIR: dir }))).toBe(1);
    const after = captureIo();
    await main(['keys', 'list', '--data-dir', dir], after);
    expect(after.out()).toBe('');
  });

  it('usage errors exit 2; --help and --version exit 0', async () => {
    const help = captureIo();
    expect(await main(['--help'], help)).toBe(0);
    expect(help.out()).toMatch(/sira-session serve/);
    const version = captureIo();
    expect(await main(['--version'], version)).toBe(0);
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+/);
    expect(await main([], captureIo())).toBe(2);
    expect(await main(['frobnicate'], captureIo())).toBe(2);
    expect(await main(['serve', '--bogus'], captureIo())).toBe(2);
    expect(await main(['serve', '--port', 'eighty'], captureIo())).toBe(2);
    expect(await main(['keys', 'create'], captureIo())).toBe(2);
    expect(await main(['keys', 'revoke'], captureIo())).toBe(2);
    const badSync = captureIo();
    expect(await main(['serve', '--sync', 'sometimes', '--data-dir', await tempDir()], badSync)).toBe(2);
    expect(badSync.err()).toMatch(/sync/);
  });
});

it('serve --durability: an unknown mode, or replicated on the lmdb store, exits 2 naming the option', async () => {
  const bad = captureIo();
  expect(await main(['serve', '--durability', 'eventual', '--data-dir', await tempDir()], bad)).toBe(2);
  expect(bad.err()).toMatch(/durability/);
  const lmdb = captureIo();
  expect(await main(['serve', '--durability', 'replicated', '--data-dir', await tempDir()], lmdb)).toBe(2);
  expect(lmdb.err()).toMatch(/durability replicated applies to a Redis store only/);
});
