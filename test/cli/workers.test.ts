/**
 * `sira-session serve --workers 2` as users run it (real processes on loopback, one LMDB data directory): requests
 * are spread over both workers; a write through one is read at once through the other; an SSE subscriber on one
 * worker receives every event written through the other, in order with no gap, and resumes by Last-Event-ID; the
 * consistency harness (test/helpers/consistency.ts) finds nothing lost, missed or duplicated; and a worker
 * SIGKILLed under write load loses no acknowledged write while the other keeps serving and the dead one is
 * restarted. One cluster serves the whole file (a start costs seconds on the shared machine).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Turn } from '../../src/core/types.ts';
import { checkBatches, type Ack } from '../crash/check.ts';
import { casCounterWriter, runConsistency, turnWriter } from '../helpers/consistency.ts';
import { callFresh, pinnedClient, startWorkers, streamOn, type PinnedClient, type WorkerCluster } from '../helpers/workers.ts';

let cluster: WorkerCluster;
let one: PinnedClient;
let two: PinnedClient;

beforeAll(async () => {
  cluster = await startWorkers(2);
  one = await pinnedClient(cluster, 1);
  two = await pinnedClient(cluster, 2);
}, 120_000);
afterAll(async () => {
  one?.close();
  two?.close();
  expect(await cluster?.stop()).toBe(0); // SIGTERM drains both workers and the primary exits cleanly
}, 60_000);

const say = (text: string) => ({ turns: [{ role: 'user', content: text }] });

describe('serve --workers 2', () => {
  it('new connections are spread over both workers (x-sira-worker)', () => {
    expect(one.worker).toBe(1);
    expect(two.worker).toBe(2);
    expect(cluster.pids.size).toBe(2);
    expect(cluster.pids.get(1)).not.toBe(cluster.pids.get(2));
  });

  it('a write through one worker is read at once through the other; interleaved appends keep seqs and event ids dense', async () => {
    expect((await one.call('POST', '/v1/sessions', { id: 'raw' })).status).toBe(201);
    for (let i = 0; i < 20; i++) {
      const [writer, reader] = i % 2 === 0 ? [one, two] : [two, one];
      const w = await writer.call('POST', '/v1/sessions/raw/turns', say(`t${i}`));
      expect(w.status).toBe(201);
      expect(w.body.turns[0].seq).toBe(i + 1);
      const r = await reader.call('GET', '/v1/sessions/raw/turns?last=1');
      expect(r.worker).toBe(reader.worker);
      expect(r.body.turns.map((t: Turn & { content: string }) => t.content)).toEqual([`t${i}`]);
    }
    const events = await two.call('GET', '/v1/sessions/raw/events?after=0&limit=100');
    // session.created, then one turns.appended per append: no id taken twice by the two processes.
    expect(events.body.events.map((e: { id: number }) => e.id)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(events.body.events.filter((e: { type: string }) => e.type === 'turns.appended')).toHaveLength(20);
  });

  it('an SSE subscriber on worker 2 gets every event written through worker 1, and resumes by Last-Event-ID', async () => {
    expect((await one.call('POST', '/v1/sessions', { id: 'live' })).status).toBe(201);
    const stream = await streamOn(cluster, 2, '/v1/sessions/live/events?after=0');
    expect(stream.status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await one.call('POST', '/v1/sessions/live/turns', say(`a${i}`))).status).toBe(201);
    await stream.until((s) => s.frames.length >= 11);
    const ids = stream.frames.map((f) => Number(f.id));
    expect(ids).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    stream.close();
    // Written while nobody listens, through either worker; the resumed stream (on worker 1) starts right after.
    for (let i = 0; i < 6; i++) expect((await (i % 2 === 0 ? one : two).call('POST', '/v1/sessions/live/turns', say(`b${i}`))).status).toBe(201);
    const resumed = await streamOn(cluster, 1, '/v1/sessions/live/events', { 'last-event-id': String(ids.at(-1)) });
    for (let i = 0; i < 3; i++) expect((await two.call('POST', '/v1/sessions/live/turns', say(`c${i}`))).status).toBe(201);
    await resumed.until((s) => s.frames.length >= 9);
    expect(resumed.frames.map((f) => Number(f.id))).toEqual(Array.from({ length: 9 }, (_, i) => 12 + i));
    resumed.close();
  });

  it('the consistency harness through both workers: 0 lost, every subscriber converged, 0 missed, 0 duplicated', { timeout: 120_000 }, async () => {
    const instance = { url: cluster.url, key: cluster.key };
    const r = await runConsistency({
      // One address: the primary hands each new connection to the next worker, so writes, subscribers and
      // resumed subscribers land on both.
      instances: [instance, instance],
      sessions: 4,
      agents: 6,
      writesPerAgent: 20,
      kinds: [turnWriter(), casCounterWriter()],
      reconnectEveryMs: 15,
      seed: 11,
      prefix: `k${randomBytes(3).toString('hex')}-`,
    });
    expect(r.acknowledged.turns! + r.acknowledged.cas!).toBe(6 * 20);
    expect(r.reconnects).toBeGreaterThan(0);
    expect(r.lost).toEqual({ turns: 0, cas: 0 });
    expect(r.missed).toBe(0);
    expect(r.duplicated).toBe(0);
    expect(r.converged).toBe(r.subscribers);
  });

  it('SIGKILL of worker 2 under write load: 0 acknowledged writes lost, worker 1 keeps serving, worker 2 is restarted', { timeout: 120_000 }, async () => {
    const sessions = ['k0', 'k1', 'k2'];
    for (const id of sessions) expect((await one.call('POST', '/v1/sessions', { id })).status).toBe(201);
    const acks: Ack[] = [];
    const servedBy = { before: new Set<number>(), after: new Set<number>() };
    let killed = false;
    let stop = false;
    let batch = 0;
    const writer = async (w: number) => {
      while (!stop) {
        const b = `${w}-${batch++}`;
        const n = 1 + (batch % 4);
        const session = sessions[batch % sessions.length]!;
        const turns = Array.from({ length: n }, (_, i) => ({ role: 'user', content: `b${b}:${i}/${n} load` }));
        const phase = killed ? 'after' : 'before';
        try {
          const r = await callFresh(cluster, 'POST', `/v1/sessions/${session}/turns`, { turns });
          if (r.status !== 201) throw new Error(`append answered ${r.status}`);
          acks.push({ session, first: r.body.turns[0].seq, n, batch: b });
          servedBy[phase].add(r.worker);
        } catch (e) {
          if (!killed) throw e; // only requests in flight on the killed worker may fail: never acknowledged
        }
      }
    };
    const writers = Array.from({ length: 4 }, (_, w) => writer(w));
    while (acks.length < 60) await one.call('GET', '/healthz'); // let the load run until some writes went through both
    const victim = cluster.pids.get(2)!;
    killed = true;
    process.kill(victim, 'SIGKILL');
    const acksAtKill = acks.length;
    const restarted = await cluster.readyAgain(2, victim);
    while (acks.length < acksAtKill + 60 || !servedBy.after.has(2)) await one.call('GET', '/healthz');
    stop = true;
    await Promise.all(writers);
    expect(restarted).not.toBe(victim);
    expect(servedBy.before).toEqual(new Set([1, 2]));
    expect(servedBy.after.has(1)).toBe(true); // worker 1 kept serving while 2 was down
    expect(servedBy.after.has(2)).toBe(true); // the restarted worker 2 serves again
    const bySession = new Map<string, Turn[]>();
    for (const id of sessions) {
      // Paged: a long run under load writes more than one page (1,000 turns) per session.
      const all: Turn[] = [];
      for (let after = 0; ; ) {
        const r = await callFresh(cluster, 'GET', `/v1/sessions/${id}/turns?after_seq=${after}&limit=1000`);
        const page = r.body.turns as { seq: number; role: Turn['role']; content: string }[];
        all.push(...page.map((t) => ({ seq: t.seq, role: t.role, parts: [{ type: 'text' as const, text: t.content }], name: null, agent_id: null, metadata: null, created_at: 0, importance: null, pinned: false })));
        if (page.length < 1000) break;
        after = page.at(-1)!.seq;
      }
      bySession.set(id, all);
    }
    checkBatches(bySession, acks);
  });
});
