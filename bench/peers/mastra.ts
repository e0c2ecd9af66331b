/**
 * @module bench/peers/mastra
 * @mastra/memory 1.31 (the `Memory` class agents use) on @mastra/libsql (a file database in a temporary dir) or on
 * @mastra/pg (a fresh database on the local PostgreSQL). A session is a thread (resource `bench-user`); a turn is
 * a `MastraDBMessage` (format 2 parts: text, or a tool-invocation for a tool call; the turn's metadata in
 * `content.metadata`); the session state is the thread's metadata.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Memory } from '@mastra/memory';
import { LibSQLStore } from '@mastra/libsql';
import { PostgresStore } from '@mastra/pg';
import type { MastraDBMessage } from '@mastra/core/agent/message-list';
import type { NewTurn } from '../../src/core/types.ts';
import { diskBytes } from '../lib/footprint.ts';
import type { Footprint, PeerSystem, SeedSession } from './adapter.ts';
import { freshDatabase } from './postgres.ts';

const RESOURCE = 'bench-user';

/** Mastra orders a thread by createdAt: give every message a distinct, increasing time, as its MessageList does. */
let lastMs = 0;
const nextDate = (): Date => new Date((lastMs = Math.max(Date.now(), lastMs + 1)));

function toMessage(thread: string, t: NewTurn): MastraDBMessage {
  const parts: MastraDBMessage['content']['parts'] = t.parts.map((p) => {
    if (p.type === 'tool_call') {
      return { type: 'tool-invocation', toolInvocation: { state: 'call', toolCallId: p.id, toolName: p.name, args: JSON.parse(p.arguments) as unknown } };
    }
    if (p.type === 'text') return { type: 'text', text: p.text };
    throw new Error(`bench corpus has no ${p.type} parts`);
  });
  return {
    id: randomUUID(),
    role: t.role === 'assistant' ? 'assistant' : 'user',
    createdAt: nextDate(),
    threadId: thread,
    resourceId: RESOURCE,
    content: { format: 2, parts, ...(t.metadata ? { metadata: t.metadata } : {}) },
  };
}

type Storage = LibSQLStore | PostgresStore;

function adapter(name: string, notes: string, storage: Storage, cleanup: () => Promise<void>, footprint: () => Promise<Footprint>): PeerSystem {
  const memory = new Memory({ storage });
  return {
    name,
    notes,
    async setup(sessions: readonly SeedSession[]) {
      await storage.init();
      for (const s of sessions) {
        const now = new Date();
        await memory.saveThread({ thread: { id: s.id, resourceId: RESOURCE, title: s.id, metadata: { state: s.state }, createdAt: now, updatedAt: now } });
        await memory.saveMessages({ messages: s.turns.map((t) => toMessage(s.id, t)) });
      }
    },
    append: async (s, t) => void (await memory.saveMessages({ messages: [toMessage(s, t)] })),
    appendBatch: async (s, ts) => void (await memory.saveMessages({ messages: ts.map((t) => toMessage(s, t)) })),
    // The documented last-N read: newest first page, reversed to chronological; no COUNT(*) (includeTotal false).
    lastK: async (s, k) => (await memory.recall({ threadId: s, perPage: k, includeTotal: false })).messages.length,
    getState: async (s) => Object.keys((await memory.getThreadById({ threadId: s }))?.metadata ?? {}).length,
    // Mastra's own token-budgeted history (messageHistory.maxTokens, its own token estimate); atMaxRemoveTokens 0
    // keeps it to "the newest messages that fit" instead of freeing a further 25% of the budget.
    contextWindow: async (s, budget) => (await memory.recall({ threadId: s, threadConfig: { messageHistory: { maxTokens: budget, atMaxRemoveTokens: 0 } } })).messages.length,
    footprint,
    async teardown() {
      await memory.settled();
      await storage.close();
      await cleanup();
    },
  };
}

const COMMON =
  'Memory.saveMessages (no embedder, no working/observational memory); last K: recall({perPage: K, includeTotal: false}); state: getThreadById (thread metadata); ' +
  'context: recall with messageHistory {maxTokens: budget, atMaxRemoveTokens: 0} (Mastra\'s own token estimate).';

/** Mastra Memory on a libSQL file database. */
export async function mastraLibsql(): Promise<PeerSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'peers-mastra-'));
  const storage = new LibSQLStore({ id: 'peers-libsql', url: `file:${join(dir, 'mastra.db')}` });
  return adapter('Mastra + libsql', `@mastra/libsql 1.23.1, local file (WAL; synchronous FULL, the connection default Mastra keeps: every commit fsyncs the WAL). ${COMMON}`, storage, async () => rmSync(dir, { recursive: true, force: true }), async () => ({ storedBytes: diskBytes(dir), storedWhat: 'SQLite files on disk (db + WAL)' }));
}

/** Mastra Memory on a fresh PostgreSQL database. */
export async function mastraPg(): Promise<PeerSystem> {
  const db = await freshDatabase('sira_peers_mastra');
  const storage = new PostgresStore({ id: 'peers-pg', connectionString: db.url });
  return adapter('Mastra + pg', `@mastra/pg 1.27.1, local PostgreSQL over TCP (synchronous_commit ${db.synchronousCommit}). ${COMMON}`, storage, () => db.drop(), async () => ({ storedBytes: await db.size(), storedWhat: 'pg_database_size' }));
}
