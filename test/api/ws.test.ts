/**
 * `/v1/ws` over real HTTP with the `ws` client: auth (header, ?token=, first message), resume after disconnect
 * (nothing missed, nothing duplicated), two clients converging on one Yjs doc through the socket, a slow consumer
 * closed with 4008 and resuming without loss, heartbeats dropping a peer that never answers pings, bad messages.
 * Waits are on messages (never on time).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { testApp, type TestApp } from '../helpers/app.ts';

type Msg = Record<string, unknown> & { type: string };

/** A client that records every message and lets a test wait for a condition on them. */
class Client {
  readonly ws: WebSocket;
  readonly msgs: Msg[] = [];
  closed: { code: number; reason: string } | undefined;
  #waiters: (() => void)[] = [];

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (d) => {
      this.msgs.push(JSON.parse(d.toString()) as Msg);
      this.#wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake();
    });
    ws.on('error', () => {});
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  async until(pred: (c: Client) => boolean, what = 'condition'): Promise<void> {
    while (!pred(this)) {
      if (this.closed !== undefined && !pred(this)) throw new Error(`closed (${this.closed.code}) before ${what}; last messages: ${this.msgs.slice(-3).map((m) => `${m.type}/${String(m.code ?? '')}`).join(', ')}`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  send(m: object): void {
    this.ws.send(JSON.stringify(m));
  }

  events(channel?: string): Msg[] {
    return this.msgs.filter((m) => m.type === 'event' && (channel === undefined || m.channel === channel)).map((m) => m.event as Msg);
  }

  close(): void {
    this.ws.close();
  }
}

let t: TestApp;
let base = '';
const clients: Client[] = [];

async function connect(opts: { headers?: Record<string, string>; query?: string; autoPong?: boolean } = {}): Promise<Client> {
  const ws = new WebSocket(`${base}/v1/ws${opts.query ?? ''}`, { headers: opts.headers ?? t.auth, autoPong: opts.autoPong ?? true });
  const c = new Client(ws);
  clients.push(c);
  await c.until((x) => x.msgs.some((m) => m.type === 'hello'), 'hello');
  return c;
}

async function setup(input: Parameters<typeof testApp>[0] = {}): Promise<void> {
  t = await testApp({ eventPollIntervalMs: 20, ...input });
  const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = url.replace(/^http/, 'ws');
}

beforeEach(() => {
  clients.length = 0;
});
afterEach(async () => {
  for (const c of clients) c.ws.terminate();
  await t.close();
});

const append = (id: string, text: string) =>
  t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: { turns: [{ role: 'user', content: text }] } });

