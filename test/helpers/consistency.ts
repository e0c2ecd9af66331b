/**
 * @module test/helpers/consistency
 * The consistency harness (issue 5): several service instances on one store, N agents × M concurrent writes
 * through randomly chosen instances, an SSE subscriber per session on every instance, forced reconnects of those
 * subscribers (resumed with Last-Event-ID). It reports:
 *  - acknowledged writes lost (each writer kind checks its own ledger against the store);
 *  - subscribers converged: once the writers stop, every subscriber's events equal the session's durable log;
 *  - events missed (in the log, never delivered) and duplicated (delivered twice), across reconnects (each resumed
 *    on a random instance) and, optionally, trouble caused meanwhile ({@link HarnessOptions.chaos}: a killed
 *    Redis master);
 *  - fan-out latency: from the write request leaving the agent to a subscriber on another instance receiving its
 *    event (an upper bound of publish → subscriber), and from the write's acknowledgement.
 *
 * Writer kinds are pluggable ({@link WriterKind}): turn appends and CAS counters are here; a CRDT workload
 * (workspaces) is another kind with its own write, event key and verification. Used by the vitest test
 * (test/api/consistency.redis.test.ts, in-process instances) and by bench/consistency.bench.ts (child processes).
 * Plain HTTP (fetch and node:http), no service code: it sees what any client sees.
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mulberry32 } from '../../src/core/rng.ts';

export { casCounterWriter, crdtWriter, turnWriter } from './consistency-writers.ts';

/** A service instance: its base URL and an API key (all instances must see the same tenant). */
export interface HarnessInstance {
  url: string;
  key: string;
}

/** What an acknowledged write left in the ledger. */
export interface Ack {
  kind: string;
  session: string;
  /** The instance it went through. */
  instance: number;
  /** Matches {@link WriterKind.eventKey} of the event the write produced. */
  eventKey: string;
  /** Kind-specific (e.g. the text appended, the counter value written). */
  value: unknown;
  sentAt: number;
  ackAt: number;
}

/** Calls a writer kind can make. */
export interface WriteContext {
  instances: HarnessInstance[];
  /**
   * Request through instance `i`: a JSON body, or raw bytes (a Uint8Array, sent as application/octet-stream);
   * resolves with status, headers and the parsed JSON body (bytes for an octet-stream answer). Never throws on
   * HTTP errors.
   */
  call(i: number, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: unknown }>;
  /** The base path of a harness target: `/v1/sessions/<id>` or `/v1/workspaces/<id>` ({@link HarnessOptions.resource}). */
  base(id: string): string;
  rng: () => number;
}

/** One kind of write: how to make it, which event it produces, how to check nothing acknowledged was lost. */
export interface WriterKind {
  name: string;
  /** Relative frequency among kinds. @default 1 */
  weight?: number;
  /** Prepare a new session (through instance 0) before any write. */
  setup?(ctx: WriteContext, session: string): Promise<void>;
  /** Make one write; the ack (without times), or undefined when it was not acknowledged. */
  write(ctx: WriteContext, session: string, instance: number, agent: number, n: number): Promise<Omit<Ack, 'sentAt' | 'ackAt' | 'instance'> | undefined>;
  /** The key linking an event to its write, or undefined for events of other kinds. */
  eventKey(type: string, data: Record<string, unknown>): string | undefined;
  /** Acknowledged writes of this kind missing from the store (0 is the target). */
  verify(ctx: WriteContext, session: string, acks: Ack[]): Promise<number>;
}

