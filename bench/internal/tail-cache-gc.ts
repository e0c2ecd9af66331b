/**
 * @module bench/internal/tail-cache-gc
 * A/B of the tail cache's form, through the real LmdbStore of two trees: `records` (this tree: the cache holds the
 * store's encoded turn records, decoded on read) against `objects` (commit BASE, by default c35925d, the last with
 * the cache holding frozen decoded turns; its `src/` and `data/zstd` are unpacked with `git archive` under
 * bench/.work/). Each variant runs in a fresh child process (same Node flags as `npm start`, same seed): S sessions
 * pre-filled with P corpus turns, then N operations on uniformly random sessions — 30% single-turn appends, 70%
 * reads of the last 20 turns serialised as the HTTP route does (api/wire of the same tree) — timed one by one, with
 * CPU time, and every GC pause from a `perf_hooks` PerformanceObserver ('gc'), by kind.
 * Usage: node bench/internal/tail-cache-gc.ts [N=200000] [S=50000] [P=20]   (BASE=<commit>, VARIANTS=objects,records)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { chatTurns } from '../../training/lib/corpus.ts';
import { mulberry32 } from '../../training/lib/rng.ts';
import { quantile } from '../lib/stats.ts';
import type * as LmdbStoreModule from '../../src/storage/lmdb/lmdb-store.ts';
import type * as WireModule from '../../src/api/wire.ts';

const N = Number(process.argv[2] ?? 200_000);
const S = Number(process.argv[3] ?? 50_000);
const P = Number(process.argv[4] ?? 20);
const BASE = process.env.BASE ?? 'c35925d';
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const NODE_FLAGS = ['--max-old-space-size=768'];

interface Result {
  variant: string;
  ops: number;
  cpuUsPerOp: number;
  append: { p50: number; p99: number; max: number };
  read: { p50: number; p99: number; max: number };
  gc: Record<string, { count: number; totalMs: number; maxMs: number }>;
  heapUsedMiB: number;
  arrayBuffersMiB: number;
  rssMiB: number;
  cacheMiB: number;
  hitRate: number;
}

/** The tree a variant runs: this one, or BASE unpacked under bench/.work (node_modules resolve from the repo root). */
function treeOf(variant: string): string {
  if (variant === 'records') return ROOT;
  const dir = join(ROOT, 'bench', '.work', `ab-${BASE}`);
  if (!existsSync(join(dir, 'src'))) {
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['-C', ROOT, 'archive', BASE, 'src', 'data/zstd'], { maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
  }
  return dir;
}

const GC_KIND: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};

async function child(variant: string): Promise<Result> {
  const tree = treeOf(variant);
  const { LmdbStore } = (await import(join(tree, 'src/storage/lmdb/lmdb-store.ts'))) as typeof LmdbStoreModule;
  const { turnsResponseJson } = (await import(join(tree, 'src/api/wire.ts'))) as typeof WireModule;
  const dir = mkdtempSync(join(tmpdir(), 'tcgc-'));
  const store = await LmdbStore.open({ path: dir, sync: 'os' });
  const corpus = chatTurns(11, 'test');
  const turn = () => {
    const t = corpus.next();
    return { role: t.role, parts: t.parts, name: null, agent_id: null, metadata: t.metadata ?? null, importance: null, pinned: false };
  };
  const ids = Array.from({ length: S }, (_, i) => `s${i}`);
  for (const id of ids) {
    await store.createSession('t', { id, user_id: null, agent_id: null, metadata: {}, ttl_seconds: null } as never);
    await store.appendTurns('t', id, Array.from({ length: P }, turn) as never);
  }
  // Cold start for both: the pre-fill's appends put the newest sessions in the cache; reads decide what stays.
  const rng = mulberry32(5);
  const appendMs: number[] = [];
  const readMs: number[] = [];
  const gc: Result['gc'] = {};
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KIND[(e as unknown as { detail: { kind: number } }).detail.kind] ?? 'other';
      const g = (gc[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
      g.count++;
      g.totalMs += e.duration;
      g.maxMs = Math.max(g.maxMs, e.duration);
    }
  });
  const cache = store.tailCache!;
  const [h0, m0] = [cache.hits, cache.misses];
  obs.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const id = ids[Math.floor(rng() * S)]!;
    const t0 = performance.now();
    if (rng() < 0.3) {
      await store.appendTurns('t', id, [turn()] as never);
      appendMs.push(performance.now() - t0);
    } else {
      const turns = (await store.getTurns('t', id, { last: 20 }))!;
      if (turnsResponseJson(turns, null).length === 0) throw new Error('empty response');
      readMs.push(performance.now() - t0);
    }
  }
  const cpu = process.cpuUsage(cpu0);
  await new Promise((r) => setTimeout(r, 50)); // let the observer deliver the last entries
  obs.disconnect();
  const mem = process.memoryUsage();
  const sum = (xs: number[]) => {
    xs.sort((a, b) => a - b);
    return { p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: xs.at(-1) ?? 0 };
  };
  const result: Result = {
    variant,
    ops: N,
    cpuUsPerOp: (cpu.user + cpu.system) / N,
    append: sum(appendMs),
    read: sum(readMs),
    gc,
    heapUsedMiB: mem.heapUsed / 2 ** 20,
    arrayBuffersMiB: mem.arrayBuffers / 2 ** 20,
    rssMiB: mem.rss / 2 ** 20,
    cacheMiB: cache.bytes / 2 ** 20,
    hitRate: (cache.hits - h0) / Math.max(1, cache.hits - h0 + cache.misses - m0),
  };
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

function report(results: Result[]): void {
  const f = (x: number, d = 3) => x.toFixed(d);
  console.log(`tail cache A/B: ${N} ops (30% append, 70% last-20 read + JSON) on ${S} sessions × ${P} turns, Node ${process.version}, ${NODE_FLAGS.join(' ')}`);
  console.log('| variant | CPU µs/op | append p50 / p99 / max ms | read p50 / p99 / max ms | scavenges: n / total / max ms | mark-compact: n / total / max ms | heap used / array buffers / RSS MiB | cache MiB, hit rate |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const g = (k: string) => {
      const x = r.gc[k] ?? { count: 0, totalMs: 0, maxMs: 0 };
      return `${x.count} / ${f(x.totalMs, 0)} / ${f(x.maxMs, 1)}`;
    };
    console.log(
      `| ${r.variant} | ${f(r.cpuUsPerOp, 1)} | ${f(r.append.p50)} / ${f(r.append.p99)} / ${f(r.append.max, 1)} | ${f(r.read.p50)} / ${f(r.read.p99)} / ${f(r.read.max, 1)} | ${g('scavenge')} | ${g('mark-compact')} | ${f(r.heapUsedMiB, 0)} / ${f(r.arrayBuffersMiB, 0)} / ${f(r.rssMiB, 0)} | ${f(r.cacheMiB, 1)}, ${f(r.hitRate * 100, 1)}% |`,
    );
  }
}

if (process.env.AB_VARIANT !== undefined) {
  process.stdout.write(`${JSON.stringify(await child(process.env.AB_VARIANT))}\n`);
} else {
  const results: Result[] = [];
  for (const variant of (process.env.VARIANTS ?? 'objects,records').split(',')) {
    const script = fileURLToPath(import.meta.url);
    const r = spawnSync(process.execPath, [...NODE_FLAGS, script, ...process.argv.slice(2)], {
      env: { ...process.env, AB_VARIANT: variant },
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`variant ${variant} exited ${r.status}`);
    results.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Result);
  }
  report(results);
}
