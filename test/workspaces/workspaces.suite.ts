/**
 * @module test/workspaces/workspaces.suite
 * One body of workspace tests that runs on every store (LMDB here, Redis in workspaces.redis.test.ts): CRUD and
 * tenant isolation, members, shared turns, CAS conflicts between concurrent writers, CRDT convergence under random
 * concurrent updates (fast-check, seed printed), compaction, state-vector diffs, bad input and events.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { isSiraError } from '../../src/core/errors.ts';
import type { WorkspaceEvent } from '../../src/memory/workspaces/index.ts';
import type { SiraSession } from '../../src/sira.ts';

/** How a suite gets a fresh service (its own store) and disposes of it. */
export interface WorkspaceHarness {
  sira: SiraSession;
  /** A second service on the same store (another instance), when the backend is shared; else undefined. */
  second?: SiraSession;
  cleanup(): Promise<void>;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isSiraError(err)) return err.code;
    throw err;
  }
  return 'resolved';
}

/** Random edits of a Y.Doc (text inserts/deletes and map sets), driven by fast-check values. */
const editArb = fc.oneof(
  fc.record({ k: fc.constant('ins' as const), pos: fc.nat(50), s: fc.string({ minLength: 1, maxLength: 4 }) }),
  fc.record({ k: fc.constant('del' as const), pos: fc.nat(50), n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ k: fc.constant('set' as const), key: fc.constantFrom('a', 'b', 'c'), v: fc.integer() }),
);

type Edit = { k: string; pos?: number; s?: string; n?: number; key?: string; v?: number };

function applyEdit(doc: Y.Doc, e: Edit): void {
  const t = doc.getText('t');
  if (e.k === 'ins') t.insert(Math.min(e.pos!, t.length), e.s!);
  else if (e.k === 'del' && t.length > 0) {
    const p = Math.min(e.pos!, t.length - 1);
    t.delete(p, Math.min(e.n!, t.length - p));
  } else if (e.k === 'set') doc.getMap('m').set(e.key!, e.v!);
}

const view = (d: Y.Doc) => ({ t: d.getText('t').toString(), m: d.getMap('m').toJSON() });

