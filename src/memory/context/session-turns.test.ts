import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewTurn } from '../../core/types.ts';
import { LmdbStore } from '../../storage/lmdb/lmdb-store.ts';
import type { Store } from '../../storage/store.ts';
import { TurnCache } from './analysis.ts';
import { contextTurns } from './session-turns.ts';

const turn = (text: string): NewTurn => ({ role: 'user', parts: [{ type: 'text', text }] });

/** A store that counts the turns it hands out, to see what was read again. */
function counting(store: Store): { store: Store; read: () => number } {
  let n = 0;
  const wrapped = Object.create(store) as Store;
  wrapped.getTurns = async (...args: Parameters<Store['getTurns']>) => {
    const r = await store.getTurns(...args);
    n += r?.length ?? 0;
    return r;
  };
  wrapped.getSession = (...args: Parameters<Store['getSession']>) => store.getSession(...args);
  return { store: wrapped, read: () => n };
}

describe('contextTurns', () => {
  let dir: string;
  let store: LmdbStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sira-ctx-turns-'));
    store = await LmdbStore.open({ path: dir });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads only the turns appended since the last request, and gives the newest `max` in order', async () => {
    await store.createSession('t', { id: 's' });
    await store.appendTurns('t', 's', Array.from({ length: 30 }, (_, i) => turn(`m${i + 1}`)));
    const c = counting(store);
    const cache = new TurnCache();
    const first = await contextTurns(c.store, 't', 's', 20, cache);
    expect(first?.turns.map((t) => t.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 11));
    expect(c.read()).toBe(20);
    await store.appendTurns('t', 's', [turn('m31'), turn('m32')]);
    const second = await contextTurns(c.store, 't', 's', 20, cache);
    expect(second?.turns.map((t) => t.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 13));
    expect(second?.turns.at(-1)?.parts).toEqual([{ type: 'text', text: 'm32' }]);
    expect(c.read()).toBe(22); // the two new turns only
    await contextTurns(c.store, 't', 's', 20, cache);
    expect(c.read()).toBe(22); // nothing new: nothing read
  });

  it('never serves the turns of a deleted session to a re-created one of the same id', async () => {
    await store.createSession('t', { id: 's' });
    await store.appendTurns('t', 's', [turn('old one'), turn('old two')]);
    const cache = new TurnCache();
    expect((await contextTurns(store, 't', 's', 10, cache))?.turns).toHaveLength(2);
    await store.deleteSession('t', 's');
    expect(await contextTurns(store, 't', 's', 10, cache)).toBeUndefined();
    await store.createSession('t', { id: 's' });
    await store.appendTurns('t', 's', [turn('new one')]);
    const again = await contextTurns(store, 't', 's', 10, cache);
    expect(again?.turns.map((t) => t.parts)).toEqual([[{ type: 'text', text: 'new one' }]]);
  });

  it('returns an array the caller may reorder without changing the cache', async () => {
    await store.createSession('t', { id: 's' });
    await store.appendTurns('t', 's', [turn('a'), turn('b'), turn('c')]);
    const cache = new TurnCache();
    const r = await contextTurns(store, 't', 's', 10, cache);
    r!.turns.reverse();
    expect((await contextTurns(store, 't', 's', 10, cache))?.turns.map((t) => t.seq)).toEqual([1, 2, 3]);
  });
});
