/**
 * Crash safety of the store: a writer process is SIGKILLed in the middle of a write load; on reopening the
 * same data every acknowledged turn is present and no batch is partially stored. Runs for both sync modes.
 * (The HTTP variant, killing a real server, is in test/crash/server-crash.test.ts.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { LmdbStore } from '../../src/storage/lmdb/lmdb-store.ts';
import type { Turn } from '../../src/core/types.ts';

interface Ack {
  session: string;
  first: number;
  n: number;
  batch: string;
}

/** Run the writer until `acks` batches were acknowledged, then SIGKILL it; resolves with the acks seen. */
function runAndKill(dir: string, sync: string, acks: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'writer.ts'), dir, sync], { stdio: ['ignore', 'pipe', 'inherit'] });
    const seen: Ack[] = [];
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      const [kind, session, first, n, batch] = line.split(' ');
      if (kind !== 'ack') return;
      seen.push({ session: session!, first: Number(first), n: Number(n), batch: batch! });
      if (seen.length === acks) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`writer exited without being killed (${signal})`))));
  });
}

function checkBatches(turnsBySession: Map<string, Turn[]>, acks: Ack[]): void {
  const byBatch = new Map<string, { n: number; got: Set<number>; seqs: number[] }>();
  for (const turns of turnsBySession.values()) {
    turns.forEach((t, i) => expect(t.seq).toBe(i + 1)); // dense seqs survive the crash
    for (const t of turns) {
      const m = /^b(\S+):(\d+)\/(\d+) /.exec(t.parts[0]?.type === 'text' ? t.parts[0].text : '');
      expect(m).not.toBeNull();
      const [, b, i, n] = m!;
      const e = byBatch.get(b!) ?? { n: Number(n), got: new Set<number>(), seqs: [] };
      e.got.add(Number(i));
      e.seqs.push(t.seq);
      byBatch.set(b!, e);
    }
  }
  // No partial batch: every batch present is complete and contiguous.
  for (const [b, e] of byBatch) {
    expect(e.got.size, `batch ${b}`).toBe(e.n);
    expect(Math.max(...e.seqs) - Math.min(...e.seqs)).toBe(e.n - 1);
  }
  // Every acknowledged batch is present at the acknowledged seqs.
  for (const a of acks) {
    const e = byBatch.get(a.batch);
    expect(e, `acknowledged batch ${a.batch} lost`).toBeDefined();
    expect(Math.min(...e!.seqs)).toBe(a.first);
  }
}

describe('crash safety (SIGKILL during writes)', () => {
  for (const sync of ['os', 'always'] as const) {
    it(`sync=${sync}: every acknowledged turn survives and no batch is partial, over 3 kills`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `sira-crash-${sync}-`));
      try {
        const all: Ack[] = [];
        for (const kill of [150, 60, 300]) all.push(...(await runAndKill(dir, sync, kill)));
        const store = await LmdbStore.open({ path: dir });
        const bySession = new Map<string, Turn[]>();
        for (let i = 0; i < 8; i++) bySession.set(`crash-${i}`, (await store.getTurns('t', `crash-${i}`)) ?? []);
        await store.close();
        checkBatches(bySession, all);
        expect(all.length).toBeGreaterThanOrEqual(510);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