export interface HarnessOptions {
  instances: HarnessInstance[];
  sessions: number;
  /** Concurrent agents (N). */
  agents: number;
  /** Writes per agent (M). */
  writesPerAgent: number;
  kinds: WriterKind[];
  /**
   * Force-close one random subscriber connection this often (ms), resuming it at once with Last-Event-ID on a
   * random instance (not necessarily the one it was on); 0 = never.
   */
  reconnectEveryMs?: number;
  /**
   * Trouble to cause while the agents write (e.g. kill a Redis master): started `chaosAfterMs` after the first
   * write; the agents go on past their M writes until it has resolved.
   */
  chaos?: () => Promise<void>;
  /** @default 500 */
  chaosAfterMs?: number;
  /** Pause between one agent's writes (ms; 0 = as fast as acknowledged). @default 0 */
  thinkMs?: number;
  seed?: number;
  /** Longest wait for subscribers to catch up once the writers stop. @default 20000 */
  settleTimeoutMs?: number;
  /** Session id prefix (unique per run). */
  prefix: string;
  /**
   * What the agents share: sessions, or workspaces (whose event ids are monotonic but not dense: the log is read
   * page by page with `next_after`). @default 'sessions'
   */
  resource?: 'sessions' | 'workspaces';
}

export interface HarnessReport {
  instances: number;
  sessions: number;
  agents: number;
  writesPerAgent: number;
  subscribers: number;
  acknowledged: Record<string, number>;
  /** Writes that were not acknowledged (HTTP error or network), by kind. */
  failed: Record<string, number>;
  /** CAS retries after 409 (CAS kinds), all kinds together. */
  retries: number;
  lost: Record<string, number>;
  lostTotal: number;
  reconnects: number;
  /** Subscribers whose stream ended with `session.deleted` (none of the harness's sessions is deleted). */
  ended: number;
  /** Reconnects subscribers made by themselves after the service ended a stream with an `error` event. */
  autoReconnects: number;
  errorEvents: number;
  converged: number;
  convergedPct: number;
  /** How the first few subscribers that did not converge differ from the log. */
  divergent: string[];
  missed: number;
  duplicated: number;
  /** Per event: its delivery to each subscriber on an instance other than the writer's, live connections only. */
  fanoutFromSendMs: number[];
  fanoutFromAckMs: number[];
  elapsedMs: number;
  /** Event-loop delay of the harness process itself while writing (p99, ms): how much of a tail is the client's. */
  clientLoopDelayP99Ms: number;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Received {
  id: number;
  type: string;
  data: Record<string, unknown>;
  at: number;
  /** When the connection it came on was opened (a replay if that is after the write was sent). */
  connOpenedAt: number;
  /** The instance that delivered it. */
  instance: number;
}

/**
 * An SSE subscriber that keeps every event it received, duplicates included. Like a browser's EventSource it
 * reconnects with Last-Event-ID by itself when the service ends the stream (an `error` event, e.g. the store
 * failing while a subscription starts during a failover) or the connection drops; and the harness forces
 * reconnects on top ({@link reconnect}).
 */
class Subscriber {
  readonly session: string;
  instance: number;
  readonly received: Received[] = [];
  lastId = 0;
  ended = false;
  reconnects = 0;
  /** Reconnects the subscriber made by itself after the stream ended or failed. */
  autoReconnects = 0;
  /** `error` events the service sent before ending a stream. */
  errorEvents = 0;
  /** The last error event's code, or why the last reconnect attempt failed (diagnostics). */
  lastProblem = '';
  #req: ClientRequest | undefined;
  readonly #all: HarnessInstance[];
  #closed = false;

  readonly #base: string;

  constructor(all: HarnessInstance[], instance: number, session: string, base: string) {
    this.#all = all;
    this.instance = instance;
    this.session = session;
    this.#base = base;
  }