describe('/v1/ws', () => {
  it('authenticates by header, ?token= or a first auth message, and refuses a bad key', async () => {
    await setup();
    const h = await connect();
    expect(h.msgs[0]).toMatchObject({ type: 'hello', authenticated: true });
    const q = await connect({ headers: {}, query: `?token=${t.key}` });
    expect(q.msgs[0]).toMatchObject({ authenticated: true });
    const m = await connect({ headers: {} });
    expect(m.msgs[0]).toMatchObject({ authenticated: false });
    m.send({ op: 'auth', token: t.key, req: 'a' });
    await m.until((c) => c.msgs.some((x) => x.type === 'authenticated'));
    const bad = await connect({ headers: {} });
    bad.send({ op: 'subscribe', session_id: 'x' });
    await bad.until((c) => c.closed !== undefined);
    expect(bad.closed!.code).toBe(4401);
    expect(bad.msgs.at(-1)).toMatchObject({ type: 'error', code: 'SIRA_ERR_WS_AUTH_TIMEOUT' });
    const refused = new WebSocket(`${base}/v1/ws?token=nope`);
    const status = await new Promise<number>((r) => refused.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it('resume after a disconnect misses nothing and duplicates nothing; a trimmed id is a 410 error', async () => {
    await setup({ eventRetention: 30 });
    await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 's' } });
    const c1 = await connect();
    c1.send({ op: 'subscribe', session_id: 's', after: 0, req: 1 });
    await c1.until((c) => c.msgs.some((m) => m.type === 'subscribed'));
    for (let i = 0; i < 5; i++) await append('s', `a${i}`);
    await c1.until((c) => c.events().length >= 6, '6 events');
    const lastSeen = Number(c1.events().at(-1)!.id);
    c1.ws.terminate();
    for (let i = 0; i < 5; i++) await append('s', `b${i}`); // while disconnected
    const c2 = await connect();
    c2.send({ op: 'subscribe', session_id: 's', after: lastSeen });
    await append('s', 'c0'); // live, after the resume
    await c2.until((c) => c.events().length >= 6, '6 more events');
    const ids = [...c1.events(), ...c2.events()].map((e) => Number(e.id));
    expect(ids).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(c2.events()[0]).toMatchObject({ type: 'turns.appended', session_id: 's' });

    for (let i = 0; i < 40; i++) await append('s', `d${i}`); // trims the log past id 1
    const c3 = await connect();
    c3.send({ op: 'subscribe', session_id: 's', after: 1, req: 'r' });
    await c3.until((c) => c.msgs.some((m) => m.type === 'error'));
    expect(c3.msgs.find((m) => m.type === 'error')).toMatchObject({ code: 'SIRA_ERR_EVENTS_GAP', status: 410, channel: 'session:s', req: 'r' });
  });

  it('two clients editing one Yjs doc through the socket converge', async () => {
    await setup();
    await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth, payload: { id: 'w' } });
    const docs = [new Y.Doc(), new Y.Doc()];
    const cs = [await connect(), await connect()];
    const sent: [number, number] = [0, 0];
    for (const [i, c] of cs.entries()) {
      c.send({ op: 'subscribe', workspace_id: 'w' });
      await c.until((x) => x.msgs.some((m) => m.type === 'subscribed'));
      // Apply the other side's updates as they arrive, inlined in crdt.updated events.
      c.ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as Msg;
        const e = m.event as Msg | undefined;
        if (m.type === 'event' && e?.type === 'crdt.updated') Y.applyUpdate(docs[i]!, Buffer.from(String((e.data as Msg).update), 'base64'), 'remote');
      });
      docs[i]!.on('update', (u: Uint8Array, origin: unknown) => {
        if (origin !== 'remote') sent[i]! += 1;
        if (origin !== 'remote') c.send({ op: 'crdt.update', workspace_id: 'w', doc: 'pad', update: Buffer.from(u).toString('base64'), req: 'u' });
      });
    }
    for (let k = 0; k < 20; k++) {
      const d = docs[k % 2]!;
      const text = d.getText('t');
      text.insert(k % 3 === 0 ? 0 : text.length, `${k % 2 === 0 ? 'A' : 'B'}${k}`);
      if (k % 5 === 4) d.getMap('m').set(`k${k}`, k);
    }
    const acks = (c: Client) => c.msgs.filter((m) => m.type === 'ack').length;
    await cs[0]!.until((c) => acks(c) === sent[0], 'acks');
    await cs[1]!.until((c) => acks(c) === sent[1], 'acks');
    // Each has seen every crdt.updated event (its own included).
    for (const c of cs) await c.until((x) => x.events().filter((e) => e.type === 'crdt.updated').length === sent[0] + sent[1], 'all crdt events');
    const server = new Y.Doc();
    Y.applyUpdate(server, (await t.app.inject({ url: '/v1/workspaces/w/crdt/pad', headers: t.auth })).rawPayload);
    for (const d of docs) {
      expect(d.getText('t').toString()).toBe(server.getText('t').toString());
      expect(d.getMap('m').toJSON()).toEqual(server.getMap('m').toJSON());
    }
    expect(server.getText('t').toString().length).toBeGreaterThan(40);
    // Garbage over the socket: an error message, the connection stays, nothing stored.
    cs[0]!.send({ op: 'crdt.update', workspace_id: 'w', doc: 'pad', update: Buffer.from('junk!').toString('base64'), req: 'bad' });
    await cs[0]!.until((c) => c.msgs.some((m) => m.type === 'error' && m.req === 'bad'));
    expect(cs[0]!.msgs.find((m) => m.req === 'bad')).toMatchObject({ code: 'SIRA_ERR_CRDT_UPDATE_INVALID', status: 400 });
  });

  it('a slow consumer is paused, then closed with 4008; it resumes with nothing lost or repeated', async () => {
    await setup({ wsMaxBufferedBytes: 64 * 1024, wsSlowConsumerMs: 500 });
    await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth, payload: { id: 'w' } });
    const slow = await connect();
    slow.send({ op: 'subscribe', workspace_id: 'w', after: 0 });
    await slow.until((c) => c.msgs.some((m) => m.type === 'subscribed'));
    slow.ws.pause(); // stops reading: the kernel buffers fill, then the server's
    const d = new Y.Doc();
    const N = 300;
    for (let i = 0; i < N; i++) {
      const sv = Y.encodeStateVector(d);
      d.getMap('m').set('blob', `${i}:${'x'.repeat(60_000)}`); // ~60 kB per update, inlined in its event; replaces the last
      const r = await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/crdt/big', headers: { ...t.auth, 'content-type': 'application/octet-stream' }, payload: Buffer.from(Y.encodeStateAsUpdate(d, sv)) });
      expect(r.statusCode).toBe(200);
    }
    // The server gives up on the client (it stopped reading): its subscription goes.
    while (t.sira.events.subscriberCount > 0) await new Promise((r) => setTimeout(r, 20));
    slow.ws.resume();
    await slow.until((c) => c.closed !== undefined, 'close');
    expect(slow.closed!.code).toBe(4008);
    expect(slow.msgs.at(-1)).toMatchObject({ type: 'error', code: 'SIRA_ERR_WS_SLOW_CONSUMER' });
    const first = slow.events().filter((e) => e.type === 'crdt.updated');
    expect(first.length).toBeLessThan(N);
    // Resuming: a backlog of ~18 MB, delivered under the same limit (paused and resumed as the client reads).
    const again = await connect();
    again.send({ op: 'subscribe', workspace_id: 'w', after: Number(slow.events().at(-1)!.id) });
    await again.until((c) => first.length + c.events().filter((e) => e.type === 'crdt.updated').length >= N, 'the rest');
    const all = [...first, ...again.events().filter((e) => e.type === 'crdt.updated')];
    expect(all).toHaveLength(N);
    expect(new Set(all.map((e) => e.id)).size).toBe(N);
    const ids = all.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('heartbeats terminate a peer that never answers pings', async () => {
    await setup({ eventHeartbeatMs: 30 });
    const dead = await connect({ autoPong: false });
    await dead.until((c) => c.closed !== undefined, 'termination');
    expect(dead.closed!.code).toBe(1006);
  });

  it('on server shutdown clients are closed with 1001 (going away)', async () => {
    await setup();
    const c = await connect();
    const closing = t.app.close();
    await c.until((x) => x.closed !== undefined, 'close');
    await closing;
    expect(c.closed!.code).toBe(1001);
  });

  it('bad messages get error messages and keep the connection open', async () => {
    await setup();
    const live = await connect();
    live.ws.send('not json');
    live.send({ op: 'frobnicate', req: 2 });
    live.send({ op: 'subscribe', session_id: 'nope', req: 3 });
    live.send({ op: 'subscribe', session_id: 'a', workspace_id: 'b', req: 4 });
    live.send({ op: 'ping', req: 5 });
    await live.until((c) => c.msgs.some((m) => m.type === 'pong') && c.msgs.filter((m) => m.type === 'error').length === 4);
    const errs = live.msgs.filter((m) => m.type === 'error');
    // Messages are handled concurrently: compare as a multiset.
    expect(errs.map((e) => e.code).sort()).toEqual(['SIRA_ERR_SESSION_NOT_FOUND', 'SIRA_ERR_WS_MESSAGE_INVALID', 'SIRA_ERR_WS_MESSAGE_INVALID', 'SIRA_ERR_WS_MESSAGE_INVALID']);
    expect(errs.find((e) => e.req === 3)).toMatchObject({ channel: 'session:nope', status: 404 });
    expect(live.closed).toBeUndefined();
  });
});