/** Register the suite; `open` gives a fresh harness per test. */
export function runWorkspaceSuite(open: () => Promise<WorkspaceHarness>): void {
  let h: WorkspaceHarness;
  beforeEach(async () => {
    h = await open();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  describe('workspaces', () => {
    it('create/get/list/update/delete, and another tenant sees none of it', async () => {
      const a = h.sira.workspaces('acme');
      const w1 = await a.create({ id: 'w1', agent_id: 'planner', metadata: { topic: 'trip' } });
      expect(w1).toMatchObject({ id: 'w1', created_by: 'planner', metadata: { topic: 'trip' }, turn_count: 0, state_version: 0 });
      await a.create({ id: 'w2' });
      expect(await code(a.create({ id: 'w1' }))).toBe('SIRA_ERR_WORKSPACE_EXISTS');
      expect(await code(a.create({ id: '_bad' }))).toBe('SIRA_ERR_WORKSPACE_ID_INVALID');
      expect((await a.list()).items.map((w) => w.id).sort()).toEqual(['w1', 'w2']);
      // Workspaces are not the tenant's sessions.
      expect((await h.sira.tenant('acme').listSessions()).items).toEqual([]);
      expect((await a.update('w1', { metadata: { topic: 'x' } })).metadata).toEqual({ topic: 'x' });

      const b = h.sira.workspaces('beta');
      expect(await code(b.get('w1'))).toBe('SIRA_ERR_WORKSPACE_NOT_FOUND');
      expect((await b.list()).items).toEqual([]);
      expect(await code(b.appendTurns('w1', [{ role: 'user', content: 'x' }]))).toBe('SIRA_ERR_WORKSPACE_NOT_FOUND');
      expect(await code(b.applyUpdate('w1', 'd', Y.encodeStateAsUpdate(new Y.Doc())))).toBe('SIRA_ERR_WORKSPACE_NOT_FOUND');
      expect(await code(b.delete('w1'))).toBe('SIRA_ERR_WORKSPACE_NOT_FOUND');

      await a.delete('w1');
      expect(await code(a.get('w1'))).toBe('SIRA_ERR_WORKSPACE_NOT_FOUND');
      expect((await a.list()).items.map((w) => w.id)).toEqual(['w2']);
    });

    it('members join (idempotently) and leave, with events; bad members store nothing', async () => {
      const a = h.sira.workspaces('acme');
      await a.create({ id: 'w' });
      const s = await h.sira.tenant('acme').createSession({ id: 'sess1' });
      expect((await a.join('w', 'agent', 'planner')).joined).toBe(true);
      expect((await a.join('w', 'agent', 'planner')).joined).toBe(false);
      expect((await a.join('w', 'session', s.id)).joined).toBe(true);
      expect(await code(a.join('w', 'session', 'nope'))).toBe('SIRA_ERR_WORKSPACE_MEMBER_INVALID');
      expect(await code(h.sira.workspaces('beta').join('w', 'agent', 'x'))).toBe('SIRA_ERR_WORKSPACE_NOT_FOUND');
      expect(await code(a.join('w', 'robot' as never, 'x'))).toBe('SIRA_ERR_WORKSPACE_MEMBER_INVALID');
      expect((await a.members('w')).map((m) => `${m.kind}:${m.id}`).sort()).toEqual(['agent:planner', 'session:sess1']);
      await a.leave('w', 'agent', 'planner');
      expect(await code(a.leave('w', 'agent', 'planner'))).toBe('SIRA_ERR_WORKSPACE_MEMBER_NOT_FOUND');
      const ev = (await a.readEvents('w', 0)).events.map((e) => [e.type, e.data.member_id ?? null]);
      expect(ev).toEqual([
        ['workspace.created', null],
        ['member.joined', 'planner'],
        ['member.joined', 'sess1'],
        ['member.left', 'planner'],
      ]);
    });

    it('shared turns carry agent_id and read like a session’s', async () => {
      const a = h.sira.workspaces('acme');
      await a.create({ id: 'w' });
      await a.appendTurns('w', [{ role: 'assistant', content: 'plan A', agent_id: 'planner' }]);
      await a.appendTurns('w', [{ role: 'assistant', content: 'checked', agent_id: 'critic' }]);
      const turns = await a.getTurns('w', { last: 10 });
      expect(turns.map((t) => [t.seq, t.agent_id])).toEqual([
        [1, 'planner'],
        [2, 'critic'],
      ]);
      expect(await code(a.appendTurns('w', [{ role: 'nobody' as never, content: 'x' }]))).toBe('SIRA_ERR_TURN_INVALID');
      expect(await code(a.getTurns('w', { last: 0 }))).toBe('SIRA_ERR_TURN_RANGE_INVALID');
      expect((await a.get('w')).turn_count).toBe(2);
    });

    it('CAS: of concurrent writers at one version exactly one wins, the others get the current version', async () => {
      const a = h.sira.workspaces('acme');
      await a.create({ id: 'w' });
      const writers = [h.sira, h.second ?? h.sira];
      for (let round = 0; round < 3; round++) {
        const { version } = await a.getState('w');
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) => writers[i % writers.length]!.workspaces('acme').patchState('w', { [`k${i}`]: round }, version)),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') {
            expect(isSiraError(r.reason, 'SIRA_ERR_STATE_VERSION_CONFLICT')).toBe(true);
            expect((r.reason as { details: { current_version: number } }).details.current_version).toBeGreaterThan(version);
          }
        }
        expect((await a.getState('w')).version).toBe(version + 1);
      }
    });

    it('CRDT: random concurrent updates from several clients converge (property, seed printed)', async () => {
      const a = h.sira.workspaces('acme');
      let n = 0;
      const seed = Number(process.env.SIRA_FC_SEED ?? Date.now() % 2 ** 31);
      console.log(`CRDT convergence property: seed ${seed}`);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(editArb, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 4 }), async (clientsEdits) => {
          const ws = `p${n++}`;
          await a.create({ id: ws });
          const clients = clientsEdits.map(() => new Y.Doc());
          // Each client edits locally and posts its updates concurrently with the others (through both instances).
          await Promise.all(
            clients.map(async (doc, i) => {
              const t = (i % 2 === 1 ? (h.second ?? h.sira) : h.sira).workspaces('acme');
              for (const e of clientsEdits[i]!) {
                const sv = Y.encodeStateVector(doc);
                applyEdit(doc, e);
                await t.applyUpdate(ws, 'doc', Y.encodeStateAsUpdate(doc, sv));
              }
            }),
          );
          // Each client fetches only what it lacks, by state vector; all end equal to the server's state.
          const server = new Y.Doc();
          Y.applyUpdate(server, await a.getUpdate(ws, 'doc'));
          for (const c of clients) Y.applyUpdate(c, await a.getUpdate(ws, 'doc', Y.encodeStateVector(c)));
          for (const c of clients) expect(view(c)).toEqual(view(server));
          // The server has every client's edits: merging all clients locally gives the same state.
          const local = new Y.Doc();
          for (const c of clients) Y.applyUpdate(local, Y.encodeStateAsUpdate(c));
          expect(view(local)).toEqual(view(server));
          await a.delete(ws);
        }),
        { numRuns: 12, seed },
      );
    });

    it('compaction folds the log into a snapshot and preserves the state; the log restarts', async () => {
      const a = h.sira.workspaces('acme');
      await a.create({ id: 'w' });
      const doc = new Y.Doc();
      let started = 0;
      for (let i = 0; i < 40; i++) {
        const sv = Y.encodeStateVector(doc);
        doc.getText('t').insert(0, String(i % 10));
        if ((await a.applyUpdate('w', 'd', Y.encodeStateAsUpdate(doc, sv))).compacting) started++;
      }
      expect(started).toBeGreaterThanOrEqual(1); // compactEvery is small in the harnesses
      await a.idle();
      // What is left pending is what came after the automatic compaction's listing.
      expect(await a.compact('w', 'd')).toBeLessThan(40);
      expect(await a.compact('w', 'd')).toBe(0);
      const after = new Y.Doc();
      Y.applyUpdate(after, await a.getUpdate('w', 'd'));
      expect(after.getText('t').toString()).toBe(doc.getText('t').toString());
      expect(await a.docs('w')).toEqual(['d']);
      // Compaction's own deletions are not client events; every update has its crdt.updated.
      const events: WorkspaceEvent[] = [];
      let after_ = 0;
      for (;;) {
        const page = await a.readEvents('w', after_, 100);
        events.push(...page.events);
        if (page.last_read === after_) break;
        after_ = page.last_read;
      }
      expect(events.filter((e) => e.type === 'crdt.updated')).toHaveLength(40);
      expect(events.every((e) => e.type === 'crdt.updated' || e.type === 'workspace.created')).toBe(true);
    });

    it('concurrent compactors and writers on two instances lose no update', async () => {
      const a = h.sira.workspaces('acme');
      const b = (h.second ?? h.sira).workspaces('acme');
      await a.create({ id: 'w' });
      const clients = Array.from({ length: 4 }, () => new Y.Doc());
      const writes = clients.map(async (doc, i) => {
        for (let j = 0; j < 15; j++) {
          const sv = Y.encodeStateVector(doc);
          doc.getArray('xs').push([`${i}:${j}`]);
          await (i % 2 === 0 ? a : b).applyUpdate('w', 'd', Y.encodeStateAsUpdate(doc, sv));
        }
      });
      const compactions = Array.from({ length: 10 }, async (_, i) => (i % 2 === 0 ? a : b).compact('w', 'd'));
      await Promise.all([...writes, ...compactions]);
      await a.idle();
      await b.idle();
      const server = new Y.Doc();
      Y.applyUpdate(server, await b.getUpdate('w', 'd'));
      expect(server.getArray('xs').length).toBe(60);
      expect(new Set(server.getArray('xs').toArray()).size).toBe(60);
    });

    it('a state-vector read returns only what is missing', async () => {
      const a = h.sira.workspaces('acme');
      await a.create({ id: 'w' });
      const doc = new Y.Doc();
      doc.getText('t').insert(0, 'x'.repeat(2000));
      await a.applyUpdate('w', 'd', Y.encodeStateAsUpdate(doc));
      const client = new Y.Doc();
      Y.applyUpdate(client, await a.getUpdate('w', 'd'));
      const sv = Y.encodeStateVector(client);
      expect(Buffer.from(await a.getStateVector('w', 'd'))).toEqual(Buffer.from(sv));
      const sv1 = Y.encodeStateVector(doc);
      doc.getText('t').insert(0, 'new');
      await a.applyUpdate('w', 'd', Y.encodeStateAsUpdate(doc, sv1));
      const diff = await a.getUpdate('w', 'd', sv);
      const full = await a.getUpdate('w', 'd');
      expect(diff.byteLength).toBeLessThan(100);
      expect(full.byteLength).toBeGreaterThan(2000);
      Y.applyUpdate(client, diff);
      expect(client.getText('t').toString()).toBe(doc.getText('t').toString());
      // Up to date: nothing is missing (an empty update).
      expect(Y.decodeUpdate(await a.getUpdate('w', 'd', Y.encodeStateVector(client))).structs).toEqual([]);
    });

    it('bad CRDT input is refused with a stable code and stores nothing', async () => {
      const a = h.sira.workspaces('acme');
      await a.create({ id: 'w' });
      const garbage = [new Uint8Array(0), new Uint8Array([1, 2, 3, 4, 5, 6, 7]), new Uint8Array(300).fill(0xff)];
      for (const g of garbage) expect(await code(a.applyUpdate('w', 'd', g))).toBe('SIRA_ERR_CRDT_UPDATE_INVALID');
      expect(await code(a.applyUpdate('w', 'bad/name', Y.encodeStateAsUpdate(new Y.Doc())))).toBe('SIRA_ERR_CRDT_DOC_INVALID');
      expect(await code(a.getUpdate('w', 'd', new Uint8Array([0xff, 0xff])))).toBe('SIRA_ERR_CRDT_STATE_VECTOR_INVALID');
      expect(await a.docs('w')).toEqual([]);
      expect((await a.readEvents('w', 0)).events.map((e) => e.type)).toEqual(['workspace.created']);
    });

    it('subscribers get crdt.updated with the update bytes inlined, and member events, gap-free', async () => {
      const a = h.sira.workspaces('acme');
      await a.create({ id: 'w' });
      const got: WorkspaceEvent[] = [];
      let wake: () => void = () => {};
      const sub = await a.subscribe('w', 0, {
        onEvents: (evs) => {
          got.push(...evs);
          wake();
          return true;
        },
        onEnd: (e) => {
          got.push(e);
          wake();
        },
        onError: () => {},
      });
      const writer = (h.second ?? h.sira).workspaces('acme');
      const doc = new Y.Doc();
      doc.getMap('m').set('k', 1);
      const update = Y.encodeStateAsUpdate(doc);
      await writer.applyUpdate('w', 'd', update);
      await writer.join('w', 'agent', 'a1');
      // A local delete ends subscriptions at once: let the earlier events arrive first.
      while (got.length < 3) await new Promise<void>((r) => (wake = r));
      await writer.delete('w');
      while (!got.some((e) => e.type === 'workspace.deleted')) await new Promise<void>((r) => (wake = r));
      sub.close();
      expect(got.map((e) => e.type)).toEqual(['workspace.created', 'crdt.updated', 'member.joined', 'workspace.deleted']);
      expect(Buffer.from(String(got[1]!.data.update), 'base64')).toEqual(Buffer.from(update));
      expect(got.map((e) => e.id)).toEqual([...got.map((e) => e.id)].sort((x, y) => x - y));
    });
  });
}
