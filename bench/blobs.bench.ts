/**
 * Large attachments outside the turn record (issue 16), on the embedded store, in process:
 *  - a BENCH_BLOB_MB (20) MB video blob streamed in (64 KiB pieces) and read back whole and by 1 MiB ranges: MB/s,
 *    on LmdbStore and, unless BENCH_REDIS=off, RedisStore (BENCH_REDIS_URL, default redis://127.0.0.1:6379);
 *  - the stored size of a turn whose video part references that blob (target ≤ 1 KiB);
 *  - "last 20 turns" on three sessions of 100 turns, interleaved op by op: plain text turns; the same turns each
 *    with a video part referencing a blob; the same turns each with a 256 KiB inline image (what clients did before
 *    blobs). Tail cache off, so every read decodes records. Target: the blob session costs no more than plain text.
 * usage: npm run bench -- blobs   (env BENCH_QUICK=1: a 1 MB blob and fewer reads, to check the bench runs)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { systemClock } from '../src/core/clock.ts';
import type { NewTurn, Part } from '../src/core/types.ts';
import { BlobStore } from '../src/storage/blob-store.ts';
import { encodeTurn } from '../src/storage/codec/turn.ts';
import { LmdbStore } from '../src/storage/lmdb/lmdb-store.ts';
import { RedisStore } from '../src/storage/redis/redis-store.ts';
import type { Store } from '../src/storage/store.ts';
import { deleteKeysWithPrefix } from '../test/helpers/redis-cluster.ts';
import { chatTurns } from '../training/lib/corpus.ts';
import { interleaved, type Target } from './lib/ops.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32 } from '../training/lib/rng.ts';
import { ms, now, summary } from './lib/stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const MB = Number(process.env.BENCH_BLOB_MB ?? (QUICK ? 1 : 20));
const TURNS = QUICK ? 30 : 100;
const READS = QUICK ? 200 : 5000;
const RANGE = 1024 * 1024;
const PIECE = 64 * 1024;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function* pieces(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += PIECE) yield bytes.subarray(i, i + PIECE);
}

async function drain(it: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const c of it) n += c.byteLength;
  return n;
}

/** Streamed put, whole read and range reads of one blob: MB/s each. */
async function throughput(name: string, store: Store): Promise<(string | number)[]> {
  const blobs = new BlobStore(store, systemClock, { maxBlobBytes: 2 * MB * 1024 * 1024 + 1 });
  const bytes = new Uint8Array(randomBytes(MB * 1024 * 1024));
  const t0 = now();
  const b = await blobs.put('bench', 'video/mp4', pieces(bytes), bytes.byteLength);
  const put = now() - t0;
  const t1 = now();
  const whole = await drain(blobs.read('bench', b.sha256));
  const read = now() - t1;
  const rng = mulberry32(3);
  const ranges = Math.max(8, MB);
  const t2 = now();
  let rangeBytes = 0;
  for (let i = 0; i < ranges; i++) {
    const start = Math.floor(rng() * (bytes.byteLength - RANGE));
    rangeBytes += await drain(blobs.read('bench', b.sha256, start, start + RANGE));
  }
  const range = now() - t2;
  if (whole !== bytes.byteLength || rangeBytes !== ranges * RANGE) throw new Error('blob read back the wrong number of bytes');
  const mbps = (n: number, msTaken: number) => (n / 1024 / 1024 / (msTaken / 1000)).toFixed(0);
  return [name, MB, mbps(bytes.byteLength, put), mbps(whole, read), mbps(rangeBytes, range)];
}

/** Three sessions of the same turns: plain, with blob-referencing video parts, with inline 256 KiB images. */
async function last20(dir: string): Promise<{ targets: Target[]; close: () => Promise<void> }> {
  const s = await LmdbStore.open({ path: dir, tailCache: false });
  const blob = await new BlobStore(s, systemClock).putBytes('bench', 'video/mp4', new Uint8Array(randomBytes(256 * 1024)));
  const g = chatTurns(11);
  const base = Array.from({ length: TURNS }, () => g.next());
  const image = new Uint8Array(randomBytes(256 * 1024));
  const variants: [string, (t: NewTurn) => Part[]][] = [
    ['plain text turns', (t) => t.parts],
    ['each turn + a video part referencing a blob', (t) => [...t.parts, { type: 'video', mime: 'video/mp4', blob: { sha256: blob.sha256, size: 20_000_000, mime: 'video/mp4' }, caption: 'clip', duration_ms: 60_000 }]],
    ['each turn + a 256 KiB inline image', (t) => [...t.parts, { type: 'image', mime: 'image/png', data: image }]],
  ];
  const targets: Target[] = [];
  for (const [k, [name, parts]] of variants.entries()) {
    await s.createSession('bench', { id: `v${k}` });
    for (const t of base) await s.appendTurns('bench', `v${k}`, [{ ...t, parts: parts(t) }]);
    targets.push({
      name,
      append: async () => {},
      appendBatch: async () => {},
      last20: async () => (await s.getTurns('bench', `v${k}`, { last: 20 }))!.length,
      session: () => s.getSession('bench', `v${k}`),
      close: async () => {},
    });
  }
  return { targets, close: () => s.close() };
}

export async function run(): Promise<void> {
  const data: Record<string, unknown> = { machine: machine(), blob_mb: MB, turns: TURNS, reads: READS };
  const dir = mkdtempSync(join(tmpdir(), 'sira-bench-blobs-'));
  const rows: (string | number)[][] = [];
  const lmdb = await LmdbStore.open({ path: join(dir, 'tp'), tailCache: false });
  rows.push(await throughput('LmdbStore', lmdb));
  await lmdb.close();
  if (process.env.BENCH_REDIS !== 'off') {
    const keyPrefix = `sira-bench-blobs:${randomBytes(4).toString('hex')}:`;
    const redis = await RedisStore.open({ url: REDIS_URL, keyPrefix, tailCache: false });
    rows.push(await throughput('RedisStore', redis));
    await deleteKeysWithPrefix(redis.client, keyPrefix);
    await redis.close();
  }
  const record = encodeTurn({ role: 'user', parts: [{ type: 'text', text: 'here is the demo' }, { type: 'video', mime: 'video/mp4', blob: { sha256: 'a'.repeat(64), size: MB * 1024 * 1024, mime: 'video/mp4' }, width: 1920, height: 1080, duration_ms: 60_000, caption: 'the product demo' }] }, Date.now(), 64).byteLength;
  data.throughput = rows;
  data.turn_record_bytes = record;
  const { targets, close } = await last20(join(dir, 'l20'));
  const reads = await interleaved(targets, (t) => t.last20(0), READS);
  await close();
  rmSync(dir, { recursive: true, force: true });
  const readRows = targets.map((t) => {
    const r = summary(reads[t.name]!);
    data[t.name] = r;
    return [t.name, ms(r.p50), ms(r.p99)];
  });
  writeResult(
    'blobs',
    data,
    [
      `Blobs (issue 16), ${machine()}${QUICK ? ' — QUICK run, not for quoting' : ''}`,
      '',
      table(['store', 'blob MB', 'put MB/s', 'read MB/s', '1 MiB range reads MB/s'], rows),
      '',
      `A turn with a text part and a ${MB} MB video part referencing its blob: ${record} bytes stored.`,
      '',
      table([`last 20 of ${TURNS} turns (LmdbStore, tail cache off)`, 'p50 ms', 'p99 ms'], readRows),
    ].join('\n'),
  );
}
