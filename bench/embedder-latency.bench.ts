/**
 * Embedder latency (issue 12 (4)): what the default static embedder costs, against USE-lite and no embedder.
 * 1. Query embedding in process: one text per call (the context path's query), µs p50/p99, static (cold token
 *    cache, then warm) and USE-lite in the calling thread.
 * 2. HTTP context on a 600-turn session: the real service (bin, child process, LMDB), turns appended in batches of
 *    100 through the API, then sequential `POST /v1/sessions/:id/context {query, budget_tokens: 2000}` with a new
 *    query each time (no query-vector cache hit): client-side p50/p99, per embedder (static, none, offline).
 * 3. Context during a bulk import: while a second session takes 6,000 turns (60 appends of 100, back to back), the
 *    same context requests on the first session: p50/p99/max during the import, how long the import took, and how
 *    long until the imported turns were all embedded (GET /enrichment pending = 0, polled).
 * Targets (issue 12): context p50 ≤ 3 ms, p99 ≤ 10 ms at 600 turns with the default encoder; the import must not
 * slow context requests (p99 was 553 ms with USE-lite).
 * usage: npm run bench -- embedder-latency   (env BENCH_QUICK=1: 120 requests, 1,200-turn import, static and none
 *        only; EMB_LAT_EMBEDDERS=static,none,offline picks the rows)
 * Timing benchmark: run it alone on a quiet machine.
 */
import { createStaticEmbedder, createUseLiteEmbedder } from '../src/models/embedders/index.ts';
import { chatTurns } from '../training/lib/corpus.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { startServer, type RunningServer } from './lib/server.ts';
import { ms, now, summary } from './lib/stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const EMBEDDERS = (process.env.EMB_LAT_EMBEDDERS ?? (QUICK ? 'static,none' : 'static,none,offline')).split(',');
const SESSION_TURNS = 600;
const REQUESTS = QUICK ? 120 : 1000;
const IMPORT_TURNS = QUICK ? 1200 : 6000;
const BATCH = 100;

type Wire = { role: string; content: string };

/** Turns as the API takes them (text turns only: tool calls carry no content string). */
function wireTurns(seed: number, n: number): Wire[] {
  const g = chatTurns(seed, 'test');
  const out: Wire[] = [];
  while (out.length < n) {
    const t = g.next();
    const p = t.parts[0];
    if (p?.type === 'text') out.push({ role: t.role, content: p.text });
  }
  return out;
}

function queries(n: number): string[] {
  const g = chatTurns(99, 'test');
  const out = new Set<string>();
  while (out.size < n) {
    const t = g.next();
    const p = t.parts[0];
    if (t.role === 'user' && p?.type === 'text') out.add(p.text);
  }
  return [...out];
}

