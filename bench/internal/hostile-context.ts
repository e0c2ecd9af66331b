/**
 * @module bench/internal/hostile-context
 * In-process reproduction of issue 11's stall: a session holding turns of long unbroken text, one context request
 * timed end to end, with the event loop's longest block measured meanwhile.
 * Usage: node bench/internal/hostile-context.ts [chars=1048576] [turns=4] [budgetMs=150]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SiraSession } from '../../src/sira.ts';

const chars = Number(process.argv[2] ?? 1 << 20);
const nTurns = Number(process.argv[3] ?? 4);
const budget = Number(process.argv[4] ?? 150);
const dir = mkdtempSync(join(tmpdir(), 'sira-hostile-'));
const sira = await SiraSession.open({ dataDir: dir, contextTimeBudgetMs: budget });
const t = sira.tenant('default');
const s = await t.createSession({});
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
// Random text built in one typed array (no millions of small strings left for the collector during the request).
const randomRun = (n: number, base: number, span: number) => String.fromCharCode(...Uint16Array.from({ length: Math.min(n, 65536) }, () => base + Math.floor(rnd() * span))).repeat(Math.ceil(n / 65536)).slice(0, n);
const kinds = [(n: number) => 'a'.repeat(n), (n: number) => randomRun(n, 97, 26), (n: number) => randomRun(n, 0x4e00, 20000), (n: number) => '.'.repeat(n)];
for (let i = 0; i < nTurns; i++) await t.appendTurns(s.id, [{ role: i % 2 ? 'assistant' : 'user', content: kinds[i % kinds.length]!(chars) }]);
await (await import('../../src/models/tokens.ts')).loadTokenizer('o200k_base');
(globalThis as { gc?: () => void }).gc?.();
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
let last = performance.now();
let maxGap = 0;
const tick = setInterval(() => {
  const now = performance.now();
  maxGap = Math.max(maxGap, now - last);
  last = now;
}, 2);
await new Promise((r) => setTimeout(r, 20));
for (let round = 1; round <= 6; round++) {
  const t0 = performance.now();
  let outcome: string;
  try {
    const r = await t.buildContext(s.id, { query: 'what did I say', model: 'gpt-4o' });
    outcome = `200 used ${r.usage.used}/${r.usage.budget}, selected ${r.selected.length}`;
  } catch (e) {
    outcome = `${(e as { code?: string }).code ?? ''} ${(e as Error).message}`;
  }
  console.log(`round ${round}: ${(performance.now() - t0).toFixed(1)} ms  ${outcome}`);
}
h.disable();
clearInterval(tick);
console.log(`event loop delay: max ${(h.max / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms; longest gap between 2 ms ticks ${maxGap.toFixed(1)} ms`);
await sira.close();
rmSync(dir, { recursive: true, force: true });
