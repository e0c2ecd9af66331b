/**
 * @module bench/peers/mastra-http
 * The peer a gateway would run instead of Sira for the load test: @mastra/memory on @mastra/pg behind a minimal
 * Fastify app with the three routes of the mixed workload, at the same paths as Sira's so the load generators send
 * the same requests unchanged (the bearer key is ignored):
 *  - `POST /v1/sessions/:id/context` `{query, budget_tokens}` → Mastra's own token-budgeted history
 *    (`recall` with `messageHistory: {maxTokens, atMaxRemoveTokens: 0}`), answered as `{messages}`;
 *  - `GET /v1/sessions/:id/turns?last=N` → `recall({perPage: N, includeTotal: false})`, as `{turns}`;
 *  - `POST /v1/sessions/:id/turns` `{turns: [{role, content, metadata}]}` → `saveMessages`, 201 `{turns}`.
 * Run as a child process (`node bench/peers/mastra-http.ts`, env MASTRA_PG_URL and PORT, 0 = any): it prints one
 * line `{"url": …}` on stdout once it listens, and closes on SIGTERM. `preloadMastra` fills the database.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Memory } from '@mastra/memory';
import { PostgresStore } from '@mastra/pg';
import type { MastraDBMessage } from '@mastra/core/agent/message-list';

const RESOURCE = 'bench-user';

/** A turn as the load test sends it (Sira's wire form: text content, or parts with a tool call). */
interface WireTurn {
  role: string;
  content: string | { type: string; text?: string; id?: string; name?: string; arguments?: string }[];
  metadata?: Record<string, unknown> | null;
}

let lastMs = 0;
/** Mastra orders a thread by createdAt: distinct, increasing times, as its MessageList gives them. */
const nextDate = (): Date => new Date((lastMs = Math.max(Date.now(), lastMs + 1)));

/** The Mastra message for a turn of the load test. */
export function toMastraMessage(thread: string, t: WireTurn): MastraDBMessage {
  const parts: MastraDBMessage['content']['parts'] =
    typeof t.content === 'string'
      ? [{ type: 'text', text: t.content }]
      : t.content.map((p) =>
          p.type === 'tool_call'
            ? { type: 'tool-invocation', toolInvocation: { state: 'call', toolCallId: p.id ?? '', toolName: p.name ?? '', args: JSON.parse(p.arguments ?? '{}') as unknown } }
            : { type: 'text', text: p.text ?? '' },
        );
  return {
    id: randomUUID(),
    role: t.role === 'assistant' ? 'assistant' : 'user',
    createdAt: nextDate(),
    threadId: thread,
    resourceId: RESOURCE,
    content: { format: 2, parts, ...(t.metadata ? { metadata: t.metadata } : {}) },
  };
}

/** Open Mastra Memory on the database at `url` (tables created when missing). */
export async function openMastra(url: string): Promise<{ memory: Memory; close: () => Promise<void> }> {
  const storage = new PostgresStore({ id: 'loadtest-pg', connectionString: url });
  await storage.init();
  const memory = new Memory({ storage });
  return {
    memory,
    close: async () => {
      await memory.settled();
      await storage.close();
    },
  };
}

/** Create sessions `ids` with `turnsOf(id)` each, `concurrency` at a time (not timed by the load test). */
export async function preloadMastra(url: string, ids: readonly string[], turnsOf: (id: string) => WireTurn[], concurrency = 8): Promise<void> {
  const { memory, close } = await openMastra(url);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          const now = new Date();
          await memory.saveThread({ thread: { id, resourceId: RESOURCE, title: id, metadata: {}, createdAt: now, updatedAt: now } });
          await memory.saveMessages({ messages: turnsOf(id).map((t) => toMastraMessage(id, t)) });
        }
      }),
    );
  } finally {
    await close();
  }
}

async function serve(): Promise<void> {
  const url = process.env.MASTRA_PG_URL;
  if (url === undefined) throw new Error('MASTRA_PG_URL is required');
  const { memory, close } = await openMastra(url);
  const app = Fastify({ logger: false });
  app.post<{ Params: { id: string }; Body: { query?: string; budget_tokens?: number } }>('/v1/sessions/:id/context', async (request) => {
    const { messages } = await memory.recall({
      threadId: request.params.id,
      threadConfig: { messageHistory: { maxTokens: request.body.budget_tokens ?? 2000, atMaxRemoveTokens: 0 } },
    } as never);
    return { messages };
  });
  app.get<{ Params: { id: string }; Querystring: { last?: string } }>('/v1/sessions/:id/turns', async (request) => {
    const { messages } = await memory.recall({ threadId: request.params.id, perPage: Number(request.query.last ?? 20), includeTotal: false } as never);
    return { turns: messages, next_cursor: null };
  });
  app.post<{ Params: { id: string }; Body: { turns: WireTurn[] } }>('/v1/sessions/:id/turns', async (request, reply) => {
    const messages = request.body.turns.map((t) => toMastraMessage(request.params.id, t));
    await memory.saveMessages({ messages });
    return reply.code(201).send({ turns: messages });
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
  process.stdout.write(`${JSON.stringify({ url: address })}\n`);
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(close)
      .then(() => process.exit(0));
  });
}

if (import.meta.main) await serve();

/** A running peer server (a child process). */
export interface MastraServer {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Start this module as a server on the database at `url`; resolves once it listens. */
export async function startMastraHttp(url: string): Promise<MastraServer> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--max-old-space-size=768', new URL(import.meta.url).pathname], {
    env: { ...process.env, MASTRA_PG_URL: url, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`the Mastra server exited with ${code} before it listened`)));
  });
  return {
    url: address,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
