/**
 * @module bench/internal/context-cost
 * Main-thread CPU (mean) and wall time of one context request on a warm 600-turn chat session, in process (the library path the HTTP route
 * calls), by embedder: what the engine costs per request once per-turn caches are warm. CPU time, so a loaded
 * machine changes it little. Usage: node bench/internal/context-cost.ts [turns] [requests]   (EMB=static,none)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiraSession } from '../../src/sira.ts';
import { chatTurns } from '../../training/lib/corpus.ts';

const TURNS = Number(process.argv[2] ?? 600);
const REQUESTS = Number(process.argv[3] ?? 300);
const EMB = (process.env.EMB ?? 'static,none').split(',') as ('static' | 'none')[];

function texts(seed: number, n: number, role?: string): { role: 'user' | 'assistant'; content: string }[] {
  const g = chatTurns(seed, 'test');
  const out: { role: 'user' | 'assistant'; content: string }[] = [];
  while (out.length < n) {
    const t = g.next();
    const p = t.parts[0];
    if (p?.type === 'text' && (role === undefined || t.role === role)) out.push({ role: t.role as 'user' | 'assistant', content: p.text });
  }
  return out;
}

for (const embedder of EMB) {
  const sira = await SiraSession.open({ dataDir: mkdtempSync(join(tmpdir(), 'cc-')), logLevel: 'silent', sweepIntervalMs: 0, embedder });
  const t = sira.tenant('default');
  const s = await t.createSession({});
  const turns = texts(7, TURNS);
  for (let i = 0; i < turns.length; i += 100) await t.appendTurns(s.id, turns.slice(i, i + 100));
  await sira.enrichment?.drain();
  const qs = texts(99, REQUESTS + 20, 'user').map((x) => x.content);
  let refused = 0;
  const w0 = performance.now();
  for (;;) {
    try {
      await t.buildContext(s.id, { query: qs[REQUESTS]!, budget_tokens: 2000 });
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== 'SIRA_ERR_CONTEXT_TIME_EXCEEDED') throw e;
      refused++;
    }
  }
  console.log(`${embedder}: first (cold) request ${(performance.now() - w0).toFixed(0)} ms wall, refused ${refused} times by the time budget`);
  for (let i = 1; i < 20; i++) await t.buildContext(s.id, { query: qs[REQUESTS + i]!, budget_tokens: 2000 });
  const wall: number[] = [];
  const c0 = process.threadCpuUsage();
  for (let i = 0; i < REQUESTS; i++) {
    const w = performance.now();
    await t.buildContext(s.id, { query: qs[i]!, budget_tokens: 2000 });
    wall.push(performance.now() - w);
  }
  const c = process.threadCpuUsage(c0);
  wall.sort((a, b) => a - b);
  const q = (p: number) => wall[Math.min(wall.length - 1, Math.floor(p * wall.length))]!.toFixed(2);
  // The CPU clock ticks in 4 ms steps here: the mean over all requests, not per request.
  console.log(`${embedder}: ${TURNS} turns, main-thread CPU ${((c.user + c.system) / 1000 / REQUESTS).toFixed(2)} ms per request (mean); wall p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`);
  await sira.close();
}
