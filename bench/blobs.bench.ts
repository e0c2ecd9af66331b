/**
 * Large attachments outside the turn record (issue 16), in process:
 *  - a BENCH_BLOB_MB (20) MB video blob streamed in (64 KiB pieces) and read back whole and by 1 MiB ranges: MB/s,
 *    on LmdbStore and, unless BENCH_REDIS=off, RedisStore (BENCH_REDIS_URL, default redis://127.0.0.1:6379);
 *  - the same video through the library facade (SiraSession on LMDB): blob streamed in and a turn with a video part
 *    referencing it appended (MB/s of the whole append), then the turn read back and the blob by 1 MiB ranges
 *    (MB/s); the stored size of that turn's record (target ≤ 1 KiB; target ≥ 200 MB/s both ways);
 *  - "last 20 turns" on three sessions of the same 100 turns, interleaved op by op: plain text turns; each with a
 *    video part referencing a blob; each with a 256 KiB inline image (what clients did before blobs). Tail cache
 *    off, so every read decodes records. Medians, p99 and each variant's median over the plain one (target: the
 *    blob variant's ratio ≤ 1, within noise), plus the stored bytes per turn of each variant.
 * usage: npm run bench -- blobs   (env BENCH_QUICK=1: a 1 MB blob and fewer reads, to check the bench runs)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { systemClock } from '../src/core/clock.ts';
import type { NewTurn, Part } from '../src/core/types.ts';
import { SiraSession } from '../src/sira.ts';
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
  return [name, MB, mbps(bytes.byteLength, put), mbps(whole, read), mbps(rangeBytes, range)];
}

const mbps = (n: number, msTaken: number) => (n / 1024 / 1024 / (msTaken / 1000)).toFixed(0);

/**
 * The video through the facade: blob put + turn append, then turn read + range reads of the blob it references.
 * Returns the table row and the stored record size of the turn as read back.
 */
async function facadeVideo(dir: string): Promise<{ row: (string | number)[]; recordBytes: number }> {
  const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent' });
  try {
    const tenant = sira.tenant('bench');
    await tenant.createSession({ id: 'video' });
    // One small append first: the first append of a process pays for warming caches, not for the video.
    await tenant.appendTurns('video', [{ role: 'user', content: 'warm-up' }]);
    const bytes = new Uint8Array(randomBytes(MB * 1024 * 1024));
    const t0 = now();
    const b = await sira.blobs.put('bench', 'video/mp4', pieces(bytes), bytes.byteLength);
    await tenant.appendTurns('video', [
      { role: 'user', content: [{ type: 'text', text: 'here is the demo' }, { type: 'video', mime: 'video/mp4', blob: { sha256: b.sha256, size: b.size, mime: 'video/mp4' }, width: 1920, height: 1080, duration_ms: 60_000, caption: 'the product demo' }] },
    ]);
    const append = now() - t0;
    const t1 = now();
    const [turn] = await tenant.getTurns('video', { last: 1 });
    const video = turn?.parts.find((p) => p.type === 'video');
    if (video?.type !== 'video' || video.blob === undefined) throw new Error('the video turn did not come back with its blob reference');
    let read = 0;
    for (let start = 0; start < video.blob.size; start += RANGE) read += await drain(sira.blobs.read('bench', video.blob.sha256, start, Math.min(start + RANGE, video.blob.size)));
    const back = now() - t1;
    if (read !== bytes.byteLength) throw new Error(`read back ${read} of ${bytes.byteLength} bytes`);
    const recordBytes = encodeTurn(turn!, turn!.created_at, 64).byteLength;
    return { row: ['SiraSession (LMDB): put + append turn / read turn + 1 MiB ranges', MB, mbps(bytes.byteLength, append), mbps(read, back)], recordBytes };
  } finally {
    await sira.close();
  }
}

/** Three sessions of the same turns: plain, with blob-referencing video parts, with inline 256 KiB images. */
async function last20(dir: string): Promise<{ targets: Target[]; recordBytes: Record<string, number>; close: () => Promise<void> }> {
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
  const recordBytes: Record<string, number> = {};
  for (const [k, [name, parts]] of variants.entries()) {
    const sizes = base.map((t) => encodeTurn({ ...t, parts: parts(t) }, Date.now(), 64).byteLength).sort((a, b) => a - b);
    recordBytes[name] = sizes[Math.floor(sizes.length / 2)]!;
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
  return { targets, recordBytes, close: () => s.close() };
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
  const facade = await facadeVideo(join(dir, 'facade'));
  data.throughput = rows;
  data.facade = facade.row;
  data.turn_record_bytes = facade.recordBytes;
  const { targets, recordBytes, close } = await last20(join(dir, 'l20'));
  const reads = await interleaved(targets, (t) => t.last20(0), READS);
  await close();
  rmSync(dir, { recursive: true, force: true });
  const plain = summary(reads[targets[0]!.name]!).p50;
  const readRows = targets.map((t) => {
    const r = summary(reads[t.name]!);
    data[t.name] = { ...r, ratio_p50: r.p50 / plain, record_bytes_p50: recordBytes[t.name] };
    return [t.name, recordBytes[t.name]!, ms(r.p50), ms(r.p99), (r.p50 / plain).toFixed(2)];
  });
  writeResult(
    'blobs',
    data,
    [
      `Blobs (issue 16), ${machine()}${QUICK ? ' — QUICK run, not for quoting' : ''}`,
      '',
      table(['store', 'blob MB', 'put MB/s', 'read MB/s', '1 MiB range reads MB/s'], rows),
      '',
      table(['path', 'video MB', 'append MB/s', 'read back MB/s'], [facade.row]),
      '',
      `The appended turn (a text part and a ${MB} MB video part referencing its blob), as read back: ${facade.recordBytes} bytes stored.`,
      '',
      table([`last 20 of ${TURNS} turns (LmdbStore, tail cache off, ${READS} reads each, interleaved)`, 'stored bytes/turn (median)', 'p50 ms', 'p99 ms', 'p50 / plain p50'], readRows),
    ].join('\n'),
  );
}