  /** Resolves once the stream answered 200 (the subscription is registered once `: connected` arrives). */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const openedAt = performance.now();
      const instance = this.instance;
      const inst = this.#all[instance]!;
      const req = httpRequest(`${inst.url}${this.#base}/events`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${inst.key}`, 'last-event-id': String(this.lastId) },
      });
      this.#req = req;
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          this.lastProblem = `HTTP ${res.statusCode} on reconnect`;
          reject(new Error(`SSE ${this.session} on instance ${this.instance}: HTTP ${res.statusCode}`));
          return;
        }
        let buf = '';
        let connected = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = performance.now();
          buf += chunk;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (block.startsWith(': connected') && !connected) {
              connected = true;
              resolve();
              continue;
            }
            const line = block.split('\n').find((l) => l.startsWith('data: '));
            if (line === undefined) continue;
            if (block.split('\n').includes('event: error')) {
              this.errorEvents++;
              this.lastProblem = `error event: ${line.slice(6, 300)}`;
              continue;
            }
            const ev = JSON.parse(line.slice(6)) as { id: number; type: string; data: Record<string, unknown> };
            if (ev.type === 'session.deleted') this.ended = true;
            this.received.push({ id: ev.id, type: ev.type, data: ev.data, at, connOpenedAt: openedAt, instance });
            if (ev.id > this.lastId) this.lastId = ev.id;
          }
        });
        res.on('error', () => {});
        // The service ended the stream (or the connection dropped): reconnect from the last id, as EventSource does.
        res.on('close', () => {
          if (this.#req === req && !this.#closed && !this.ended && connected) void this.#again();
        });
      });
      req.on('error', (err) => {
        if (this.#req === req && !this.#closed) reject(err);
      });
      req.end();
    });
  }

  async #again(): Promise<void> {
    this.autoReconnects++;
    this.#req = undefined;
    for (;;) {
      await sleep(100);
      if (this.#closed || this.#req !== undefined) return; // closed, or a forced reconnect got there first
      try {
        await this.open();
        return;
      } catch {
        // the instance or the store is not there yet: try again
      }
    }
  }

  /** Cut the connection and resume from the last id received, on instance `to`. */
  async reconnect(to: number): Promise<void> {
    this.#req?.destroy();
    this.reconnects++;
    this.instance = to;
    for (let attempt = 0; attempt < 20 && !this.#closed; attempt++) {
      try {
        await this.open();
        return;
      } catch {
        await sleep(50);
      }
    }
    // Not back within a second (e.g. its shard is failing over): keep trying in the background, as EventSource would.
    if (!this.#closed) void this.#again();
  }

  close(): void {
    this.#closed = true;
    this.#req?.destroy();
  }
}

function makeContext(instances: HarnessInstance[], rng: () => number, resource: 'sessions' | 'workspaces' = 'sessions'): WriteContext {
  return {
    instances,
    rng,
    base: (id) => `/v1/${resource}/${id}`,
    call: async (i, method, path, body, headers = {}) => {
      const inst = instances[i]!;
      for (let attempt = 0; ; attempt++) {
        try {
          const raw = body instanceof Uint8Array;
          const res = await fetch(`${inst.url}${path}`, {
            method,
            headers: {
              authorization: `Bearer ${inst.key}`,
              ...(body === undefined ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }),
              ...headers,
            },
            ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }),
          });
          if ((res.headers.get('content-type') ?? '').startsWith('application/octet-stream')) {
            return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
          }
          const text = await res.text();
          return { status: res.status, headers: res.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
        } catch (err) {
          // A reset keep-alive socket: retry reads; writes report status 0 (not acknowledged) to stay honest.
          if (method !== 'GET' || attempt >= 3) return { status: 0, headers: new Headers(), body: { error: String(err) } };
        }
      }
    },
  };
}

/**
 * An event's data as compared between a subscriber and the durable log: `crdt.updated` carries the update bytes
 * inline only while the update is still in the doc's log (compaction folds it into the snapshot), so the inline
 * copy is left out; `update_id` still names the update.
 */
function comparable(data: Record<string, unknown> | string | undefined): string {
  const d = typeof data === 'string' ? (JSON.parse(data) as Record<string, unknown>) : data;
  if (d === undefined) return 'undefined';
  const { update: _inline, ...rest } = d;
  return JSON.stringify(rest);
}

/** Run the harness (see the module note). Sessions are created through instance 0. */
export async function runConsistency(o: HarnessOptions): Promise<HarnessReport> {
  const rng = mulberry32(o.seed ?? 1);
  const resource = o.resource ?? 'sessions';
  const ctx = makeContext(o.instances, rng, resource);
  const sessions = Array.from({ length: o.sessions }, (_, i) => `${o.prefix}${i}`);
  for (const s of sessions) {
    const r = await ctx.call(0, 'POST', `/v1/${resource}`, { id: s });
    if (r.status !== 201) throw new Error(`create ${s}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    for (const k of o.kinds) await k.setup?.(ctx, s);
  }
  const subs: Subscriber[] = [];
  for (const s of sessions) for (let i = 0; i < o.instances.length; i++) subs.push(new Subscriber(o.instances, i, s, ctx.base(s)));
  await Promise.all(subs.map((s) => s.open()));

