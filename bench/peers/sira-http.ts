/**
 * @module bench/peers/sira-http
 * Sira Session over HTTP: the real service (the package's bin, embedded LMDB, sync os, auth on) started in a child
 * process by bench/lib/server.ts, called from this process with node:http and a keep-alive agent (one client,
 * one request at a time, loopback).
 */
import { Agent, request } from 'node:http';
import type { NewTurn, Part } from '../../src/core/types.ts';
import { diskBytes, processRss } from '../lib/footprint.ts';
import { startServer } from '../lib/server.ts';
import { partsChars, recencyWindow, type PeerSystem, type SeedSession } from './adapter.ts';

interface WireTurn {
  content: string | Part[];
}

const wire = (t: NewTurn) => ({ role: t.role, content: t.parts.length === 1 && t.parts[0]!.type === 'text' ? t.parts[0]!.text : t.parts, metadata: t.metadata ?? null });
const wireChars = (t: WireTurn): number => (typeof t.content === 'string' ? t.content.length : partsChars(t.content));

const optional = (rss: number | undefined) => (rss === undefined ? {} : { processRss: rss });

/** Start the service and return its adapter. */
export async function siraHttp(): Promise<PeerSystem> {
  const srv = await startServer();
  // If the benchmark dies before teardown, do not leave the service running.
  const killServer = () => void srv.child.kill('SIGKILL');
  process.once('exit', killServer);
  // A service that dies mid-run says how (a bare EPIPE on the next request does not).
  let stopping = false;
  srv.child.once('exit', (code, signal) => {
    if (!stopping) console.error(`sira-http: the service exited during the run (code ${code}, signal ${signal})`);
  });
  const url = new URL(srv.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const auth = `Bearer ${srv.key}`;
  // `retried`: a request that failed on a reused keep-alive socket before any response (the server had closed it
  // while idle: EPIPE / ECONNRESET) is sent once more on a fresh socket, as Node's http docs advise; the server
  // never saw the first attempt. Seen while other systems loaded for minutes between two calls.
  const call = (method: string, path: string, body?: unknown, retried = false): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string | number> = { authorization: auth };
      if (data !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(data);
      }
      const req = request({ host: url.hostname, port: url.port, path, method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`));
          else resolve({ status: res.statusCode!, text });
        });
        res.on('error', reject);
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (!retried && req.reusedSocket && (e.code === 'EPIPE' || e.code === 'ECONNRESET')) call(method, path, body, true).then(resolve, reject);
        else reject(e);
      });
      req.end(data);
    });
  const newest = async (s: string, k: number): Promise<WireTurn[]> => (JSON.parse((await call('GET', `/v1/sessions/${s}/turns?last=${k}`)).text) as { turns: WireTurn[] }).turns;
  return {
    name: 'Sira over HTTP',
    notes:
      'The service as users start it (bin, embedded LMDB, sync os, auth on, V8 heap capped as npm start does) in a child process; node:http keep-alive client on loopback. ' +
      'State: GET /v1/sessions/:id/state. Context: recency over GET /turns?last=k (client side, 4-chars/token estimate, the same rule as the peers; the context route is measured in loadtest).',
    async setup(sessions: readonly SeedSession[]) {
      for (const s of sessions) {
        await call('POST', '/v1/sessions', { id: s.id });
        await call('POST', `/v1/sessions/${s.id}/turns`, { turns: s.turns.map(wire) });
        await call('PUT', `/v1/sessions/${s.id}/state`, s.state);
      }
    },
    append: async (s, turn) => void (await call('POST', `/v1/sessions/${s}/turns`, { turns: [wire(turn)] })),
    appendBatch: async (s, turns) => void (await call('POST', `/v1/sessions/${s}/turns`, { turns: turns.map(wire) })),
    lastK: async (s, k) => (await newest(s, k)).length,
    getState: async (s) => (await call('GET', `/v1/sessions/${s}/state`)).text.length,
    contextWindow: (s, budget) => recencyWindow((k) => newest(s, k), budget, wireChars),
    footprint: async () => ({ storedBytes: diskBytes(srv.dataDir), storedWhat: 'LMDB files on disk', ...optional(processRss(srv.child.pid)) }),
    async teardown() {
      stopping = true;
      agent.destroy();
      process.off('exit', killServer);
      await srv.stop();
    },
  };
}
