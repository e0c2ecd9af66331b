import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Turn } from '../core/types.ts';
import type { Embedder } from '../models/embedder.ts';
import { LmdbStore } from '../storage/lmdb/lmdb-store.ts';
import { Enrichment } from './enrichment.ts';

/** A synchronous embedder (as the static one is): appends embed inline and the vectors are written behind. */
const syncEmbedder: Embedder & { embedSync(texts: readonly string[]): Float32Array[] } = {
  id: 'test-sync',
  dim: 4,
  embed: (texts) => Promise.resolve(texts.map(() => new Float32Array([1, 0, 0, 0]))),
  embedSync: (texts) => texts.map(() => new Float32Array([1, 0, 0, 0])),
};

describe('Enrichment inline writes', () => {
  let dir: string;
  let store: LmdbStore;
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('holds at most maxQueued vectors for the writer: past it the turns stay pending, nothing grows', async () => {
    dir = await mkdtemp(join(tmpdir(), 'enrich-'));
    store = await LmdbStore.open({ path: dir });
    await store.createSession('t', { id: 's', user_id: null, agent_id: null, metadata: {}, ttl_seconds: null } as never);
    const turns = await store.appendTurns(
      't',
      's',
      Array.from({ length: 4 }, (_, i) => ({ role: 'user' as const, parts: [{ type: 'text' as const, text: `turn ${i}` }], name: null, agent_id: null, metadata: null, importance: null, pinned: false })),
    );
    const e = new Enrichment(store, syncEmbedder, { maxQueued: 3 });
    // Both calls come before the writer's first run (it starts on the next turn of the event loop).
    e.enqueue('t', 's', turns.slice(0, 2) as Turn[]);
    e.enqueue('t', 's', turns.slice(2) as Turn[]);
    expect(e.skippedWrites).toBe(2);
    await e.drain();
    const status = await e.status('t', 's', [1, 2, 3, 4]);
    expect({ done: status.done, pending: status.pending_seqs }).toEqual({ done: 2, pending: [3, 4] });
    await e.close();
  });
});
