/**
 * @module bench/peers/langgraph
 * @langchain/langgraph 1.7 with its postgres checkpointer (in this process, a fresh database on the local
 * PostgreSQL) and with its sqlite checkpointer (in a Node 20 child process, see ./node20/langgraph-sqlite.mjs:
 * better-sqlite3 is built for the Node that ran npm). Both run the same graph code, ./langgraph/graph.mjs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { langGraphOps } from './langgraph/graph.mjs';
import { diskBytes, processRss } from '../lib/footprint.ts';
import type { PeerSystem, SeedSession } from './adapter.ts';
import { freshDatabase } from './postgres.ts';

const OPS_NOTE =
  'A MessagesAnnotation graph with one node; append = invoke({messages}) (resolves after its checkpoints are written); last K and context = getState + slice / recency with the 4-chars/token estimate; state = getState (the checkpoint holds the whole message list).';

/** LangGraph + PostgresSaver in-process. */
export async function langGraphPg(): Promise<PeerSystem> {
  const db = await freshDatabase('sira_peers_langgraph');
  const saver = PostgresSaver.fromConnString(db.url);
  await saver.setup();
  const ops = langGraphOps(saver);
  return {
    name: 'LangGraph + pg',
    notes: `@langchain/langgraph-checkpoint-postgres 1.0.5, local PostgreSQL over TCP (synchronous_commit ${db.synchronousCommit}). ${OPS_NOTE}`,
    ...ops,
    footprint: async () => ({ storedBytes: await db.size(), storedWhat: 'pg_database_size' }),
    async teardown() {
      await saver.end();
      await db.drop();
    },
  };
}

/** The Node binary for the sqlite child: PEERS_SQLITE_NODE, else the machine's /usr/bin/node, else `node`. */
export function sqliteChildNode(): string {
  return process.env.PEERS_SQLITE_NODE ?? (existsSync('/usr/bin/node') ? '/usr/bin/node' : 'node');
}

interface Reply {
  id: number;
  ok: boolean;
  ms?: number;
  result?: unknown;
  error?: string;
}

/** The LangGraph+sqlite child as a system, plus a no-op round trip to measure the IPC alone. */
export interface ChildSystem extends PeerSystem {
  /** One round trip carrying `payload` that does nothing in the child. */
  ping(payload: unknown): Promise<void>;
}

/** LangGraph + SqliteSaver in a Node 20 child; operations are timed in the child (`selfTimed`). */
export async function langGraphSqlite(): Promise<ChildSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'peers-langgraph-'));
  const child = spawn(sqliteChildNode(), [join(import.meta.dirname, 'node20', 'langgraph-sqlite.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = new Map<number, (r: Reply) => void>();
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      // A child that dies (say, better-sqlite3 built for another Node) fails its pending calls instead of hanging them.
      for (const [id, settle] of pending) settle({ id, ok: false, error: `child exited (code ${code}, signal ${signal})` });
      pending.clear();
      resolve(code);
    });
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const r = JSON.parse(line) as Reply;
    pending.get(r.id)?.(r);
    pending.delete(r.id);
  });
  let next = 0;
  const call = (op: string, ...args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, (r) => {
        if (!r.ok) return reject(new Error(`langgraph-sqlite child: ${op}: ${r.error}`));
        sys.lastOpMs = r.ms;
        resolve(r.result);
      });
      child.stdin.write(JSON.stringify({ id, op, args }) + '\n');
    });
  const sys: ChildSystem = {
    name: 'LangGraph + sqlite',
    notes: '',
    selfTimed: true,
    async setup(sessions: readonly SeedSession[]) {
      await call('setup', sessions);
      const info = (await call('info')) as { node: string; journal_mode: string; synchronous: number };
      sys.notes =
        `@langchain/langgraph-checkpoint-sqlite 1.0.4 on better-sqlite3 12.x in a child process on Node ${info.node} (journal ${info.journal_mode}, synchronous=${info.synchronous}); ` +
        `times measured in the child, IPC reported apart. ${OPS_NOTE}`;
    },
    append: async (s, t) => void (await call('append', s, t)),
    appendBatch: async (s, ts) => void (await call('appendBatch', s, ts)),
    lastK: async (s, k) => (await call('lastK', s, k)) as number,
    getState: async (s) => (await call('getState', s)) as number,
    contextWindow: async (s, budget) => (await call('contextWindow', s, budget)) as number,
    ping: async (payload) => void (await call('ping', payload)),
    footprint: async () => {
      const rss = processRss(child.pid);
      return { storedBytes: diskBytes(dir), storedWhat: 'SQLite files on disk (db + WAL)', ...(rss === undefined ? {} : { processRss: rss }) };
    },
    async teardown() {
      await call('close');
      child.stdin.end();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await call('open', join(dir, 'checkpoints.db'));
  } catch (e) {
    child.stdin.end();
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return sys;
}
