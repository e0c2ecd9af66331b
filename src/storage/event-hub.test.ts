import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../core/types.ts';
import { EventHub, type EventSubscriber, type WakeFn } from './event-hub.ts';
import { LmdbStore } from './lmdb/lmdb-store.ts';

const turn = (t: string) => [{ role: 'user' as const, parts: [{ type: 'text' as const, text: t }] }];

/** A subscriber that records what it gets; `accept` decides whether it keeps up (false = backpressure). */
function recorder(accept: () => boolean = () => true) {
  const got: SessionEvent[] = [];
  const waiters: (() => void)[] = [];
  const sub: EventSubscriber & { got: SessionEvent[]; until(n: number): Promise<void> } = {
    got,
    onEvents(events) {
      got.push(...events);
      for (const w of waiters.splice(0)) w();
      return accept();
    },
    onEnd(event) {
      got.push(event);
      for (const w of waiters.splice(0)) w();
    },
    onError() {},
    until: (n) =>
      new Promise<void>((r) => {
        const check = () => (got.length >= n ? r() : waiters.push(check));
        check();
      }),
  };
  return sub;
}

describe('EventHub', () => {
  let dir: string;
  let store: LmdbStore;
  const hubs: EventHub[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sira-hub-'));
    store = await LmdbStore.open({ path: dir });
    await store.createSession('t', { id: 's' });
  });
  afterEach(async () => {
    for (const h of hubs.splice(0)) h.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const hub = (pollIntervalMs = 0) => {
    const h = new EventHub(store, { pollIntervalMs });
    hubs.push(h);
    return h;
  };

  it('subscribe(afterId) delivers the log after the id, then live events on notify()', async () => {
    const h = hub();
    await store.appendTurns('t', 's', turn('a'));
    const r = recorder();
    h.subscribe('t', 's', 0, r);
    await r.until(2);
    await store.appendTurns('t', 's', turn('b'));
    h.notify('t', 's');
    await r.until(3);
    expect(r.got.map((e) => e.id)).toEqual([1, 2, 3]);
  });

  it('a paused subscriber gets what it missed from the log on resume(), with no gap and no duplicate', async () => {
    const h = hub();
    let keepUp = false;
    const slow = recorder(() => keepUp);
    const fast = recorder();
    const sub = h.subscribe('t', 's', 1, slow);
    h.subscribe('t', 's', 1, fast);
    await store.appendTurns('t', 's', turn('a'));
    h.notify('t', 's');
    await slow.until(1); // paused after this batch
    for (const x of ['b', 'c', 'd']) {
      await store.appendTurns('t', 's', turn(x));
      h.notify('t', 's');
    }
    await fast.until(4);
    expect(slow.got.map((e) => e.id)).toEqual([2]);
    keepUp = true;
    sub.resume();
    await slow.until(4);
    expect(slow.got.map((e) => e.id)).toEqual([2, 3, 4, 5]);
    expect(fast.got.map((e) => e.id)).toEqual([2, 3, 4, 5]);
  });

  it('polling picks up writes made through another instance (no notify here)', async () => {
    const h = hub(5);
    const r = recorder();
    h.subscribe('t', 's', 1, r);
    await store.appendTurns('t', 's', turn('elsewhere'));
    await r.until(1);
    expect(r.got[0]).toMatchObject({ id: 2, type: 'turns.appended' });
  });

  it('a session that disappears ends its subscriptions with session.deleted', async () => {
    const h = hub(5);
    const r = recorder();
    h.subscribe('t', 's', 1, r);
    await store.deleteSession('t', 's');
    await r.until(1);
    expect(r.got[0]).toMatchObject({ id: 2, type: 'session.deleted', data: { reason: 'missing' } });
    expect(h.subscriberCount).toBe(0);
  });

  /** A wake-up source the test drives (what Redis pub/sub does in production). */
  const source = () => {
    const src = { wake: undefined as WakeFn | undefined, start: (w: WakeFn) => void (src.wake = w), close: async () => {} };
    return src;
  };
  const lastEvent = async () => (await store.readEvents('t', 's', 0, 1000))!.events.at(-1)!;

  it('a wake-up carrying the next event delivers it; a later read of the log does not deliver it again', async () => {
    const h = hub();
    const src = source();
    h.attachWakeSource(src, 0);
    const r = recorder();
    h.subscribe('t', 's', 1, r);
    await store.appendTurns('t', 's', turn('a'));
    h.notify('t', 's');
    await r.until(1); // delivered by a read; the read loop has ended when this resumes
    await store.appendTurns('t', 's', turn('b'));
    src.wake!('t', 's', await lastEvent());
    expect(r.got.map((e) => e.id)).toEqual([2, 3]); // synchronously: no read on this path
    h.notify('t', 's');
    await store.appendTurns('t', 's', turn('c'));
    h.notify('t', 's');
    await r.until(3);
    expect(r.got.map((e) => e.id)).toEqual([2, 3, 4]);
  });

  it('a wake-up for a subscriber further behind reads the log from its cursor, and wake() re-reads every session', async () => {
    const h = hub();
    const src = source();
    h.attachWakeSource(src, 0);
    const r = recorder();
    h.subscribe('t', 's', 1, r);
    await store.appendTurns('t', 's', turn('a'));
    await store.appendTurns('t', 's', turn('b'));
    src.wake!('t', 's', await lastEvent()); // event 3; the subscriber is at 1
    await r.until(2);
    expect(r.got.map((e) => e.id)).toEqual([2, 3]);
    await store.appendTurns('t', 's', turn('c'));
    src.wake!(); // e.g. after the source reconnected
    await r.until(3);
    expect(r.got.map((e) => e.id)).toEqual([2, 3, 4]);
  });

  it('a source that relays writes: notify() and ended() on one hub wake the other, a wake-up is not published again', async () => {
    // Two hubs on one store, joined as serve --workers joins processes (the primary forwards each publish).
    const published: string[] = [];
    const relay = (from: () => WakeFn | undefined) => ({
      relaysWrites: true,
      start: () => {},
      close: async () => {},
      publish: (t: string, s: string) => {
        published.push(`${t}/${s}`);
        from()?.(t, s);
      },
    });
    let wakeA: WakeFn | undefined;
    let wakeB: WakeFn | undefined;
    const a = hub();
    const b = hub();
    a.attachWakeSource({ ...relay(() => wakeB), start: (w: WakeFn) => void (wakeA = w) }, 0);
    b.attachWakeSource({ ...relay(() => wakeA), start: (w: WakeFn) => void (wakeB = w) }, 0);
    const r = recorder();
    b.subscribe('t', 's', 1, r);
    await store.appendTurns('t', 's', turn('a'));
    a.notify('t', 's');
    await r.until(1);
    expect(r.got.map((e) => e.id)).toEqual([2]);
    expect(published).toEqual(['t/s']); // b's wake-up did not bounce back
    await store.deleteSession('t', 's');
    a.ended('t', 's');
    await r.until(2);
    expect(r.got[1]).toMatchObject({ type: 'session.deleted', data: { reason: 'missing' } });
    expect(published).toEqual(['t/s', 't/s']);
  });

  it('a log read that never settles is abandoned after readTimeoutMs; the next wake-up reads again and delivers', async () => {
    // The real store, except that its first readEvents never answers (a client stuck in a failover).
    let hang = true;
    const stuck = Object.create(store) as LmdbStore;
    stuck.readEvents = (...args: Parameters<LmdbStore['readEvents']>) => {
      if (hang) {
        hang = false;
        return new Promise(() => {});
      }
      return store.readEvents(...args);
    };
    const h = new EventHub(stuck, { pollIntervalMs: 0, readTimeoutMs: 20 });
    hubs.push(h);
    const r = recorder();
    h.subscribe('t', 's', 1, r); // its first read hangs
    await store.appendTurns('t', 's', turn('a'));
    // Wake until delivered: wake-ups during the hung read only mark the loop to go again, which never happens
    // without the timeout.
    for (let i = 0; i < 500 && r.got.length === 0; i++) {
      h.notify('t', 's');
      await new Promise((res) => setTimeout(res, 5));
    }
    expect(r.got.map((e) => e.id)).toEqual([2]);
  });
});
