/**
 * @module cli/transfer
 * `sira-session export | import | inspect`: move a tenant's sessions between stores (LMDB ↔ Redis, machine to
 * machine) as JSON lines, and look inside a store. Works on the Store contract, so every backend reads and writes
 * the same format.
 *
 * Format (`sira-export` v1), one JSON object per line:
 *   {"format":"sira-export","version":1,"tenant":T,"exported_at":ISO}
 *   {"session":{…Session}}                      then, for that session:
 *   {"state":{version,value,updated_at}}
 *   {"turns":[…Turn]}                            chunks of ≤ 500, ascending seq
 *   {"tensor":{name,dtype,shape,data}}           data base64 (service-owned `_…` tensors included)
 *   {"end":{"session":ID,"turns":N}}             the session is complete
 * Import re-creates each session with its id, user, agent, metadata and remaining TTL, appends its turns in order
 * (dense seqs, so they come back with the same seqs when the export held them all) and writes state and tensors.
 * The store assigns new write times: turns' `created_at` become the import time, `state.version` restarts at 1.
 * A session that already exists in the target is skipped (reported), never overwritten.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { siraError } from '../core/errors.ts';
import type { DType, JsonObject, Session, StateRecord, Turn } from '../core/types.ts';
import type { Store } from '../storage/store.ts';

const CHUNK = 500;

/** What an export or import did. */
export interface TransferReport {
  sessions: number;
  turns: number;
  tensors: number;
  skipped: string[];
}

async function writeLine(out: Writable, obj: unknown): Promise<void> {
  if (!out.write(`${JSON.stringify(obj)}\n`)) await once(out, 'drain');
}

