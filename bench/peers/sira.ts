/**
 * @module bench/peers/sira
 * Sira Session in-process: the library facade (`SiraSession`, src/sira.ts) on the embedded LMDB store in a fresh
 * temporary data dir; by default as users get it (`sync: 'os'`, tail cache on), or with `sync: 'always'` (fsync
 * before acknowledging, the durability of the SQLite/PostgreSQL peers) or with the tail cache off (every read
 * decodes from LMDB: the cold path).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiraSession, type TenantSessions } from '../../src/sira.ts';
import { LmdbStore } from '../../src/storage/index.ts';
import type { SyncMode } from '../../src/core/config.ts';
import type { NewTurn, Turn, TurnInput } from '../../src/core/index.ts';
import { diskBytes } from '../lib/footprint.ts';
import { partsChars, recencyWindow, type PeerSystem, type SeedSession } from './adapter.ts';

const input = (t: NewTurn): TurnInput => ({ role: t.role, content: t.parts, metadata: t.metadata ?? null });

const SYNC_NOTE: Record<SyncMode, string> = {
  os: 'sync os (the commit is handed to the OS before the call returns: survives a killed process, not a power loss)',
  always: 'sync always (fsync before the call returns: survives a power loss)',
};

/** Open Sira in-process on a temporary data dir. */
export async function siraInProcess(opts: { sync?: SyncMode; tailCache?: boolean } = {}): Promise<PeerSystem> {
  const sync = opts.sync ?? 'os';
  const cache = opts.tailCache ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'peers-sira-'));
  const store = cache ? undefined : await LmdbStore.open({ path: dir, sync, tailCache: false });
  const sira = await SiraSession.open({ dataDir: dir, sync, sweepIntervalMs: 0 }, store ? { store } : {});
  const t: TenantSessions = sira.tenant('bench');
  const variant = [sync === 'os' ? '' : `sync ${sync}`, cache ? '' : 'tail cache off'].filter(Boolean).join(', ');
  return {
    name: variant ? `Sira in-process, ${variant}` : 'Sira in-process',
    notes:
      `SiraSession library, embedded LMDB, ${SYNC_NOTE[sync]}, tail cache ${cache ? 'on (the last turns of active sessions are served from memory)' : 'off (reads decode from LMDB)'}. ` +
      'State: getState (versioned JSON). Context: recency over getTurns({last}) with the 4-chars/token estimate (the same recency rule as the peers, for a like-for-like window; the relevance engine is measured in context-quality and loadtest).',
    async setup(sessions: readonly SeedSession[]) {
      for (const s of sessions) {
        await t.createSession({ id: s.id });
        await t.appendTurns(s.id, s.turns.map(input));
        await t.putState(s.id, s.state);
      }
    },
    append: async (s, turn) => void (await t.appendTurns(s, [input(turn)])),
    appendBatch: async (s, turns) => void (await t.appendTurns(s, turns.map(input))),
    lastK: async (s, k) => (await t.getTurns(s, { last: k })).length,
    getState: async (s) => (await t.getState(s)).version,
    contextWindow: (s, budget) => recencyWindow((k) => t.getTurns(s, { last: k }), budget, (x: Turn) => partsChars(x.parts)),
    footprint: async () => ({ storedBytes: diskBytes(dir), storedWhat: 'LMDB files on disk' }),
    async teardown() {
      await sira.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
