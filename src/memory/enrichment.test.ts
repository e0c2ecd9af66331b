import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Turn } from '../core/types.ts';
import type { Embedder } from '../models/embedder.ts';
import { LmdbStore } from '../storage/lmdb/lmdb-store.ts';
import { embeddingText, Enrichment } from './enrichment.ts';

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

const turn = (text: string, name: string | null = null): Turn => ({ seq: 1, role: 'user', parts: [{ type: 'text', text }], name, agent_id: null, metadata: null, created_at: 0, importance: null, pinned: false });

describe('embeddingText(turn)', () => {
  it('leaves out a "[date] Name:" header, which every turn of a logged chat carries', () => {
    expect(embeddingText(turn('[8 May 2023] Maria: I painted a sunrise', 'Maria'))).toBe('I painted a sunrise');
  });
  it('leaves out a bare "Name:" only when it is the turn\'s own speaker', () => {
    expect(embeddingText(turn('Maria: hi there', 'Maria'))).toBe('hi there');
    expect(embeddingText(turn('Note: the keys are under the mat', 'Maria'))).toBe('Note: the keys are under the mat');
  });
  it('falls back to the role for a turn without text', () => {
    expect(embeddingText(turn('[8 May 2023] Maria: ', 'Maria'))).toBe('(user)');
  });
});