  const acks: Ack[] = [];
  const failed: Record<string, number> = {};
  const totalWeight = o.kinds.reduce((a, k) => a + (k.weight ?? 1), 0);
  const pickKind = (): WriterKind => {
    let x = rng() * totalWeight;
    for (const k of o.kinds) if ((x -= k.weight ?? 1) < 0) return k;
    return o.kinds.at(-1)!;
  };
  let writing = true;
  const reconnector = (async () => {
    if ((o.reconnectEveryMs ?? 0) <= 0) return;
    while (writing) {
      await sleep(o.reconnectEveryMs!);
      if (!writing) break;
      await subs[Math.floor(rng() * subs.length)]!.reconnect(Math.floor(rng() * o.instances.length));
    }
  })();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const t0 = performance.now();
  let chaosDone = o.chaos === undefined;
  const chaos = (async () => {
    if (o.chaos === undefined) return;
    try {
      await sleep(o.chaosAfterMs ?? 500);
      await o.chaos();
    } finally {
      chaosDone = true;
    }
  })();
  const agent = async (a: number): Promise<void> => {
    for (let n = 0; n < o.writesPerAgent || !chaosDone; n++) {
      const session = sessions[Math.floor(rng() * sessions.length)]!;
      const instance = Math.floor(rng() * o.instances.length);
      const kind = pickKind();
      const sentAt = performance.now();
      const ack = await kind.write(ctx, session, instance, a, n);
      if (ack === undefined) failed[kind.name] = (failed[kind.name] ?? 0) + 1;
      else acks.push({ ...ack, instance, sentAt, ackAt: performance.now() });
      if ((o.thinkMs ?? 0) > 0) await sleep(o.thinkMs!);
    }
  };
  try {
    await Promise.all([...Array.from({ length: o.agents }, (_, a) => agent(a)), chaos]);
  } finally {
    writing = false;
    await reconnector;
  }
  const elapsedMs = performance.now() - t0;
  loop.disable();

  // The durable log of each session is the reference.
  const logs = new Map<string, { id: number; type: string; data: string }[]>();
  for (const s of sessions) {
    const log: { id: number; type: string; data: string }[] = [];
    for (let after = 0; ; ) {
      const path = `${ctx.base(s)}/events?after=${after}&limit=1000`;
      let r = await ctx.call(0, 'GET', path);
      // A store still healing from the fault (NATS after a leader kill: reads wait for the new leader's fence) answers
      // 503 for a while; the reference read waits for it to serve again (bounded), it never reads a partial log.
      for (let tries = 0; r.status >= 500 && tries < 80; tries++) {
        await new Promise((res) => setTimeout(res, 250));
        r = await ctx.call(0, 'GET', path);
      }
      if (r.status !== 200) throw new Error(`reading the event log of ${s} answered ${r.status}: ${JSON.stringify(r.body)}`);
      const page = r.body as { events: { id: number; type: string; data: unknown }[]; next_after?: number };
      for (const e of page.events) log.push({ id: e.id, type: e.type, data: JSON.stringify(e.data) });
      // Workspaces: hidden entries make pages short, so follow next_after until it stops moving.
      const next = page.next_after ?? page.events.at(-1)?.id ?? after;
      if (page.events.length === 0 && next === after) break;
      if (page.next_after === undefined && page.events.length < 1000) break;
      after = next;
    }
    logs.set(s, log);
  }
  const deadline = Date.now() + (o.settleTimeoutMs ?? 20_000);
  while (Date.now() < deadline && subs.some((s) => s.lastId < (logs.get(s.session)!.at(-1)?.id ?? 0))) await sleep(20);
  for (const s of subs) s.close();

