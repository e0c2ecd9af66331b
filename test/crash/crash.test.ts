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
import { checkBatches, type Ack } from './check.ts';

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
    }, 120_000); // three process starts and kills: well over 30 s on a loaded 2-core machine
  }
});
