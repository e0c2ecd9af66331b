/**
 * Child process for the crash test: appends batches to a store as fast as it can and prints one line per
 * acknowledged batch (`ack <session> <firstSeq> <n> <batch>`) only after the append resolved. The parent kills
 * it with SIGKILL at an arbitrary point. usage: node writer.ts <dataDir> <sync:os|always>
 */
import { LmdbStore } from '../../src/storage/lmdb/lmdb-store.ts';
import type { SyncMode } from '../../src/core/config.ts';

const [dir, sync] = process.argv.slice(2) as [string, SyncMode];
const store = await LmdbStore.open({ path: dir, sync });
const sessions = Array.from({ length: 8 }, (_, i) => `crash-${i}`);
for (const id of sessions) {
  if ((await store.getSession('t', id)) === undefined) await store.createSession('t', { id });
}
process.stdout.write('ready\n');
let batch = 0;
async function worker(w: number): Promise<void> {
  for (;;) {
    const b = `${process.pid}-${batch++}`;
    const n = 1 + (batch % 7);
    const id = sessions[(batch + w) % sessions.length]!;
    const turns = Array.from({ length: n }, (_, i) => ({
      role: 'user' as const,
      parts: [{ type: 'text' as const, text: `b${b}:${i}/${n} ${'payload '.repeat(1 + (i % 5))}` }],
    }));
    const stored = await store.appendTurns('t', id, turns);
    process.stdout.write(`ack ${id} ${stored[0]!.seq} ${n} ${b}\n`);
  }
}
await Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
