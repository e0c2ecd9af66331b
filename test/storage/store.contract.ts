/**
 * The Store contract suite: every backend runs exactly these tests (STYLE §6). A backend calls
 * `runStoreContract({ name, create, skip })`; each skipped test must name a reason.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { manualClock, type ManualClock } from '../../src/core/clock.ts';
import { isSiraError } from '../../src/core/errors.ts';
import type { NewTurn, Tensor } from '../../src/core/types.ts';
import type { EventLogOptions, Store } from '../../src/storage/store.ts';
import { runBlobContract, runPartsContract } from './store.contract.parts.ts';

export interface ContractHarness {
  store: Store;
  /** Reopen the same data (for persistence checks); optional. */
  reopen?: () => Promise<Store>;
  cleanup: () => Promise<void>;
}

export interface ContractOptions {
  name: string;
  /** A fresh store on `clock`; `events` are event-log options (the events group uses a small retention). */
  create: (clock: ManualClock, events?: EventLogOptions) => Promise<ContractHarness>;
  /** Test names to skip, each with a reason. */
  skip?: Record<string, string>;
}

const FC_SEED = Number(process.env.SIRA_FC_SEED ?? 20261125);

const text = (role: NewTurn['role'], t: string, extra: Partial<NewTurn> = {}): NewTurn => ({ role, parts: [{ type: 'text', text: t }], ...extra });

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(isSiraError(e) ? e.code : e).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

