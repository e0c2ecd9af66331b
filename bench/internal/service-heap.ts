/**
 * @module bench/internal/service-heap
 * What the service keeps live as sessions grow, in process (the app over `app.inject`, the same routes and caches as
 * the served process, auth off): S sessions × 20 corpus turns are created over the API, then every session's last
 * 20 turns are read once, and at each stage the live JS heap after a full GC, the memory outside it (array buffers:
 * the tail cache's records) and the tail cache's own count are printed. The live heap is what `--max-old-space-size`
 * must hold; everything above it under a higher cap is garbage V8 has not yet collected.
 * Usage: node --expose-gc bench/internal/service-heap.ts [S=20000] [stages=4]   (EMB=none|static|… to pick the embedder)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/api/app.ts';
import type { NewTurn } from '../../src/core/types.ts';
import { SiraSession } from '../../src/sira.ts';
import { chatTurns } from '../../training/lib/corpus.ts';

const S = Number(process.argv[2] ?? 20_000);
const STAGES = Number(process.argv[3] ?? 4);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const wire = (t: NewTurn) => ({ role: t.role, content: t.parts.length === 1 && t.parts[0]!.type === 'text' ? t.parts[0]!.text : t.parts, metadata: t.metadata });

const dir = mkdtempSync(join(tmpdir(), 'heap-'));
const sira = await SiraSession.open({ dataDir: dir, logLevel: 'silent', sweepIntervalMs: 0, auth: false, ...(process.env.EMB ? { embedder: process.env.EMB as 'none' } : {}) });
const app = await buildApp({ sira });
await app.ready();
const g = chatTurns(77);
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
function report(label: string): void {
  gc!();
  gc!();
  const m = process.memoryUsage();
  const tail = (sira.store as { tailCache?: { bytes: number; size: number } }).tailCache;
  console.log(`${label}: live heap ${mib(m.heapUsed)} MiB, array buffers ${mib(m.arrayBuffers)} MiB, rss ${mib(m.rss)} MiB; tail cache ${tail === undefined ? 'off' : `${tail.size} sessions, ${mib(tail.bytes)} MiB`}`);
}
report('empty');
const json = { 'content-type': 'application/json' };
for (let stage = 1; stage <= STAGES; stage++) {
  const from = Math.floor(((stage - 1) * S) / STAGES);
  const to = Math.floor((stage * S) / STAGES);
  for (let i = from; i < to; i++) {
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', headers: json, payload: { id: `m${i}`, user_id: `u${i % 5000}`, ttl_seconds: 86_400 } });
    if (created.statusCode !== 201) throw new Error(`create: ${created.statusCode} ${created.body}`);
    const r = await app.inject({ method: 'POST', url: `/v1/sessions/m${i}/turns`, headers: json, payload: { turns: Array.from({ length: 20 }, () => wire(g.next())) } });
    if (r.statusCode !== 201) throw new Error(`append: ${r.statusCode} ${r.body}`);
  }
  report(`${to} sessions loaded`);
}
await sira.enrichment?.drain();
for (let i = 0; i < S; i++) await app.inject({ url: `/v1/sessions/m${i}/turns?last=20` });
report(`after reading all ${S} once`);
await app.close();
await sira.close();
rmSync(dir, { recursive: true, force: true });