  let converged = 0;
  const divergent: string[] = [];
  let missed = 0;
  let duplicated = 0;
  for (const s of subs) {
    const log = logs.get(s.session)!;
    const seen = new Map<number, Received>();
    for (const r of s.received) {
      if (seen.has(r.id)) duplicated++;
      else seen.set(r.id, r);
    }
    // Session ids are dense; workspace ids only increase (compaction's own entries are hidden).
    const ordered = s.received.every((r, i) => i === 0 || (resource === 'sessions' ? r.id === s.received[i - 1]!.id + 1 : r.id > s.received[i - 1]!.id));
    const same =
      ordered && s.received.length === log.length && log.every((e, i) => s.received[i]!.id === e.id && s.received[i]!.type === e.type && comparable(s.received[i]!.data) === comparable(e.data));
    if (same) converged++;
    else if (divergent.length < 5) {
      const i = log.findIndex((e, j) => s.received[j]?.id !== e.id || s.received[j]?.type !== e.type || comparable(s.received[j]?.data) !== comparable(e.data));
      const got = s.received[i];
      divergent.push(
        `${s.session} on instance ${s.instance}: ${s.received.length} received, ${log.length} in the log; first difference at #${i}: log ${JSON.stringify(log[i])}, got ${got === undefined ? 'nothing' : JSON.stringify({ id: got.id, type: got.type, data: got.data })}${s.lastProblem === '' ? '' : `; last problem: ${s.lastProblem}`}`,
      );
    }
    for (const e of log) if (!seen.has(e.id)) missed++;
  }

  // Fan-out: a write's event at each subscriber of its session on another instance, on a connection already open.
  const byKey = new Map<string, Ack>();
  for (const a of acks) byKey.set(`${a.session}|${a.eventKey}`, a);
  const fromSend: number[] = [];
  const fromAck: number[] = [];
  for (const s of subs) {
    for (const r of s.received) {
      for (const k of o.kinds) {
        const key = k.eventKey(r.type, r.data);
        if (key === undefined) continue;
        const a = byKey.get(`${s.session}|${key}`);
        if (a === undefined || a.instance === r.instance || r.connOpenedAt > a.sentAt) continue;
        fromSend.push(r.at - a.sentAt);
        fromAck.push(r.at - a.ackAt);
      }
    }
  }

  const acknowledged: Record<string, number> = {};
  const lost: Record<string, number> = {};
  for (const k of o.kinds) {
    const mine = acks.filter((a) => a.kind === k.name);
    acknowledged[k.name] = mine.length;
    let l = 0;
    for (const s of sessions) l += await k.verify(ctx, s, mine.filter((a) => a.session === s));
    lost[k.name] = l;
  }
  const retries = o.kinds.reduce((n, k) => n + ((k as { retries?: () => number }).retries?.() ?? 0), 0);
  return {
    instances: o.instances.length,
    sessions: o.sessions,
    agents: o.agents,
    writesPerAgent: o.writesPerAgent,
    subscribers: subs.length,
    acknowledged,
    failed,
    retries,
    lost,
    lostTotal: Object.values(lost).reduce((a, b) => a + b, 0),
    reconnects: subs.reduce((n, s) => n + s.reconnects, 0),
    ended: subs.filter((s) => s.ended).length,
    autoReconnects: subs.reduce((n, s) => n + s.autoReconnects, 0),
    errorEvents: subs.reduce((n, s) => n + s.errorEvents, 0),
    converged,
    divergent,
    convergedPct: (100 * converged) / subs.length,
    missed,
    duplicated,
    fanoutFromSendMs: fromSend,
    fanoutFromAckMs: fromAck,
    elapsedMs,
    clientLoopDelayP99Ms: loop.percentile(99) / 1e6,
  };
}