async function api(s: RunningServer, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

async function createSession(s: RunningServer, turns: readonly Wire[]): Promise<string> {
  const { id } = (await api(s, 'POST', '/v1/sessions', {})) as { id: string };
  for (let i = 0; i < turns.length; i += BATCH) await api(s, 'POST', `/v1/sessions/${id}/turns`, { turns: turns.slice(i, i + BATCH) });
  return id;
}

/** Context requests a cold session answered 503 SIRA_ERR_CONTEXT_TIME_EXCEEDED (retried after Retry-After, as a client must). */
let timeBudgetRefusals = 0;

async function contextLatencies(s: RunningServer, id: string, qs: readonly string[], until?: () => boolean, retryRefused = false): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; until === undefined ? i < qs.length : !until(); i++) {
    const t0 = now();
    for (;;) {
      try {
        await api(s, 'POST', `/v1/sessions/${id}/context`, { query: qs[i % qs.length], budget_tokens: 2000 });
        break;
      } catch (err) {
        if (!retryRefused || !String(err).includes('SIRA_ERR_CONTEXT_TIME_EXCEEDED')) throw err;
        timeBudgetRefusals++;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    lat.push(now() - t0);
  }
  return lat;
}

interface Row {
  embedder: string;
  idle: ReturnType<typeof summary>;
  during: ReturnType<typeof summary>;
  importMs: number;
  embeddedAfterMs: number | undefined;
}

async function httpRow(embedder: string, sessionTurns: readonly Wire[], importTurns: readonly Wire[], qs: readonly string[]): Promise<Row> {
  const s = await startServer([], { env: { SIRA_EMBEDDER: embedder } });
  try {
    const id = await createSession(s, sessionTurns);
    // Warm-up (model load, JIT), then let any embedding of the session finish before the idle measurement.
    await contextLatencies(s, id, qs.slice(0, 20), undefined, true);
    for (let i = 0; i < 600 && embedder !== 'none'; i++) {
      const st = (await api(s, 'GET', `/v1/sessions/${id}/enrichment`)) as { pending: number };
      if (st.pending === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const idle = await contextLatencies(s, id, qs);
    // Bulk import into another session while context requests run on the first one.
    const { id: bulk } = (await api(s, 'POST', '/v1/sessions', {})) as { id: string };
    let done = false;
    const t0 = now();
    const importing = (async () => {
      for (let i = 0; i < importTurns.length; i += BATCH) await api(s, 'POST', `/v1/sessions/${bulk}/turns`, { turns: importTurns.slice(i, i + BATCH) });
      done = true;
    })();
    const during = await contextLatencies(s, id, qs, () => done);
    await importing;
    const importMs = now() - t0;
    let embeddedAfterMs: number | undefined;
    if (embedder !== 'none') {
      // Polled up to 5 minutes; unset when the backlog was not embedded by then.
      for (let i = 0; i < 1500; i++) {
        const st = (await api(s, 'GET', `/v1/sessions/${bulk}/enrichment`)) as { pending: number };
        if (st.pending === 0) {
          embeddedAfterMs = now() - t0;
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return { embedder, idle: summary(idle), during: summary(during), importMs, embeddedAfterMs };
  } finally {
    await s.stop();
  }
}

/** µs per call, one text per call. */
async function perCall(embed: (t: string) => Promise<unknown> | unknown, texts: readonly string[]): Promise<ReturnType<typeof summary>> {
  const lat: number[] = [];
  for (const t of texts) {
    const t0 = now();
    await embed(t);
    lat.push((now() - t0) * 1000);
  }
  return summary(lat);
}

export async function run(): Promise<void> {
  const sessionTurns = wireTurns(1, SESSION_TURNS);
  const importTurns = wireTurns(2, IMPORT_TURNS);
  const qs = queries(REQUESTS);
  const data: Record<string, unknown> = { machine: machine(), sessionTurns: SESSION_TURNS, requests: REQUESTS, importTurns: IMPORT_TURNS };

  // 1. Query embedding in process.
  const st = createStaticEmbedder();
  st.embedSync(['load the table']);
  const texts = [...qs, ...sessionTurns.map((t) => t.content)];
  const cold = await perCall((t) => st.embedSync([t]), texts);
  const warm = await perCall((t) => st.embedSync([t]), texts);
  const embedRows: (string | number)[][] = [
    [`static (${st.id}), cold token cache`, texts.length, ms(cold.p50), ms(cold.p99)],
    [`static (${st.id}), warm`, texts.length, ms(warm.p50), ms(warm.p99)],
  ];
  data.queryEmbedding = { staticCold: cold, staticWarm: warm };
  if (!QUICK) {
    const use = createUseLiteEmbedder();
    await use.embed(['load the model']);
    const u = await perCall((t) => use.embed([t]), qs.slice(0, 200));
    embedRows.push(['USE-lite (calling thread)', 200, ms(u.p50), ms(u.p99)]);
    data.queryEmbedding = { ...(data.queryEmbedding as object), useLite: u };
  }

  // 2 and 3. HTTP.
  const rows: Row[] = [];
  for (const e of EMBEDDERS) {
    console.log(`HTTP rows: embedder ${e}…`);
    rows.push(await httpRow(e, sessionTurns, importTurns, qs));
  }
  data.http = rows;
  (data as Record<string, unknown>).timeBudgetRefusals = timeBudgetRefusals;
  const md = [
    `Machine: ${data.machine}. Run alone on a quiet machine: these are timings.`,
    '',
    'Query embedding, one text per call (µs):',
    '',
    table(['embedder', 'texts', 'p50 µs', 'p99 µs'], embedRows),
    '',
    `HTTP context (\`POST /v1/sessions/:id/context\`, budget 2,000, a new query each request, sequential, client-side ms) on a ${SESSION_TURNS}-turn session; then the same requests while a ${IMPORT_TURNS.toLocaleString('en-US')}-turn import (appends of ${BATCH}) runs into another session:`,
    '',
    table(
      ['embedder', 'idle p50', 'idle p99', 'during import p50', 'p99', 'max', 'requests during import', 'import took', 'import embedded after'],
      rows.map((r) => [r.embedder, ms(r.idle.p50), ms(r.idle.p99), ms(r.during.p50), ms(r.during.p99), ms(r.during.max), r.during.n, `${(r.importMs / 1000).toFixed(1)} s`, r.embedder === 'none' ? '–' : r.embeddedAfterMs === undefined ? 'not within 5 min' : `${(r.embeddedAfterMs / 1000).toFixed(1)} s`]),
    ),
    '',
    `Warm-up requests on the freshly appended (cold) session refused with 503 SIRA_ERR_CONTEXT_TIME_EXCEEDED and retried after 1 s: ${timeBudgetRefusals} (all embedders together).`,
  ].join('\n');
  writeResult('embedder-latency', data, md);
}

if (import.meta.main) await run();
