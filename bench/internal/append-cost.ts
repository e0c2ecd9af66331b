/**
 * @module bench/internal/append-cost
 * In-process cost of one single-turn append by embedder (A/B of the inline embedding write): N appends spread over S
 * sessions through the library, then through the HTTP app (`app.inject`, auth off), sequential.
 * Usage: node bench/internal/append-cost.ts [N] [S]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/api/app.ts';
import { SiraSession } from '../../src/sira.ts';

const N = Number(process.argv[2] ?? 3000);
const S = Number(process.argv[3] ?? 1000);
const EMB = (process.env.EMB ?? 'static,none').split(',') as ('static' | 'none')[];
for (const embedder of EMB) {
  const sira = await SiraSession.open({ dataDir: mkdtempSync(join(tmpdir(), 'ac-')), logLevel: 'silent', sweepIntervalMs: 0, embedder, auth: false } as never);
  const t = sira.tenant('default');
  const ids: string[] = [];
  for (let i = 0; i < S; i++) ids.push((await t.createSession({})).id);
  const turn = (i: number) => [{ role: 'user' as const, content: `message number ${i} about my card and the refund I asked for` }];
  for (let i = 0; i < S; i++) await t.appendTurns(ids[i % S]!, turn(i));
  let t0 = performance.now();
  for (let i = 0; i < N; i++) await t.appendTurns(ids[i % S]!, turn(i));
  const lib = ((performance.now() - t0) * 1000) / N;
  const app = await buildApp({ sira });
  const body = (i: number) => JSON.stringify({ turns: turn(i) });
  t0 = performance.now();
  const c0 = process.threadCpuUsage();
  const p0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const r = await app.inject({ method: 'POST', url: `/v1/sessions/${ids[i % S]}/turns`, headers: { 'content-type': 'application/json' }, payload: body(i) });
    if (r.statusCode !== 201 && r.statusCode !== 200) throw new Error(`${r.statusCode} ${r.body}`);
  }
  const http = ((performance.now() - t0) * 1000) / N;
  const c = process.threadCpuUsage(c0);
  const p = process.cpuUsage(p0);
  const per = (u: { user: number; system: number }) => ((u.user + u.system) / N).toFixed(1);
  console.log(`${embedder}: library ${lib.toFixed(1)} µs/append, app.inject ${http.toFixed(1)} µs/append (main-thread CPU ${per(c)} µs, process CPU ${per(p)} µs)`);
  await app.close();
  await sira.close();
}
