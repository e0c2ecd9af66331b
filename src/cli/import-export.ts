/**
 * @module cli/import-export
 * What `sira-session import` and `export` run: the format (our `sira-export` lines, OpenAI chat logs, ShareGPT;
 * detected from the first record on import), a progress bar on stderr, and resumable imports — `--resume` keeps a
 * checkpoint file (`<file>.checkpoint.json`: the last line whose session is complete) and a re-run after a crash
 * skips what was done and completes the session that was cut (its missing turns are appended, nothing twice).
 */
import { closeSync, createReadStream, existsSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { siraError } from '../core/errors.ts';
import type { NewTurn } from '../core/types.ts';
import type { Store } from '../storage/store.ts';
import { detectFormat, fromOpenAi, fromShareGpt, toOpenAi, toShareGpt, type ChatFormat, type TransferFormat } from './formats.ts';
import { Progress, type ProgressOut } from './progress.ts';
import { exportTenant, importLines, type TransferReport } from './transfer.ts';

/** Options of {@link runImport}. */
export interface ImportOptions {
  /** Target tenant: required for chat logs; for `sira` files the export's own tenant by default. */
  tenant?: string;
  /** The input format. @default detected from the first record */
  format?: TransferFormat;
  /** Keep a checkpoint and continue from it. @default false */
  resume?: boolean;
  /** Ids for records without a valid `id`: `<idPrefix><line number>`. @default 'import-' */
  idPrefix?: string;
  /** Where the progress bar goes (stderr). */
  progress?: ProgressOut;
}

const APPEND_CHUNK = 1000;

/** Lines of `path` with their numbers, and how much of the file has been read (0..1). */
function lineReader(path: string): { lines: AsyncIterable<string>; fraction: () => number } {
  const size = statSync(path).size;
  const stream = createReadStream(path, 'utf8');
  return { lines: createInterface({ input: stream, crlfDelay: Infinity }), fraction: () => (size === 0 ? 1 : stream.bytesRead / size) };
}

class Checkpoint {
  readonly path: string;
  line = 0;
  #saved = 0;
  constructor(file: string, resume: boolean) {
    this.path = `${file}.checkpoint.json`;
    if (resume && existsSync(this.path)) this.line = (JSON.parse(readFileSync(this.path, 'utf8')) as { line: number }).line;
  }
  /** Record that everything up to `line` is imported; written at most once a second (and by `flush`). */
  advance(line: number, force = false): void {
    this.line = line;
    const now = Date.now();
    if (!force && now - this.#saved < 1000) return;
    this.#saved = now;
    writeFileSync(`${this.path}.tmp`, JSON.stringify({ line }));
    renameSync(`${this.path}.tmp`, this.path);
  }
  done(): void {
    rmSync(this.path, { force: true });
  }
}

/** Import `path` into `store`; returns what was done. A finished resumable import removes its checkpoint. */
export async function runImport(store: Store, path: string, opts: ImportOptions = {}): Promise<TransferReport & { tenant: string; format: TransferFormat }> {
  if (path === '-') throw siraError('SIRA_ERR_REQUEST_INVALID', 'import reads a file (a checkpoint and a progress bar need one): give --file PATH');
  const head = readHead(path);
  const format = opts.format ?? (head.records !== undefined ? arrayFormat(head.first) : head.first === undefined ? undefined : detectFormat(head.first));
  if (format === undefined) throw siraError('SIRA_ERR_REQUEST_INVALID', 'import: not a sira-export, OpenAI chat log or ShareGPT file (say which with --format)');
  const checkpoint = new Checkpoint(path, opts.resume === true);
  const progress = new Progress(opts.progress ?? { write: () => true }, 'turns');
  let report: TransferReport & { tenant: string };
  if (format === 'sira') {
    const reader = lineReader(path);
    report = await importLines(store, reader.lines, opts.tenant, Date.now(), {
      skipLines: checkpoint.line,
      resume: opts.resume === true,
      onProgress: (e) => {
        progress.tick(e.turns, reader.fraction());
        if (e.sessionDone && opts.resume === true) checkpoint.advance(e.line);
      },
    });
  } else {
    if (opts.tenant === undefined) throw siraError('SIRA_ERR_REQUEST_INVALID', `import of a ${format} log needs --tenant`);
    // A JSON-array file was parsed whole by readHead; a JSON-lines file streams.
    const reader = head.records === undefined ? lineReader(path) : undefined;
    const records = reader === undefined ? arrayRecords(head.records!) : jsonLines(reader.lines);
    report = await importChat(store, records, format, opts.tenant, { ...opts, skipLines: checkpoint.line }, (line, turns) => {
      progress.tick(turns, reader?.fraction());
      if (opts.resume === true) checkpoint.advance(line);
    });
  }
  progress.finish();
  if (opts.resume === true) checkpoint.done();
  return { ...report, format };
}

/** The first record of `path`; for a JSON-array file the whole parsed array too (read once, iterated later). */
function readHead(path: string): { first: Record<string, unknown> | undefined; records?: Record<string, unknown>[] } {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(1 << 20);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  const trimmed = buf.subarray(0, n).toString('utf8').trimStart();
  if (trimmed.startsWith('[')) {
    const all = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>[];
    return { first: all[0], records: all };
  }
  const line = trimmed.split('\n', 1)[0] ?? '';
  try {
    return { first: line === '' ? undefined : (JSON.parse(line) as Record<string, unknown>) };
  } catch {
    throw siraError('SIRA_ERR_REQUEST_INVALID', 'import line 1: not JSON');
  }
}

function arrayFormat(first: Record<string, unknown> | undefined): TransferFormat | undefined {
  const f = first === undefined ? undefined : detectFormat(first);
  return f === 'sira' ? undefined : f;
}

async function* jsonLines(lines: AsyncIterable<string>): AsyncGenerator<{ line: number; record: Record<string, unknown> }> {
  let line = 0;
  for await (const raw of lines) {
    line++;
    if (raw.trim() === '') continue;
    try {
      yield { line, record: JSON.parse(raw) as Record<string, unknown> };
    } catch {
      throw siraError('SIRA_ERR_REQUEST_INVALID', `import line ${line}: not JSON`);
    }
  }
}

async function* arrayRecords(all: readonly Record<string, unknown>[]): AsyncGenerator<{ line: number; record: Record<string, unknown> }> {
  for (let i = 0; i < all.length; i++) yield { line: i + 1, record: all[i]! };
}

async function importChat(
  store: Store,
  records: AsyncIterable<{ line: number; record: Record<string, unknown> }>,
  format: ChatFormat,
  tenant: string,
  opts: ImportOptions & { skipLines: number },
  onDone: (line: number, turns: number) => void,
): Promise<TransferReport & { tenant: string }> {
  const report = { sessions: 0, turns: 0, tensors: 0, skipped: [] as string[], tenant };
  const prefix = opts.idPrefix ?? 'import-';
  for await (const { line, record } of records) {
    if (line <= opts.skipLines) continue;
    let conv;
    try {
      conv = format === 'openai' ? fromOpenAi(record, `${prefix}${line}`) : fromShareGpt(record, `${prefix}${line}`);
    } catch (err) {
      throw siraError('SIRA_ERR_REQUEST_INVALID', `import record ${line}: ${(err as Error).message}`);
    }
    const existing = await store.getSession(tenant, conv.id);
    let from = 0;
    if (existing !== undefined) {
      // A resumed run completes a conversation that was cut between two chunks; otherwise an existing id is skipped.
      if (opts.resume !== true || existing.turn_count >= conv.turns.length) {
        if (opts.resume !== true) report.skipped.push(conv.id);
        onDone(line, 0);
        continue;
      }
      from = existing.turn_count;
    } else {
      await store.createSession(tenant, { id: conv.id, metadata: conv.metadata });
    }
    for (let i = from; i < conv.turns.length; i += APPEND_CHUNK) {
      const chunk: NewTurn[] = conv.turns.slice(i, i + APPEND_CHUNK);
      await store.appendTurns(tenant, conv.id, chunk);
    }
    report.sessions++;
    report.turns += conv.turns.length - from;
    onDone(line, conv.turns.length - from);
  }
  return report;
}

/** Export the tenant's sessions (all, or `only`) to `out` in `format`, with a progress bar on `progress`. */
export async function runExport(store: Store, tenant: string, out: Writable, format: TransferFormat = 'sira', only?: string[], progress?: ProgressOut): Promise<TransferReport> {
  const bar = new Progress(progress ?? { write: () => true }, 'sessions');
  if (format === 'sira') {
    const r = await exportTenant(store, tenant, out, only, Date.now(), () => bar.tick(1));
    bar.finish();
    return r;
  }
  const report: TransferReport = { sessions: 0, turns: 0, tensors: 0, skipped: [] };
  const ids = only ?? (await allSessionIds(store, tenant));
  bar.setTotal(ids.length);
  const render = format === 'openai' ? toOpenAi : toShareGpt;
  for (const id of ids) {
    const session = await store.getSession(tenant, id);
    if (session === undefined) {
      report.skipped.push(id);
      continue;
    }
    const turns = [];
    for (let after = 0; ; ) {
      const page = (await store.getTurns(tenant, id, { after_seq: after, limit: 1000 })) ?? [];
      if (page.length === 0) break;
      turns.push(...page);
      after = page.at(-1)!.seq;
    }
    if (!out.write(`${JSON.stringify(render(session, turns))}\n`)) await new Promise((r) => out.once('drain', r));
    report.sessions++;
    report.turns += turns.length;
    bar.tick(1);
  }
  bar.finish();
  return report;
}

async function allSessionIds(store: Store, tenant: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listSessions(tenant, { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
    ids.push(...page.items.map((s) => s.id));
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
  return ids;
}
