/**
 * LangGraph with its sqlite checkpointer, in a child process on the machine's Node 20: the checkpointer loads
 * better-sqlite3, a V8-ABI addon that npm (running on Node 20) built against Node 20's headers, so it cannot load
 * in the Node 24 benchmark process. Plain JavaScript (Node 20 does not strip TypeScript types).
 *
 * Protocol, JSON lines: stdin `{"id": n, "op": "...", "args": [...]}`, stdout `{"id": n, "ok": true, "ms": t,
 * "result": r}` or `{"id": n, "ok": false, "error": "..."}`. `ms` is the operation's own time measured here
 * (after parsing the request, before writing the reply), so the parent can tell the system's latency from the
 * IPC round trip. Ops: open(path), info(), the bench/peers/langgraph/graph.mjs operations, ping(payload), close().
 */
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { langGraphOps } from '../langgraph/graph.mjs';

let saver;
let ops;
const handlers = {
  open: (path) => {
    saver = SqliteSaver.fromConnString(path);
    ops = langGraphOps(saver);
    return process.version;
  },
  info: () => ({ node: process.version, journal_mode: saver.db.pragma('journal_mode', { simple: true }), synchronous: saver.db.pragma('synchronous', { simple: true }) }),
  ping: (payload) => (payload === undefined ? 0 : 1),
  close: () => saver?.db.close(),
};

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', async (line) => {
  const { id, op, args } = JSON.parse(line);
  const t0 = performance.now();
  try {
    const fn = handlers[op] ?? ops?.[op];
    if (fn === undefined) throw new Error(`unknown op ${op}`);
    const result = await fn(...args);
    const ms = performance.now() - t0;
    process.stdout.write(JSON.stringify({ id, ok: true, ms, result: result ?? null }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id, ok: false, error: String(e?.stack ?? e) }) + '\n');
  }
});
rl.on('close', () => process.exit(0));
