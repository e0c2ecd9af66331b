/**
 * Several processes on one LMDB environment (`serve --workers`, a CLI import beside the service): the
 * process-local state of LmdbStore stays coherent. Two stores opened on one directory, each with its own keyring
 * instance, stand for two processes (what they share is exactly what processes share: the environment and the
 * keyring file). A child process appends too, for the per-process event id guess.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileKeyring } from '../../src/storage/crypto/keyring.ts';
import { parseMasterKey } from '../../src/storage/crypto/master-key.ts';
import { LmdbStore } from '../../src/storage/lmdb/lmdb-store.ts';

const MASTER = 'shared-env-master-passphrase-0123456789';
/**
 * lmdb-js keeps its read snapshot until a 0 ms timer it set at the first read fires (lmdb read.js, resetReadTxn): a
 * timer set after it fires after it (timers of one delay run in order), as a later request would. Not a wait.
 */
const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));
const say = (text: string) => [{ role: 'user' as const, parts: [{ type: 'text' as const, text }] }];

describe('LmdbStore on an environment other processes write to', () => {
  let dir: string;
  const stores: LmdbStore[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sira-shared-'));
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = async (sealed = false) => {
    const s = await LmdbStore.open({ path: dir, ...(sealed ? { keyring: new FileKeyring(dir, [parseMasterKey(MASTER)]) } : {}) });
    stores.push(s);
    return s;
  };

  it('appendTurns() after another process appended to the session takes the next event id (none overwritten)', async () => {
    const store = await open();
    await store.createSession('t', { id: 's' });
    await store.appendTurns('t', 's', say('mine 1')); // event 2, remembered by this process
    const script = join(dir, 'other.ts');
    writeFileSync(
      script,
      `import { LmdbStore } from ${JSON.stringify(join(import.meta.dirname, '../../src/storage/lmdb/lmdb-store.ts'))};
       const s = await LmdbStore.open({ path: ${JSON.stringify(dir)} });
       await s.appendTurns('t', 's', [{ role: 'user', parts: [{ type: 'text', text: 'theirs' }] }]);
       await s.close();`,
    );
    execFileSync(process.execPath, [script]);
    await store.appendTurns('t', 's', say('mine 2'));
    const page = await store.readEvents('t', 's', 0, 100);
    expect(page!.events.map((e) => [e.id, e.type, e.data])).toEqual([
      [1, 'session.created', {}],
      [2, 'turns.appended', { first_seq: 1, count: 1 }],
      [3, 'turns.appended', { first_seq: 2, count: 1 }],
      [4, 'turns.appended', { first_seq: 3, count: 1 }],
    ]);
  });

  /** Run `body` in a child process with `store` open on the directory (sealed like ours); returns what it prints. */
  const inChild = (body: string): string => {
    const script = join(dir, `child-${Math.random().toString(36).slice(2)}.ts`);
    const src = (m: string) => JSON.stringify(join(import.meta.dirname, '../../src/storage', m));
    writeFileSync(
      script,
      `import { LmdbStore } from ${src('lmdb/lmdb-store.ts')};
       import { FileKeyring } from ${src('crypto/keyring.ts')};
       import { parseMasterKey } from ${src('crypto/master-key.ts')};
       const store = await LmdbStore.open({ path: ${JSON.stringify(dir)}, keyring: new FileKeyring(${JSON.stringify(dir)}, [parseMasterKey(${JSON.stringify(MASTER)})]) });
       ${body}
       await store.close();`,
    );
    return execFileSync(process.execPath, [script], { encoding: 'utf8' });
  };

  it("after eraseUser() in another process, this one no longer opens the user's values and seals new ones under a key the others have", async () => {
    const store = await open(true);
    await store.createSession('t', { id: 's1', user_id: 'u', metadata: { note: 'before' } });
    await store.putDoc('t', 'notes', 'n1', new TextEncoder().encode('owned by u'), undefined, 'u');
    expect(new TextDecoder().decode((await store.getDoc('t', 'notes', 'n1'))!.value)).toBe('owned by u'); // u's key is held here now
    inChild(`await store.eraseUser('t', 'u');`);
    await nextTurn();
    // The document outlived the erasure (not a user collection) but its key did not: unreadable here too.
    expect(await store.getDoc('t', 'notes', 'n1')).toBeUndefined();
    // The user comes back through this process: sealed under a key the other process can open.
    await store.createSession('t', { id: 's2', user_id: 'u', metadata: { note: 'after' } });
    await store.appendTurns('t', 's2', say('hello again'));
    const seen = inChild(`console.log(JSON.stringify({ s: (await store.getSession('t', 's2'))?.metadata, turns: (await store.getTurns('t', 's2'))?.map((t) => t.parts) }));`);
    expect(JSON.parse(seen)).toEqual({ s: { note: 'after' }, turns: [[{ type: 'text', text: 'hello again' }]] });
  });
});
