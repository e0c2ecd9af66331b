/** `sira-session export | import | inspect`: a tenant moved from one LMDB store to another and to the real Redis. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { SiraSession } from '../../src/sira.ts';
import { captureIo, tempDirs } from '../helpers/cli.ts';

const dir = tempDirs();
const io = captureIo;

// Seeded with `embedder: 'none'`: the counts below are the client's data only (the default embedder would add its
// `_emb/…` chunk tensors, which export and import carry like any tensor).
async function seed(dataDir: string): Promise<void> {
  const sira = await SiraSession.open({ dataDir, sweepIntervalMs: 0, logLevel: 'silent', embedder: 'none' });
  const acme = sira.tenant('acme');
  await acme.createSession({ id: 'a', user_id: 'u1', metadata: { plan: 'pro' }, ttl_seconds: 3600 });
  const all = Array.from({ length: 1203 }, (_, i) => ({ role: i % 2 === 0 ? ('user' as const) : ('assistant' as const), content: `turn ${i + 1}`, metadata: { i } }));
  for (let i = 0; i < all.length; i += 600) await acme.appendTurns('a', all.slice(i, i + 600));
  await acme.putState('a', { step: 3, notes: ['x'] });
  await acme.putTensor('a', 'emb', { dtype: 'f32', shape: [2, 2], data: new Uint8Array(new Float32Array([1, 2, 3, 4.5]).buffer) });
  await acme.createSession({ id: 'b' });
  await acme.appendTurns('b', [{ role: 'user', content: [{ type: 'text', text: 'with parts' }] }]);
  await sira.tenant('other').createSession({ id: 'secret' });
  await sira.close();
}

async function check(sira: SiraSession, tenant: string): Promise<void> {
  const t = sira.tenant(tenant);
  const a = await t.getSession('a');
  expect(a).toMatchObject({ id: 'a', user_id: 'u1', metadata: { plan: 'pro' }, turn_count: 1203 });
  // The import keeps the remaining TTL: a second or two may have passed since the seed on a busy machine.
  expect(a.ttl_seconds).toBeGreaterThan(3590);
  expect(a.ttl_seconds).toBeLessThanOrEqual(3600);
  const turns = await t.getTurns('a', { after_seq: 600, limit: 3 });
  expect(turns.map((x) => [x.seq, x.role, x.parts, x.metadata])).toEqual([
    [601, 'user', [{ type: 'text', text: 'turn 601' }], { i: 600 }],
    [602, 'assistant', [{ type: 'text', text: 'turn 602' }], { i: 601 }],
    [603, 'user', [{ type: 'text', text: 'turn 603' }], { i: 602 }],
  ]);
  expect((await t.getState('a')).value).toEqual({ step: 3, notes: ['x'] });
  const emb = await t.getTensor('a', 'emb');
  expect(Array.from(new Float32Array(Uint8Array.from(emb.data).buffer))).toEqual([1, 2, 3, 4.5]);
  expect((await t.getTurns('b'))[0]?.parts).toEqual([{ type: 'text', text: 'with parts' }]);
  await expect(t.getSession('secret')).rejects.toThrow();
}

describe('sira-session export / import / inspect', () => {
  it('moves a tenant between LMDB stores, skips sessions that exist, refuses a file that is not an export', async () => {
    const src = await dir();
    const dst = await dir();
    await seed(src);
    const file = join(src, 'acme.jsonl');
    const e = io();
    expect(await main(['export', '--tenant', 'acme', '--out', file, '--data-dir', src], e)).toBe(0);
    expect(e.err()).toMatch(/exported 2 sessions, 1204 turns, 1 tensors/);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'sira-export', version: 1, tenant: 'acme' });
    expect((await readFile(file, 'utf8')).includes('secret')).toBe(false);

    const i = io();
    expect(await main(['import', '--file', file, '--data-dir', dst], i)).toBe(0);
    expect(i.err()).toMatch(/imported 2 sessions, 1204 turns, 1 tensors \(sira\) into tenant acme/);
    const sira = await SiraSession.open({ dataDir: dst, sweepIntervalMs: 0, logLevel: 'silent' });
    try {
      await check(sira, 'acme');
    } finally {
      await sira.close();
    }
    const again = io();
    expect(await main(['import', '--file', file, '--data-dir', dst], again)).toBe(0);
    expect(again.err()).toMatch(/imported 0 sessions.*skipped \(existing or expired\): (a, b|b, a)/);

    const ins = io();
    expect(await main(['inspect', '--tenant', 'acme', '--session', 'a', '--data-dir', dst], ins)).toBe(0);
    expect(JSON.parse(ins.out())).toMatchObject({ session: { id: 'a', turn_count: 1203 }, tensors: [{ name: 'emb', dtype: 'f32', shape: [2, 2], bytes: 16 }] });
    const all = io();
    expect(await main(['inspect', '--tenant', 'acme', '--data-dir', dst], all)).toBe(0);
    expect(JSON.parse(all.out())).toMatchObject({ store: 'lmdb', tenant: { id: 'acme', sessions: 2 } });

    const bad = join(src, 'bad.jsonl');
    await writeFile(bad, '{"hello":1}\n');
    const b = io();
    expect(await main(['import', '--file', bad, '--data-dir', dst], b)).toBe(2);
    expect(b.err()).toMatch(/not a sira-export, OpenAI chat log or ShareGPT file/);
    expect(await main(['export', '--data-dir', dst], io())).toBe(2);
  });

  it('imports into the real Redis under another tenant', async () => {
    const src = await dir();
    await seed(src);
    const file = join(src, 'acme.jsonl');
    expect(await main(['export', '--tenant', 'acme', '--out', file, '--data-dir', src], io())).toBe(0);
    const prefix = `sira-cli-${randomBytes(4).toString('hex')}:`;
    const env = { SIRA_REDIS_KEY_PREFIX: prefix };
    const i = { ...io(), env };
    expect(await main(['import', '--file', file, '--tenant', 'acme2', '--store', 'redis://127.0.0.1:6379'], i)).toBe(0);
    const sira = await SiraSession.open({ store: 'redis://127.0.0.1:6379', redisKeyPrefix: prefix, sweepIntervalMs: 0, logLevel: 'silent' });
    try {
      await check(sira, 'acme2');
      for (const id of ['a', 'b']) await sira.tenant('acme2').deleteSession(id);
    } finally {
      await sira.close();
    }
  });
});