/** Run the contract against a backend. */
export function runStoreContract(opts: ContractOptions): void {
  const skip = opts.skip ?? {};
  // A backend may skip a contract test only through `skip`, whose reason goes into the test's name; no backend
  // skips any today (LMDB, Redis standalone and Cluster all run the whole suite).
  const test = (name: string, fn: () => Promise<void>) => (skip[name] === undefined ? it(name, fn) : it.skip(`${name} (skipped: ${skip[name]})`, fn));

  describe(`Store contract: ${opts.name}`, () => {
    let h: ContractHarness;
    let store: Store;
    let clock: ManualClock;
    let tenant: string;

    beforeEach(async () => {
      clock = manualClock(Date.UTC(2026, 10, 25, 12));
      h = await opts.create(clock);
      store = h.store;
      tenant = `t${randomBytes(4).toString('hex')}`;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    describe('basic', () => {
      test('createSession() assigns an id and returns the stored session', async () => {
        const s = await store.createSession(tenant, { user_id: 'u1', metadata: { a: 1 } });
        expect(s.id).toMatch(/^s_/);
        expect(s).toMatchObject({ tenant, user_id: 'u1', metadata: { a: 1 }, turn_count: 0, state_version: 0, expires_at: null });
        expect(await store.getSession(tenant, s.id)).toEqual(s);
      });
      test('createSession() with a taken id throws SIRA_ERR_SESSION_EXISTS', async () => {
        await store.createSession(tenant, { id: 'dup' });
        await rejects(store.createSession(tenant, { id: 'dup' }), 'SIRA_ERR_SESSION_EXISTS');
      });
      test('getSession(id) returns undefined for a missing session', async () => {
        expect(await store.getSession(tenant, 'nope')).toBeUndefined();
      });
      test('updateSession() patches fields and leaves the rest', async () => {
        const s = await store.createSession(tenant, { id: 'p', user_id: 'u1', metadata: { a: 1 } });
        clock.advance(1000);
        const u = await store.updateSession(tenant, 'p', { metadata: { b: 2 }, agent_id: 'ag' });
        expect(u).toMatchObject({ id: 'p', user_id: 'u1', agent_id: 'ag', metadata: { b: 2 }, created_at: s.created_at, updated_at: s.created_at + 1000 });
        expect(await store.updateSession(tenant, 'missing', { agent_id: 'x' })).toBeUndefined();
      });
      test('deleteSession() removes turns, state and tensors; false when missing', async () => {
        await store.createSession(tenant, { id: 'd' });
        await store.appendTurns(tenant, 'd', [text('user', 'hi')]);
        await store.putState(tenant, 'd', { x: 1 });
        await store.putTensor(tenant, 'd', 'e', { dtype: 'u8', shape: [2], data: new Uint8Array([1, 2]) });
        expect(await store.deleteSession(tenant, 'd')).toBe(true);
        expect(await store.deleteSession(tenant, 'd')).toBe(false);
        expect(await store.getSession(tenant, 'd')).toBeUndefined();
        await store.createSession(tenant, { id: 'd' });
        expect(await store.getTurns(tenant, 'd')).toEqual([]);
        expect((await store.getState(tenant, 'd'))?.version).toBe(0);
        expect(await store.listTensors(tenant, 'd')).toEqual([]);
      });
      test('a session of another tenant is invisible and untouchable', async () => {
        await store.createSession(tenant, { id: 'mine' });
        await store.appendTurns(tenant, 'mine', [text('user', 'secret')]);
        const other = `${tenant}x`;
        expect(await store.getSession(other, 'mine')).toBeUndefined();
        expect(await store.getTurns(other, 'mine')).toBeUndefined();
        expect(await store.getState(other, 'mine')).toBeUndefined();
        await rejects(store.appendTurns(other, 'mine', [text('user', 'x')]), 'SIRA_ERR_SESSION_NOT_FOUND');
        await rejects(store.putState(other, 'mine', {}), 'SIRA_ERR_SESSION_NOT_FOUND');
        expect(await store.deleteSession(other, 'mine')).toBe(false);
        expect((await store.listSessions(other)).items).toEqual([]);
        expect((await store.getTurns(tenant, 'mine'))?.length).toBe(1);
      });
    });

    describe('erasure', () => {
      test('eraseUser() removes every session of the user (with turns, state, tensors, events) and the profile doc, nothing else', async () => {
        for (const id of ['a1', 'a2']) {
          await store.createSession(tenant, { id, user_id: 'gone' });
          await store.appendTurns(tenant, id, [text('user', 'hi')]);
          await store.putState(tenant, id, { x: 1 });
          await store.putTensor(tenant, id, 'e', { dtype: 'u8', shape: [1], data: new Uint8Array([7]) });
        }
        await store.createSession(tenant, { id: 'b1', user_id: 'stays' });
        await store.appendTurns(tenant, 'b1', [text('user', 'keep me')]);
        await store.createSession(tenant, { id: 'n1' });
        await store.putDoc(tenant, 'profiles', 'gone', new Uint8Array([1]));
        await store.putDoc(tenant, 'profiles', 'stays', new Uint8Array([2]));
        await store.putDoc(tenant, 'notes', 'n', new Uint8Array([3]), undefined, 'gone');
        expect(await store.eraseUser(tenant, 'gone')).toBe(2);
        for (const id of ['a1', 'a2']) {
          expect(await store.getSession(tenant, id)).toBeUndefined();
          expect(await store.getTurns(tenant, id)).toBeUndefined();
          expect(await store.readEvents(tenant, id, 0, 10)).toBeUndefined();
        }
        expect((await store.listSessions(tenant, { user_id: 'gone' })).items).toEqual([]);
        expect(await store.getDoc(tenant, 'profiles', 'gone')).toBeUndefined();
        expect((await store.getDoc(tenant, 'profiles', 'stays'))?.value).toEqual(new Uint8Array([2]));
        expect((await store.getTurns(tenant, 'b1'))?.map((t) => t.parts)).toEqual([[{ type: 'text', text: 'keep me' }]]);
        expect(await store.getSession(tenant, 'n1')).toBeDefined();
        expect(await store.eraseUser(tenant, 'gone')).toBe(0); // idempotent
        // A re-created session of the erased user starts empty and works (a new key where values are sealed).
        await store.createSession(tenant, { id: 'a1', user_id: 'gone' });
        await store.appendTurns(tenant, 'a1', [text('user', 'again')]);
        expect((await store.getTurns(tenant, 'a1'))?.length).toBe(1);
      });
      test('a session moved to another user (updateSession user_id) stays readable after the old user is erased', async () => {
        await store.createSession(tenant, { id: 'm', user_id: 'old' });
        await store.appendTurns(tenant, 'm', [text('user', 'moved text')]);
        await store.putState(tenant, 'm', { k: 'v' });
        await store.updateSession(tenant, 'm', { user_id: 'new' });
        expect(await store.eraseUser(tenant, 'old')).toBe(0);
        expect((await store.getTurns(tenant, 'm'))?.map((t) => t.parts)).toEqual([[{ type: 'text', text: 'moved text' }]]);
        expect((await store.getState(tenant, 'm'))?.value).toEqual({ k: 'v' });
        expect((await store.readEvents(tenant, 'm', 0, 10))?.events.length).toBeGreaterThan(0);
      });
      test('eraseTenant() removes sessions, documents and API keys of the tenant only', async () => {
        const other = `${tenant}x`;
        await store.createSession(tenant, { id: 's1', user_id: 'u' });
        await store.createSession(tenant, { id: 's2' });
        await store.createSession(other, { id: 's1' });
        await store.putDoc(tenant, 'profiles', 'u', new Uint8Array([1]));
        await store.putDoc(tenant, 'notes', 'x', new Uint8Array([1]));
        await store.putDoc(other, 'notes', 'x', new Uint8Array([9]));
        const key = { id: `k${tenant}`, tenant, name: 'n', hash: randomBytes(32).toString('hex'), created_at: clock() };
        await store.putApiKey(key);
        const r = await store.eraseTenant(tenant);
        expect(r).toMatchObject({ sessions: 2, docs: 2, api_keys: 1 });
        expect((await store.listSessions(tenant)).items).toEqual([]);
        expect(await store.getDoc(tenant, 'notes', 'x')).toBeUndefined();
        expect(await store.getApiKeyByHash(key.hash)).toBeUndefined();
        expect(await store.getSession(other, 's1')).toBeDefined();
        expect((await store.getDoc(other, 'notes', 'x'))?.value).toEqual(new Uint8Array([9]));
        expect((await store.eraseTenant(tenant)).sessions).toBe(0);
      });
    });

    describe('turns', () => {
      test('appendTurns() assigns dense seqs from 1 and keeps metadata unchanged', async () => {
        await store.createSession(tenant, { id: 's' });
        const meta = { trace: 'abc', nested: { list: [1, 'two', null, true], f: 1.5 }, 'ключ': 'значение' };
        const a = await store.appendTurns(tenant, 's', [text('user', 'a', { metadata: meta }), text('assistant', 'b')]);
        const b = await store.appendTurns(tenant, 's', [text('user', 'c')]);
        expect([...a, ...b].map((t) => t.seq)).toEqual([1, 2, 3]);
        const all = await store.getTurns(tenant, 's');
        expect(all?.map((t) => t.seq)).toEqual([1, 2, 3]);
        expect(all?.[0]?.metadata).toEqual(meta);
        expect(all?.[0]).toEqual(a[0]);
        expect((await store.getSession(tenant, 's'))?.turn_count).toBe(3);
      });
      test('appendTurns() on a missing session throws SIRA_ERR_SESSION_NOT_FOUND', async () => {
        await rejects(store.appendTurns(tenant, 'none', [text('user', 'x')]), 'SIRA_ERR_SESSION_NOT_FOUND');
      });
      test('getTurns() ranges: after_seq, before_seq, limit and last', async () => {
        await store.createSession(tenant, { id: 'r' });
        await store.appendTurns(tenant, 'r', Array.from({ length: 30 }, (_, i) => text(i % 2 ? 'assistant' : 'user', `m${i + 1}`)));
        const seqs = async (range: Parameters<Store['getTurns']>[2]) => (await store.getTurns(tenant, 'r', range))?.map((t) => t.seq);
        expect(await seqs({ last: 5 })).toEqual([26, 27, 28, 29, 30]);
        expect(await seqs({ last: 100 })).toHaveLength(30);
        expect(await seqs({ after_seq: 10, limit: 3 })).toEqual([11, 12, 13]);
        expect(await seqs({ before_seq: 4 })).toEqual([1, 2, 3]);
        expect(await seqs({ after_seq: 5, before_seq: 8 })).toEqual([6, 7]);
        expect(await seqs({ after_seq: 30 })).toEqual([]);
        expect((await store.getTurns(tenant, 'r', { last: 1 }))?.[0]?.parts).toEqual([{ type: 'text', text: 'm30' }]);
      });
      test('every part kind round-trips, media bytes included', async () => {
        await store.createSession(tenant, { id: 'm' });
        const img = new Uint8Array(randomBytes(1000));
        const turn: NewTurn = {
          role: 'assistant',
          name: 'bot',
          agent_id: 'agent-1',
          importance: 0.75,
          pinned: true,
          metadata: null,
          parts: [
            { type: 'text', text: 'look 👀' },
            { type: 'image', mime: 'image/png', data: img, name: 'a.png' },
            { type: 'audio', mime: 'audio/wav', url: 'https://example.com/a.wav' },
            { type: 'file', mime: 'application/pdf', url: 's3://b/k.pdf' },
            { type: 'tool_call', id: 'c1', name: 'search', arguments: '{"q": "x"}' },
            { type: 'tool_result', tool_call_id: 'c1', content: 'result', is_error: false },
            { type: 'tensor', name: 'emb' },
          ],
        };
        await store.appendTurns(tenant, 'm', [turn]);
        const [got] = (await store.getTurns(tenant, 'm')) ?? [];
        expect(got).toMatchObject({ seq: 1, role: 'assistant', name: 'bot', agent_id: 'agent-1', importance: 0.75, pinned: true, metadata: null });
        expect(got?.parts).toEqual(turn.parts);
      });
      test('appendTurns() round-trips arbitrary text and metadata (property)', async () => {
        await store.createSession(tenant, { id: 'prop' });
        const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
        await fc.assert(
          fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 5 }), async (t, meta) => {
            const [w] = await store.appendTurns(tenant, 'prop', [{ role: 'user', parts: [{ type: 'text', text: t }], metadata: meta as never }]);
            const [r] = (await store.getTurns(tenant, 'prop', { after_seq: w!.seq - 1, limit: 1 })) ?? [];
            expect(r?.parts).toEqual([{ type: 'text', text: t }]);
            expect(r?.metadata).toEqual(meta);
          }),
          { seed: FC_SEED, numRuns: 60 },
        );
      });
    });

    const partsContext = { store: () => store, tenant: () => tenant, reopen: () => h.reopen, setStore: (s: Store) => (store = s) };
    runPartsContract(partsContext, test);
    runBlobContract(partsContext, () => clock, test);

    describe('batch', () => {
      test('concurrent appends to one session get distinct dense seqs', async () => {
        await store.createSession(tenant, { id: 'c' });
        const results = await Promise.all(Array.from({ length: 40 }, (_, i) => store.appendTurns(tenant, 'c', [text('user', `a${i}`), text('assistant', `b${i}`)])));
        const seqs = results.flat().map((t) => t.seq).sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
        const stored = await store.getTurns(tenant, 'c');
        expect(stored?.length).toBe(80);
        // each batch's two turns are adjacent
        for (const batch of results) expect(batch[1]!.seq).toBe(batch[0]!.seq + 1);
      });
      test('a batch of 1000 turns is stored whole', async () => {
        await store.createSession(tenant, { id: 'big' });
        await store.appendTurns(tenant, 'big', Array.from({ length: 1000 }, (_, i) => text('user', `x${i}`)));
        expect((await store.getTurns(tenant, 'big', { last: 1000 }))?.length).toBe(1000);
      });
    });

    describe('state', () => {
      test('putState() bumps the version; getState() of a new session is version 0', async () => {
        await store.createSession(tenant, { id: 'st' });
        expect(await store.getState(tenant, 'st')).toMatchObject({ version: 0, value: {} });
        const a = await store.putState(tenant, 'st', { plan: ['a'] });
        const b = await store.putState(tenant, 'st', { n: 2 }, a.version);
        expect([a.version, b.version]).toEqual([1, 2]);
        expect(await store.getState(tenant, 'st')).toMatchObject({ version: 2, value: { n: 2 } });
        expect((await store.getSession(tenant, 'st'))?.state_version).toBe(2);
      });
      test('putState() with a stale version throws SIRA_ERR_STATE_VERSION_CONFLICT and changes nothing', async () => {
        await store.createSession(tenant, { id: 'st' });
        await store.putState(tenant, 'st', { n: 1 });
        try {
          await store.putState(tenant, 'st', { n: 9 }, 0);
          throw new Error('no conflict');
        } catch (e) {
          expect(isSiraError(e, 'SIRA_ERR_STATE_VERSION_CONFLICT')).toBe(true);
          expect(isSiraError(e) && e.details?.current_version).toBe(1);
        }
        expect(await store.getState(tenant, 'st')).toMatchObject({ version: 1, value: { n: 1 } });
      });
      test('patchState() merge-patches (RFC 7396)', async () => {
        await store.createSession(tenant, { id: 'mp' });
        await store.putState(tenant, 'mp', { a: 1, b: { c: 2, d: 3 } });
        const r = await store.patchState(tenant, 'mp', { a: null, b: { c: 5 }, e: [1] });
        expect(r).toMatchObject({ version: 2, value: { b: { c: 5, d: 3 }, e: [1] } });
      });
      test('concurrent CAS writers: exactly one wins per version', async () => {
        await store.createSession(tenant, { id: 'cas' });
        const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.putState(tenant, 'cas', { w: i }, 0)));
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        expect((await store.getState(tenant, 'cas'))?.version).toBe(1);
      });
    });

    describe('binary', () => {
      test('putTensor()/getTensor() round-trip every dtype bit-exactly', async () => {
        await store.createSession(tenant, { id: 'tn' });
        const dtypes: Tensor['dtype'][] = ['f64', 'f32', 'f16', 'bf16', 'i64', 'i32', 'i16', 'i8', 'u8', 'bool'];
        const size = { f64: 8, f32: 4, f16: 2, bf16: 2, i64: 8, i32: 4, i16: 2, i8: 1, u8: 1, bool: 1 } as const;
        for (const dtype of dtypes) {
          const data = dtype === 'bool' ? new Uint8Array([0, 1, 1, 0, 1, 0]) : new Uint8Array(randomBytes(6 * size[dtype]));
          await store.putTensor(tenant, 'tn', `t_${dtype}`, { dtype, shape: [2, 3], data });
          const got = await store.getTensor(tenant, 'tn', `t_${dtype}`);
          expect(got?.dtype).toBe(dtype);
          expect(got?.shape).toEqual([2, 3]);
          expect(Buffer.from(got!.data).equals(Buffer.from(data))).toBe(true);
        }
        const list = await store.listTensors(tenant, 'tn');
        expect(list?.map((t) => t.name)).toEqual(dtypes.map((d) => `t_${d}`).sort());
        expect(list?.find((t) => t.name === 't_f32')).toMatchObject({ dtype: 'f32', shape: [2, 3], byte_length: 24 });
      });
      test('a float32 tensor keeps its values (the msgpack pitfall of DESIGN §2)', async () => {
        await store.createSession(tenant, { id: 'f' });
        const f = new Float32Array([1.5, -2.25, 3, 1e-3, 0, 65504, Number.NaN, -0]);
        await store.putTensor(tenant, 'f', 'v', { dtype: 'f32', shape: [8], data: new Uint8Array(f.buffer) });
        const got = await store.getTensor(tenant, 'f', 'v');
        expect(Buffer.from(got!.data).equals(Buffer.from(f.buffer))).toBe(true);
      });
      test('deleteTensor() removes one tensor; getTensor() then returns undefined', async () => {
        await store.createSession(tenant, { id: 'dt' });
        await store.putTensor(tenant, 'dt', 'a', { dtype: 'u8', shape: [], data: new Uint8Array([7]) });
        expect(await store.deleteTensor(tenant, 'dt', 'a')).toBe(true);
        expect(await store.deleteTensor(tenant, 'dt', 'a')).toBe(false);
        expect(await store.getTensor(tenant, 'dt', 'a')).toBeUndefined();
      });
    });

    describe('iterate', () => {
      test('listSessions() pages newest first with a cursor and filters by user', async () => {
        for (let i = 0; i < 7; i++) {
          await store.createSession(tenant, { id: `l${i}`, user_id: i % 2 ? 'odd' : 'even' });
          clock.advance(10);
        }
        const ids: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.listSessions(tenant, { limit: 3, ...(cursor ? { cursor } : {}) });
          ids.push(...page.items.map((s) => s.id));
          cursor = page.cursor ?? undefined;
        } while (cursor);
        expect(ids).toEqual(['l6', 'l5', 'l4', 'l3', 'l2', 'l1', 'l0']);
        const odd = await store.listSessions(tenant, { user_id: 'odd' });
        expect(odd.items.map((s) => s.id)).toEqual(['l5', 'l3', 'l1']);
      });
      test('listSessions() follows a user change', async () => {
        await store.createSession(tenant, { id: 'mv', user_id: 'a' });
        await store.updateSession(tenant, 'mv', { user_id: 'b' });
        expect((await store.listSessions(tenant, { user_id: 'a' })).items).toEqual([]);
        expect((await store.listSessions(tenant, { user_id: 'b' })).items.map((s) => s.id)).toEqual(['mv']);
      });
    });

    describe('ttl', () => {
      test('an expired session is never returned, even before the sweep', async () => {
        await store.createSession(tenant, { id: 'e', ttl_seconds: 2 });
        await store.appendTurns(tenant, 'e', [text('user', 'x')]);
        clock.advance(1999);
        expect(await store.getSession(tenant, 'e')).toBeDefined();
        clock.advance(1);
        expect(await store.getSession(tenant, 'e')).toBeUndefined();
        expect(await store.getTurns(tenant, 'e')).toBeUndefined();
        expect(await store.getState(tenant, 'e')).toBeUndefined();
        expect((await store.listSessions(tenant)).items).toEqual([]);
        await rejects(store.appendTurns(tenant, 'e', [text('user', 'y')]), 'SIRA_ERR_SESSION_NOT_FOUND');
      });
      test('writes slide the expiry forward', async () => {
        await store.createSession(tenant, { id: 'sl', ttl_seconds: 10 });
        clock.advance(8000);
        await store.appendTurns(tenant, 'sl', [text('user', 'keep me')]);
        clock.advance(8000);
        expect(await store.getSession(tenant, 'sl')).toBeDefined();
      });
      test('sweepExpired() removes expired sessions and their data, and only those', async () => {
        await store.createSession(tenant, { id: 'x1', ttl_seconds: 1 });
        await store.createSession(tenant, { id: 'x2', ttl_seconds: 1 });
        await store.createSession(tenant, { id: 'keep', ttl_seconds: 100 });
        await store.createSession(tenant, { id: 'forever' });
        await store.appendTurns(tenant, 'x1', [text('user', 'gone')]);
        clock.advance(1500);
        expect(await store.sweepExpired()).toBeGreaterThanOrEqual(2);
        expect(await store.sweepExpired()).toBe(0);
        expect(await store.getSession(tenant, 'keep')).toBeDefined();
        expect(await store.getSession(tenant, 'forever')).toBeDefined();
        const again = await store.createSession(tenant, { id: 'x1' });
        expect(again.turn_count).toBe(0);
        expect(await store.getTurns(tenant, 'x1')).toEqual([]);
      });
      test('an expired id can be created again with none of the old data', async () => {
        await store.createSession(tenant, { id: 'again', ttl_seconds: 1 });
        await store.appendTurns(tenant, 'again', [text('user', 'old')]);
        await store.putState(tenant, 'again', { old: true });
        clock.advance(2000);
        await store.createSession(tenant, { id: 'again' });
        expect(await store.getTurns(tenant, 'again')).toEqual([]);
        expect((await store.getState(tenant, 'again'))?.version).toBe(0);
      });
      test('updateSession() can clear a TTL', async () => {
        await store.createSession(tenant, { id: 'cl', ttl_seconds: 1 });
        await store.updateSession(tenant, 'cl', { ttl_seconds: null });
        clock.advance(10_000);
        expect((await store.getSession(tenant, 'cl'))?.expires_at).toBeNull();
        expect(await store.sweepExpired()).toBe(0);
      });
    });

    describe('keys and lifecycle', () => {
      test('API keys are stored by hash and listed per tenant', async () => {
        const rec = { id: `key_${tenant}`, tenant, name: 'ci', hash: randomBytes(32).toString('hex'), created_at: clock() };
        await store.putApiKey(rec);
        expect(await store.getApiKeyByHash(rec.hash)).toEqual(rec);
        expect((await store.listApiKeys(tenant)).map((r) => r.id)).toEqual([rec.id]);
        expect(await store.deleteApiKey(rec.id)).toBe(true);
        expect(await store.getApiKeyByHash(rec.hash)).toBeUndefined();
      });
      test('data survives reopening the store', async () => {
        if (h.reopen === undefined) return;
        await store.createSession(tenant, { id: 'p' });
        await store.appendTurns(tenant, 'p', [text('user', 'persist')]);
        await store.putTensor(tenant, 'p', 'x', { dtype: 'i32', shape: [1], data: new Uint8Array([1, 0, 0, 0]) });
        store = await h.reopen();
        expect((await store.getTurns(tenant, 'p'))?.[0]?.parts).toEqual([{ type: 'text', text: 'persist' }]);
        expect((await store.getTensor(tenant, 'p', 'x'))?.shape).toEqual([1]);
      });
      test('stats() counts sessions and turns', async () => {
        await store.createSession(tenant, { id: 'st1' });
        await store.appendTurns(tenant, 'st1', [text('user', 'hello there, this is a test of the statistics')]);
        const st = await store.stats();
        expect(st.sessions).toBeGreaterThanOrEqual(1);
        expect(st.turns).toBeGreaterThanOrEqual(1);
        expect(await store.ready()).toBe(true);
      });
    });

    describe('docs', () => {
      const bytes = (s: string) => new TextEncoder().encode(s);
      const str = (u: Uint8Array | undefined) => (u === undefined ? undefined : new TextDecoder().decode(u));
      test('a document is versioned, read back, and deleted', async () => {
        const a = await store.putDoc(tenant, 'profiles', 'u1', bytes('one'));
        expect(a.version).toBe(1);
        expect(a.updated_at).toBe(clock());
        clock.advance(5);
        const b = await store.putDoc(tenant, 'profiles', 'u1', bytes('two'), 1);
        expect(b.version).toBe(2);
        const got = await store.getDoc(tenant, 'profiles', 'u1');
        expect({ ...got, value: str(got?.value) }).toEqual({ id: 'u1', version: 2, updated_at: clock(), value: 'two' });
        await rejects(store.putDoc(tenant, 'profiles', 'u1', bytes('x'), 1), 'SIRA_ERR_DOC_VERSION_CONFLICT');
        await rejects(store.putDoc(tenant, 'profiles', 'u1', bytes('x'), 0), 'SIRA_ERR_DOC_VERSION_CONFLICT');
        expect(str((await store.getDoc(tenant, 'profiles', 'u1'))?.value)).toBe('two');
        expect((await store.putDoc(tenant, 'profiles', 'new', bytes('n'), 0)).version).toBe(1);
        expect(await store.deleteDoc(tenant, 'profiles', 'u1')).toBe(true);
        expect(await store.deleteDoc(tenant, 'profiles', 'u1')).toBe(false);
        expect(await store.getDoc(tenant, 'profiles', 'u1')).toBeUndefined();
      });
      test('documents are scoped by tenant and collection, and keep binary values exactly', async () => {
        const raw = new Uint8Array(300).map((_, i) => (i * 37) % 256);
        await store.putDoc(tenant, 'a', 'x', raw);
        expect(await store.getDoc(`${tenant}z`, 'a', 'x')).toBeUndefined();
        expect(await store.getDoc(tenant, 'b', 'x')).toBeUndefined();
        expect(Array.from((await store.getDoc(tenant, 'a', 'x'))!.value)).toEqual(Array.from(raw));
        expect((await store.listDocs(`${tenant}z`, 'a')).items).toEqual([]);
        await rejects(store.putDoc(tenant, 'Bad Name', 'x', raw), 'SIRA_ERR_REQUEST_INVALID');
        await rejects(store.putDoc(tenant, 'a', '', raw), 'SIRA_ERR_REQUEST_INVALID');
      });
      test('listDocs pages in byte order with a prefix, and deleteDocs removes by prefix', async () => {
        const ids = ['u2/b', 'u1/c', 'u1/a', 'u10/a', 'v', 'u1/é', 'u1/b'];
        for (const id of ids) await store.putDoc(tenant, 'c', id, bytes(id));
        const all: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.listDocs(tenant, 'c', { limit: 2, ...(cursor === undefined ? {} : { cursor }) });
          expect(page.items.length).toBeLessThanOrEqual(2);
          all.push(...page.items.map((d) => d.id));
          cursor = page.cursor ?? undefined;
        } while (cursor !== undefined);
        expect(all).toEqual([...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
        const u1 = await store.listDocs(tenant, 'c', { prefix: 'u1/' });
        expect(u1.items.map((d) => d.id)).toEqual(['u1/a', 'u1/b', 'u1/c', 'u1/é']);
        expect(u1.cursor).toBeNull();
        const p1 = await store.listDocs(tenant, 'c', { prefix: 'u1/', limit: 3 });
        expect(p1.items.map((d) => d.id)).toEqual(['u1/a', 'u1/b', 'u1/c']);
        const p2 = await store.listDocs(tenant, 'c', { prefix: 'u1/', limit: 3, cursor: p1.cursor! });
        expect(p2.items.map((d) => d.id)).toEqual(['u1/é']);
        expect(p2.cursor).toBeNull();
        expect(await store.deleteDocs(tenant, 'c', 'u1/')).toBe(4);
        expect((await store.listDocs(tenant, 'c')).items.map((d) => d.id)).toEqual(['u10/a', 'u2/b', 'v']);
        expect(await store.deleteDocs(tenant, 'c')).toBe(3);
        expect((await store.listDocs(tenant, 'c')).items).toEqual([]);
        await rejects(store.listDocs(tenant, 'c', { cursor: 'not a cursor' }), 'SIRA_ERR_CURSOR_INVALID');
      });
      test('concurrent versioned puts: exactly one wins per version', async () => {
        await store.putDoc(tenant, 'cas', 'k', bytes('0'));
        const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.putDoc(tenant, 'cas', 'k', bytes(String(i)), 1)));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect((await store.getDoc(tenant, 'cas', 'k'))?.version).toBe(2);
      });
      test('documents survive reopening', async () => {
        if (h.reopen === undefined) return;
        await store.putDoc(tenant, 'p', 'd', bytes('kept'));
        store = await h.reopen();
        expect(str((await store.getDoc(tenant, 'p', 'd'))?.value)).toBe('kept');
      });
    });

    describe('events', () => {
      const all = async (st: Store, id: string, after = 0) => (await st.readEvents(tenant, id, after, 1000))!;

      test("a tensor whose name starts with '_' (the service's own, e.g. embeddings) writes no event", async () => {
        await store.createSession(tenant, { id: 'ev_internal' });
        const before = (await all(store, 'ev_internal')).events.length;
        await store.putTensor(tenant, 'ev_internal', '_emb/m/0', { dtype: 'u8', shape: [1], data: new Uint8Array([1]) });
        expect((await all(store, 'ev_internal')).events.length).toBe(before);
        await store.putTensor(tenant, 'ev_internal', 'visible', { dtype: 'u8', shape: [1], data: new Uint8Array([1]) });
        expect((await all(store, 'ev_internal')).events.length).toBe(before + 1);
      });

      test('readEvents() returns one event per change, ids dense from 1, in order', async () => {
        await store.createSession(tenant, { id: 'e' });
        await store.appendTurns(tenant, 'e', [text('user', 'a'), text('assistant', 'b')]);
        await store.putState(tenant, 'e', { x: 1 });
        await store.patchState(tenant, 'e', { y: 2 });
        await store.putTensor(tenant, 'e', 'emb', { dtype: 'i32', shape: [1], data: new Uint8Array(4) });
        expect(await store.deleteTensor(tenant, 'e', 'emb')).toBe(true);
        expect(await store.deleteTensor(tenant, 'e', 'emb')).toBe(false); // nothing changed: no event
        await store.updateSession(tenant, 'e', { metadata: { m: 1 } });
        await store.appendTurns(tenant, 'e', [text('user', 'c')]);
        const page = await all(store, 'e');
        expect(page.last_id).toBe(8);
        expect(page.events.map((e) => [e.id, e.type, e.data])).toEqual([
          [1, 'session.created', {}],
          [2, 'turns.appended', { first_seq: 1, count: 2 }],
          [3, 'state.changed', { version: 1 }],
          [4, 'state.changed', { version: 2 }],
          [5, 'tensor.written', { name: 'emb' }],
          [6, 'tensor.deleted', { name: 'emb' }],
          [7, 'session.updated', {}],
          [8, 'turns.appended', { first_seq: 3, count: 1 }],
        ]);
        expect(page.events.every((e) => e.session_id === 'e' && e.at === clock())).toBe(true);
      });
      test('readEvents(afterId, limit) resumes after an id and pages', async () => {
        await store.createSession(tenant, { id: 'e' });
        for (let i = 0; i < 5; i++) await store.appendTurns(tenant, 'e', [text('user', `t${i}`)]);
        const p1 = (await store.readEvents(tenant, 'e', 2, 2))!;
        expect(p1.events.map((e) => e.id)).toEqual([3, 4]);
        expect(p1.last_id).toBe(6);
        expect((await store.readEvents(tenant, 'e', 4, 10))!.events.map((e) => e.id)).toEqual([5, 6]);
        expect((await store.readEvents(tenant, 'e', 6, 10))!.events).toEqual([]);
      });
      test('a refused write (CAS conflict, missing session, tensor limit) appends no event', async () => {
        await store.createSession(tenant, { id: 'e' });
        await store.putState(tenant, 'e', { a: 1 });
        await rejects(store.putState(tenant, 'e', { a: 2 }, 0), 'SIRA_ERR_STATE_VERSION_CONFLICT');
        await rejects(store.patchState(tenant, 'e', { a: 2 }, 5), 'SIRA_ERR_STATE_VERSION_CONFLICT');
        await rejects(store.appendTurns(tenant, 'missing', [text('user', 'x')]), 'SIRA_ERR_SESSION_NOT_FOUND');
        await store.putState(tenant, 'e', { a: 3 }, 1);
        const page = await all(store, 'e');
        expect(page.events.map((e) => [e.id, e.type, e.data])).toEqual([
          [1, 'session.created', {}],
          [2, 'state.changed', { version: 1 }],
          [3, 'state.changed', { version: 2 }],
        ]);
      });
      test('concurrent writes get distinct, gapless event ids in commit order', async () => {
        await store.createSession(tenant, { id: 'e' });
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendTurns(tenant, 'e', [text('user', `c${i}`)])));
        const page = await all(store, 'e');
        expect(page.events.map((e) => e.id)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
        // Event order is commit order: the turn ranges they name ascend with the ids.
        expect(page.events.slice(1).map((e) => e.data.first_seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      });
      test('readEvents() returns undefined for a missing, deleted, expired or other tenant\'s session', async () => {
        expect(await store.readEvents(tenant, 'nope', 0, 10)).toBeUndefined();
        await store.createSession(tenant, { id: 'd' });
        await store.appendTurns(tenant, 'd', [text('user', 'x')]);
        expect(await store.readEvents(`${tenant}x`, 'd', 0, 10)).toBeUndefined();
        expect(await store.deleteSession(tenant, 'd')).toBe(true);
        expect(await store.readEvents(tenant, 'd', 0, 10)).toBeUndefined();
        await store.createSession(tenant, { id: 'x', ttl_seconds: 10 });
        clock.advance(10_000);
        expect(await store.readEvents(tenant, 'x', 0, 10)).toBeUndefined();
      });
      test('the log is deleted with the session: a new session of the same id starts again at 1', async () => {
        await store.createSession(tenant, { id: 'd' });
        await store.appendTurns(tenant, 'd', [text('user', 'x')]);
        await store.deleteSession(tenant, 'd');
        await store.createSession(tenant, { id: 'd' });
        expect((await all(store, 'd')).events.map((e) => [e.id, e.type])).toEqual([[1, 'session.created']]);
        await store.createSession(tenant, { id: 'x', ttl_seconds: 10 });
        await store.appendTurns(tenant, 'x', [text('user', 'x')]);
        clock.advance(10_000);
        expect(await store.sweepExpired()).toBeGreaterThanOrEqual(1);
        await store.createSession(tenant, { id: 'x' });
        expect((await all(store, 'x')).last_id).toBe(1);
      });
      test('the log keeps the last eventRetention events; resuming before them throws SIRA_ERR_EVENTS_GAP', async () => {
        const small = await opts.create(clock, { eventRetention: 3 });
        try {
          const st = small.store;
          await st.createSession(tenant, { id: 'g' });
          for (let i = 0; i < 5; i++) await st.appendTurns(tenant, 'g', [text('user', `t${i}`)]);
          const page = await all(st, 'g', 3); // ids 4..6 retained
          expect(page.events.map((e) => e.id)).toEqual([4, 5, 6]);
          expect(page.last_id).toBe(6);
          try {
            await st.readEvents(tenant, 'g', 2, 10);
            throw new Error('expected a gap');
          } catch (e) {
            expect(isSiraError(e, 'SIRA_ERR_EVENTS_GAP')).toBe(true);
            expect(isSiraError(e) ? e.details : undefined).toEqual({ first_retained_id: 4 });
          }
          await rejects(st.readEvents(tenant, 'g', 0, 10), 'SIRA_ERR_EVENTS_GAP');
          expect((await st.readEvents(tenant, 'g', 6, 10))!.events).toEqual([]);
        } finally {
          await small.cleanup();
        }
      });
      test('event logs are per tenant and per session', async () => {
        await store.createSession(tenant, { id: 'a' });
        await store.createSession(`${tenant}b`, { id: 'a' });
        await store.createSession(tenant, { id: 'b' });
        await store.appendTurns(tenant, 'a', [text('user', 'x')]);
        expect((await all(store, 'a')).last_id).toBe(2);
        expect((await store.readEvents(`${tenant}b`, 'a', 0, 10))!.events.map((e) => e.type)).toEqual(['session.created']);
        expect((await all(store, 'b')).last_id).toBe(1);
      });
    });
  });
}
