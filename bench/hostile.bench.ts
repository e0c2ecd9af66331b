/**
 * Issue 11's stall, measured through the public API (target: a context request on a session holding four
 * 1 Mi-character unbroken turns answers, or refuses with SIRA_ERR_CONTEXT_TIME_EXCEEDED, within 200 ms; /healthz
 * answering within 100 ms meanwhile). The service runs in its own process (test/robust/fuzz-server.ts: its
 * event-loop delay is measured inside it); four turns of unbroken text (one letter repeated, random lower-case
 * letters, random CJK, dots) are appended, then context requests are retried until one answers (each refusal
 * keeps its work cached); then `POST /v1/context/enrich` with a 100k-character unbroken user message on an empty
 * session, and a context request with 1 Mi characters of unbroken text as its query.
 * usage: npm run bench -- hostile   (env BENCH_HOSTILE_CHARS to change 1048576; BENCH_QUICK=1: 65536)
 */
import { call, startProber, startServer } from '../test/robust/fuzz-harness.ts';
import { machine, table, writeResult } from './lib/report.ts';

export async function run(): Promise<void> {
  const chars = Number(process.env.BENCH_HOSTILE_CHARS ?? (process.env.BENCH_QUICK === '1' ? 65_536 : 1 << 20));
  const srv = await startServer();
  const json = { authorization: `Bearer ${srv.key}`, 'content-type': 'application/json' };
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const random = (n: number, base: number, span: number) => {
    let s = '';
    while (s.length < n) s += String.fromCharCode(...Uint16Array.from({ length: Math.min(n - s.length, 30_000) }, () => base + Math.floor(rnd() * span)));
    return s;
  };
  const rows: (string | number)[][] = [];
  const timed = async (what: string, method: string, path: string, body: unknown, headers: Record<string, string> = json) => {
    const t0 = performance.now();
    const r = await call(srv.port, method, path, headers, JSON.stringify(body));
    const ms = Math.round((performance.now() - t0) * 10) / 10;
    const code = r.type.includes('problem') ? (JSON.parse(r.body) as { code: string }).code : '';
    rows.push([what, r.status, code, ms]);
    return r;
  };
  try {
    await call(srv.port, 'POST', '/v1/sessions', json, JSON.stringify({ id: 'hostile' }));
    for (const text of ['a'.repeat(chars), random(chars, 97, 26), random(chars, 0x4e00, 20_000), '.'.repeat(chars)]) {
      const r = await call(srv.port, 'POST', '/v1/sessions/hostile/turns', json, JSON.stringify({ turns: [{ role: 'user', content: text }] }));
      if (r.status !== 201) throw new Error(`append: ${r.status} ${r.body.slice(0, 200)}`);
    }
    srv.child.send({ op: 'reset' });
    const prober = startProber(srv.port);
    for (let attempt = 1; attempt <= 30; attempt++) {
      const r = await timed(`context, 4 × ${chars} chars, attempt ${attempt}`, 'POST', '/v1/sessions/hostile/context', { query: 'what did I say?', model: 'gpt-4o' });
      if (r.status === 200) break;
      await new Promise((res) => setTimeout(res, 1000));
    }
    await timed('context again (warm)', 'POST', '/v1/sessions/hostile/context', { query: 'what did I say?', model: 'gpt-4o' });
    await call(srv.port, 'POST', '/v1/sessions', json, JSON.stringify({ id: 'empty' }));
    const message = random(100_000, 97, 26);
    for (let attempt = 1; attempt <= 5; attempt++) {
      const r = await timed(`enrich, 100k-char message, attempt ${attempt}`, 'POST', '/v1/context/enrich', { model: 'gpt-4o', messages: [{ role: 'user', content: message }] }, { ...json, 'x-sira-session': 'empty' });
      if (r.status === 200) break;
    }
    await timed(`context, ${chars}-char query`, 'POST', '/v1/sessions/empty/context', { query: random(chars, 0x4e00, 20_000), budget_tokens: 1000 });
    const probes = await prober.stop();
    const stats = await srv.stats();
    const lat = probes.latencies.sort((a, b) => a - b);
    const md = [
      '# hostile (issue 11)',
      '',
      `${machine()}. Latency is client wall time over loopback.`,
      '',
      table(['request', 'status', 'code', 'ms'], rows),
      '',
      `/healthz while it ran: ${probes.probes} probes, ${probes.failed} failed, p99 ${Math.round((lat[Math.floor(lat.length * 0.99)] ?? 0) * 10) / 10} ms, max ${Math.round((lat.at(-1) ?? 0) * 10) / 10} ms (target ≤ 100).`,
      `Server event-loop delay: p99 ${stats.loop.p99} ms, max ${stats.loop.max} ms (target ≤ 50); RSS ${stats.rss_mb} MB.`,
    ].join('\n');
    writeResult('hostile', { chars, rows, healthz: { probes: probes.probes, failed: probes.failed, max_ms: lat.at(-1) ?? 0 }, loop: stats.loop, rss_mb: stats.rss_mb }, md);
  } finally {
    await srv.stop();
  }
}
