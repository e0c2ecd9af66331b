/**
 * @module bench/internal/cold-session
 * A cold 2,000-turn session of realistic chat (as after a restart): how many times its first context request is
 * refused for the time budget before it answers, and the CPU of the warm builds after.
 * Usage: B=150 node bench/internal/cold-session.ts   (B: contextTimeBudgetMs)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiraSession } from '../../src/sira.ts';
import { chatTurns } from '../../training/lib/corpus.ts';
const sira = await SiraSession.open({ dataDir: mkdtempSync(join(tmpdir(), 'x-')), logLevel: 'silent', sweepIntervalMs: 0, contextTimeBudgetMs: Number(process.env.B ?? 150) });
const t = sira.tenant('default');
const s = await t.createSession({});
const g = chatTurns(5);
for (let i = 0; i < 20; i++) await t.appendTurns(s.id, Array.from({ length: 100 }, () => { const x = g.next() as unknown as { role: string; parts: unknown[] }; return { role: x.role, content: x.parts } as never; }));
for (let r = 0; r < 4; r++) {
  const c0 = process.threadCpuUsage(); const w0 = performance.now();
  let res;
  let refused = 0;
  for (;;) {
    try {
      res = await t.buildContext(s.id, { query: 'what about the whale and my card', model: 'gpt-4o' });
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== 'SIRA_ERR_CONTEXT_TIME_EXCEEDED') throw e;
      refused++;
    }
  }
  console.log(`refused ${refused} times`);
  const c = process.threadCpuUsage(c0);
  console.log(`round ${r}: cpu ${((c.user + c.system) / 1000).toFixed(1)} ms, wall ${(performance.now() - w0).toFixed(1)} ms, selected ${res.selected.length}`);
}
await sira.close();