/** Write the tenant's sessions (all, or `only`) to `out` as `sira-export` v1 lines. */
export async function exportTenant(store: Store, tenant: string, out: Writable, only?: string[], now = Date.now(), onSession?: () => void): Promise<TransferReport> {
  const report: TransferReport = { sessions: 0, turns: 0, tensors: 0, skipped: [] };
  await writeLine(out, { format: 'sira-export', version: 1, tenant, exported_at: new Date(now).toISOString() });
  const ids: string[] = [];
  if (only !== undefined) ids.push(...only);
  else {
    let cursor: string | undefined;
    do {
      const page = await store.listSessions(tenant, { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
      ids.push(...page.items.map((s) => s.id));
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined);
  }
  for (const id of ids) {
    const session = await store.getSession(tenant, id);
    if (session === undefined) {
      report.skipped.push(id);
      continue;
    }
    await writeLine(out, { session });
    const state = await store.getState(tenant, id);
    if (state !== undefined && state.version > 0) await writeLine(out, { state });
    let after = 0;
    let n = 0;
    for (;;) {
      const turns = await store.getTurns(tenant, id, { after_seq: after, limit: CHUNK });
      if (turns === undefined || turns.length === 0) break;
      await writeLine(out, { turns });
      n += turns.length;
      after = turns.at(-1)!.seq;
    }
    for (const info of (await store.listTensors(tenant, id)) ?? []) {
      const t = await store.getTensor(tenant, id, info.name);
      if (t === undefined) continue;
      await writeLine(out, { tensor: { name: info.name, dtype: t.dtype, shape: t.shape, data: Buffer.from(t.data).toString('base64') } });
      report.tensors++;
    }
    await writeLine(out, { end: { session: id, turns: n } });
    onSession?.();
    report.sessions++;
    report.turns += n;
  }
  return report;
}

/** How {@link importLines} resumes and reports. */
export interface ImportLinesOptions {
  /** Lines already imported by an earlier run (from its checkpoint): skipped, the header excepted. */
  skipLines?: number;
  /** An earlier run was cut: a session that exists already is continued (its missing turns appended), not skipped. */
  resume?: boolean;
  /** Called after each complete session with the number of the line that ended it, and per turns chunk. */
  onProgress?: (event: { line: number; turns: number; sessionDone: boolean }) => void;
}

/** Read `sira-export` v1 lines and re-create the sessions under `tenant` (default: the export's own tenant). */
export async function importLines(store: Store, lines: AsyncIterable<string>, tenantOverride?: string, now = Date.now(), opts: ImportLinesOptions = {}): Promise<TransferReport & { tenant: string }> {
  const report = { sessions: 0, turns: 0, tensors: 0, skipped: [] as string[], tenant: '' };
  let tenant: string | undefined;
  let current: Session | undefined;
  let skipping = false;
  let lineNo = 0;
  // Resuming a session cut mid-way: its turns up to this seq are in the store already.
  let haveSeq = 0;
  const bad = (why: string) => siraError('SIRA_ERR_REQUEST_INVALID', `import line ${lineNo}: ${why}`);
  for await (const raw of lines) {
    lineNo++;
    if (raw.trim() === '') continue;
    if (tenant !== undefined && lineNo <= (opts.skipLines ?? 0)) continue;
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw bad('not JSON');
    }
    if (tenant === undefined) {
      if (obj.format !== 'sira-export' || obj.version !== 1 || typeof obj.tenant !== 'string') throw bad('not a sira-export v1 header');
      tenant = tenantOverride ?? obj.tenant;
      report.tenant = tenant;
      continue;
    }
    if ('session' in obj) {
      const s = obj.session as Session;
      const ttl = s.expires_at === null ? null : Math.max(1, Math.ceil((s.expires_at - now) / 1000));
      if (s.expires_at !== null && s.expires_at <= now) {
        report.skipped.push(s.id);
        skipping = true;
        current = undefined;
        continue;
      }
      const existing = await store.getSession(tenant, s.id);
      if (existing !== undefined && opts.resume === true) {
        current = existing;
        haveSeq = existing.turn_count;
        skipping = false;
        continue;
      }
      if (existing !== undefined) {
        report.skipped.push(s.id);
        skipping = true;
        current = undefined;
        continue;
      }
      haveSeq = 0;
      current = await store.createSession(tenant, { id: s.id, user_id: s.user_id, agent_id: s.agent_id, metadata: s.metadata, ttl_seconds: s.ttl_seconds === null ? null : Math.min(s.ttl_seconds, ttl!) });
      skipping = false;
      continue;
    }
    if (skipping) continue;
    if (current === undefined) throw bad('data before any session line');
    if ('state' in obj) {
      await store.putState(tenant, current.id, (obj.state as StateRecord).value as JsonObject);
    } else if ('turns' in obj) {
      const turns = (obj.turns as Turn[]).filter((t) => t.seq > haveSeq);
      if (turns.length > 0) {
        await store.appendTurns(
          tenant,
          current.id,
          turns.map((t) => ({ role: t.role, parts: t.parts, name: t.name, agent_id: t.agent_id, metadata: t.metadata, importance: t.importance, pinned: t.pinned })),
        );
      }
      report.turns += turns.length;
      opts.onProgress?.({ line: lineNo, turns: turns.length, sessionDone: false });
    } else if ('tensor' in obj) {
      const t = obj.tensor as { name: string; dtype: DType; shape: number[]; data: string };
      await store.putTensor(tenant, current.id, t.name, { dtype: t.dtype, shape: t.shape, data: new Uint8Array(Buffer.from(t.data, 'base64')) });
      report.tensors++;
    } else if ('end' in obj) {
      report.sessions++;
      current = undefined;
      opts.onProgress?.({ line: lineNo, turns: 0, sessionDone: true });
    } else throw bad('unknown line kind');
  }
  if (tenant === undefined) throw siraError('SIRA_ERR_REQUEST_INVALID', 'import: empty input');
  return report;
}

/** Lines of a file (or stdin for `-`). */
export function readLines(path: string): AsyncIterable<string> {
  return createInterface({ input: path === '-' ? process.stdin : createReadStream(path, 'utf8'), crlfDelay: Infinity });
}

/** A writable for a file (or stdout for `-`), and how to finish it. */
export function openOut(path: string): { out: Writable; done: () => Promise<void> } {
  if (path === '-') return { out: process.stdout, done: async () => {} };
  const out = createWriteStream(path);
  return {
    out,
    done: () =>
      new Promise<void>((resolve, reject) => {
        out.end((err?: Error | null) => (err ? reject(err) : resolve()));
      }),
  };
}

/** What `inspect` prints: store counters, or one session in detail. */
export async function inspect(store: Store, tenant: string | undefined, sessionId: string | undefined): Promise<Record<string, unknown>> {
  if (tenant === undefined || sessionId === undefined) {
    const stats = await store.stats();
    const out: Record<string, unknown> = { store: store.kind, ...stats };
    if (tenant !== undefined) {
      let n = 0;
      let cursor: string | undefined;
      do {
        const page = await store.listSessions(tenant, { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
        n += page.items.length;
        cursor = page.cursor ?? undefined;
      } while (cursor !== undefined);
      out.tenant = { id: tenant, sessions: n };
    }
    return out;
  }
  const s = await store.getSession(tenant, sessionId);
  if (s === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND', `no live session ${sessionId} for tenant ${tenant}`);
  const last = (await store.getTurns(tenant, sessionId, { last: 3 })) ?? [];
  const tensors = (await store.listTensors(tenant, sessionId)) ?? [];
  // A trimmed log (SIRA_ERR_EVENTS_GAP) only means inspect shows no first event.
  const events = await store.readEvents(tenant, sessionId, 0, 1).catch(() => undefined);
  return {
    session: s,
    tensors: tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, bytes: t.byte_length })),
    last_turns: last.map((t) => ({ seq: t.seq, role: t.role, created_at: new Date(t.created_at).toISOString(), parts: t.parts.map((p) => p.type) })),
    last_event_id: events?.last_id ?? null,
  };
}
