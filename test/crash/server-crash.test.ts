/**
 * Crash safety through the real service: a `sira-session serve` process is SIGKILLed while clients append over
 * HTTP; restarted on the same data dir, it serves every acknowledged (201) turn at its acknowledged seq and no
 * partial batch. Two kill rounds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Turn } from '../../src/core/types.ts';
import { checkBatches, type Ack } from './check.ts';

const KEY = 'crash-test-key-0123456789';
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'sira-session.js');
const SESSIONS = ['h0', 'h1', 'h2', 'h3'];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function start(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dir, '--log-level', 'silent'], {
    env: { ...process.env, SIRA_BOOTSTRAP_KEY: KEY },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('server exited');
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return { child, url };
    await new Promise((r) => setTimeout(r, 50)); // polling for start-up, not a timing assertion
  }
  throw new Error('server did not start');
}

const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

/** Append from 6 concurrent clients until `acks` batches were acknowledged, then SIGKILL the server. */
async function loadAndKill(url: string, child: ChildProcess, round: number, acks: number): Promise<Ack[]> {
  const seen: Ack[] = [];
  let batch = 0;
  let killed = false;
  const exited = new Promise((r) => child.once('exit', r));
  const client = async (w: number) => {
    while (!killed) {
      const b = `${round}-${batch++}`;
      const n = 1 + (batch % 7);
      const session = SESSIONS[(batch + w) % SESSIONS.length]!;
      const turns = Array.from({ length: n }, (_, i) => ({ role: 'user', content: `b${b}:${i}/${n} ${'payload '.repeat(1 + (i % 5))}` }));
      try {
        const r = await fetch(`${url}/v1/sessions/${session}/turns`, { method: 'POST', headers, body: JSON.stringify({ turns }) });
        if (r.status !== 201) throw new Error(`append answered ${r.status}`);
        const body = (await r.json()) as { turns: { seq: number }[] };
        seen.push({ session, first: body.turns[0]!.seq, n, batch: b });
        if (seen.length >= acks && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      } catch (e) {
        if (!killed) throw e; // after the kill, in-flight requests fail: they were never acknowledged
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, (_, w) => client(w)));
  await exited;
  return seen;
}

async function readAll(url: string, session: string): Promise<Turn[]> {
  const out: Turn[] = [];
  let after = 0;
  for (;;) {
    const r = await fetch(`${url}/v1/sessions/${session}/turns?after_seq=${after}&limit=1000`, { headers });
    const body = (await r.json()) as { turns: { seq: number; role: Turn['role']; content: string }[]; next_cursor: string | null };
    for (const t of body.turns) out.push({ seq: t.seq, role: t.role, parts: [{ type: 'text', text: t.content }], name: null, agent_id: null, metadata: null, created_at: 0, importance: null, pinned: false });
    if (body.next_cursor === null) return out;
    after = Number(body.next_cursor);
  }
}

describe('crash safety of the service (SIGKILL under HTTP write load)', () => {
  // Three server starts and 280 acknowledged batches from 6 writers (each batch's vectors embedded and written too,
  // with the default embedder): 25-31 s on the loaded 2-core machine with or without an embedder, hence its own limit.
  it('every acknowledged turn is served after a restart, and no batch is partial', { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sira-srv-crash-'));
    try {
      let srv = await start(dir);
      for (const id of SESSIONS) {
        const r = await fetch(`${srv.url}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ id }) });
        expect(r.status).toBe(201);
      }
      const acks: Ack[] = [];
      for (const [round, n] of [[1, 200], [2, 80]] as const) {
        acks.push(...(await loadAndKill(srv.url, srv.child, round, n)));
        srv = await start(dir);
      }
      const bySession = new Map<string, Turn[]>();
      for (const id of SESSIONS) bySession.set(id, await readAll(srv.url, id));
      srv.child.kill('SIGTERM');
      checkBatches(bySession, acks);
      expect(acks.length).toBeGreaterThanOrEqual(280);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
