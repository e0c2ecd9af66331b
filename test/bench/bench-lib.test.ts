/**
 * The benchmark helpers the load test and the sessions-grow curve rely on: the open-loop generator's per-tag
 * accounting (against the real app over real HTTP) and the footprint readers (real files, this process).
 * Nothing here asserts a timing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constantRate, type LoadRequest } from '../../bench/lib/load.ts';
import { diskBytes, processRss } from '../../bench/lib/footprint.ts';
import { tempDir, testApp, type TestApp } from '../helpers/app.ts';

describe('constantRate(url, headers, rate, seconds, next)', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await testApp();
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    await t.sira.tenant('acme').createSession({ id: 's1' });
  });
  afterAll(() => t.close());

  it('sends rate × seconds requests and summarises latency per tag, counting non-2xx as errors', async () => {
    const reqs: LoadRequest[] = [
      { tag: 'append', method: 'POST', path: '/v1/sessions/s1/turns', body: JSON.stringify({ turns: [{ role: 'user', content: 'hi' }] }) },
      { tag: 'read', method: 'GET', path: '/v1/sessions/s1/turns?last=20' },
      { tag: 'missing', method: 'GET', path: '/v1/sessions/nope/turns?last=20' },
    ];
    let i = 0;
    const r = await constantRate(url, { ...t.auth, 'content-type': 'application/json' }, 60, 0.5, () => reqs[i++ % reqs.length]!);
    expect(r.sent).toBe(30);
    expect(r.latency.n).toBe(30);
    expect(Object.keys(r.byTag ?? {}).sort()).toEqual(['append', 'missing', 'read']);
    expect(Object.values(r.byTag!).map((s) => s.n)).toEqual([10, 10, 10]);
    expect(r.errors).toBe(10);
    expect((await t.sira.tenant('acme').getTurns('s1', { last: 100 })).length).toBe(10);
  });

  it('leaves byTag out when no request carries a tag', async () => {
    const r = await constantRate(url, t.auth, 40, 0.25, () => ({ method: 'GET', path: '/healthz' }));
    expect(r.byTag).toBeUndefined();
    expect(r.errors).toBe(0);
  });
});

describe('footprint', () => {
  it('diskBytes(dir) counts the allocated blocks of every file below it; 0 for a missing path', async () => {
    const dir = await tempDir('sira-footprint-');
    try {
      writeFileSync(join(dir, 'a'), Buffer.alloc(10_000, 1));
      const sub = join(dir, 'sub');
      mkdirSync(sub);
      writeFileSync(join(sub, 'b'), Buffer.alloc(5_000, 1));
      expect(diskBytes(dir)).toBeGreaterThanOrEqual(15_000);
      expect(diskBytes(join(dir, 'a'))).toBeGreaterThanOrEqual(10_000);
      expect(diskBytes(join(dir, 'absent'))).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('processRss(pid) reads this process from /proc; undefined for no pid or a dead one', () => {
    if (process.platform !== 'linux') return;
    expect(processRss(process.pid)).toBeGreaterThan(1024 * 1024);
    expect(processRss(undefined)).toBeUndefined();
    expect(processRss(2 ** 22 + 12_345)).toBeUndefined();
  });
});
