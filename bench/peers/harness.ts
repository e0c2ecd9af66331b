/**
 * @module bench/peers/harness
 * What the peer benchmarks share: opening the systems (each one that cannot start is reported with its reason,
 * not silently dropped), interleaving an operation across them, and summarising rounds.
 */
import { quantile } from '../lib/stats.ts';
import type { PeerSystem } from './adapter.ts';

/** A system that could not be opened, and why. */
export interface Skipped {
  name: string;
  reason: string;
}

/** The systems in report order: Sira first, then the peers, then the floors. */
export const SYSTEM_FACTORIES: readonly { key: string; name: string; open: () => Promise<PeerSystem> }[] = [
  { key: 'sira', name: 'Sira in-process', open: async () => (await import('./sira.ts')).siraInProcess() },
  { key: 'sira-always', name: 'Sira in-process, sync always', open: async () => (await import('./sira.ts')).siraInProcess({ sync: 'always' }) },
  { key: 'sira-cold', name: 'Sira in-process, tail cache off', open: async () => (await import('./sira.ts')).siraInProcess({ tailCache: false }) },
  { key: 'sira-http', name: 'Sira over HTTP', open: async () => (await import('./sira-http.ts')).siraHttp() },
  { key: 'mastra-libsql', name: 'Mastra + libsql', open: async () => (await import('./mastra.ts')).mastraLibsql() },
  { key: 'mastra-pg', name: 'Mastra + pg', open: async () => (await import('./mastra.ts')).mastraPg() },
  { key: 'langgraph-sqlite', name: 'LangGraph + sqlite', open: async () => (await import('./langgraph.ts')).langGraphSqlite() },
  { key: 'langgraph-pg', name: 'LangGraph + pg', open: async () => (await import('./langgraph.ts')).langGraphPg() },
  { key: 'raw-lmdb', name: 'raw lmdb (floor)', open: async () => (await import('./raw-lmdb.ts')).rawLmdb() },
  { key: 'raw-redis', name: 'raw ioredis (floor)', open: async () => (await import('./raw-redis.ts')).rawRedis() },
];

/**
 * Open the systems named in `only` (keys of {@link SYSTEM_FACTORIES}; all when empty). A system whose packages are
 * not installed (`cd bench && npm ci`) or whose server is not running is skipped with the error as its reason.
 */
export async function openSystems(only: readonly string[]): Promise<{ systems: PeerSystem[]; skipped: Skipped[] }> {
  const systems: PeerSystem[] = [];
  const skipped: Skipped[] = [];
  for (const f of SYSTEM_FACTORIES) {
    if (only.length > 0 && !only.includes(f.key)) continue;
    try {
      systems.push(await f.open());
    } catch (e) {
      const missing = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' ? ' (install the peers: cd bench && npm ci)' : '';
      const reason = (e instanceof Error ? e.message.split('\n')[0]! : String(e)) + missing;
      skipped.push({ name: f.name, reason });
      console.error(`peers: ${f.name} not measured: ${reason}`);
    }
  }
  return { systems, skipped };
}

/** Tear every system down, even when one fails (a leftover service, database or Redis key would outlive the run). */
export async function closeAll(systems: readonly PeerSystem[]): Promise<void> {
  for (const s of systems) {
    try {
      await s.teardown();
    } catch (e) {
      console.error(`peers: teardown of ${s.name} failed:`, e);
    }
  }
}

/** Latencies of one operation for one system in one round (ms); `rtt` only for self-timed systems. */
export interface Samples {
  lat: number[];
  rtt: number[];
}

/**
 * Run `fn(system, i)` for i in 0..n-1 in blocks of `block` ops: every system runs block b (rotating which goes
 * first) before any runs block b+1, so machine noise falls on every system alike. Blocks rather than single ops:
 * right after a LangGraph or Mastra call (megabytes allocated, Postgres still flushing on the other core) a
 * 20 µs operation of the next system runs on cold caches and pays for the previous one; a block lets that cost
 * fall on its first op only. A self-timed system's own time is its latency; the round trip measured here goes
 * to `rtt`.
 */
export async function interleave(systems: readonly PeerSystem[], n: number, fn: (s: PeerSystem, i: number) => Promise<unknown>, block = 1): Promise<Map<PeerSystem, Samples>> {
  const out = new Map<PeerSystem, Samples>(systems.map((s) => [s, { lat: [], rtt: [] }]));
  for (let b = 0; b * block < n; b++) {
    for (let k = 0; k < systems.length; k++) {
      const s = systems[(b + k) % systems.length]!;
      const smp = out.get(s)!;
      for (let i = b * block; i < Math.min(n, (b + 1) * block); i++) {
        const t0 = performance.now();
        await fn(s, i);
        const dt = performance.now() - t0;
        if (s.selfTimed === true) {
          smp.lat.push(s.lastOpMs ?? Number.NaN);
          smp.rtt.push(dt);
        } else smp.lat.push(dt);
      }
    }
  }
  return out;
}

/** Median and range of a per-round figure. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median, min and max of `xs`. */
export function spread(xs: readonly number[]): Spread {
  return { median: quantile(xs, 0.5), min: Math.min(...xs), max: Math.max(...xs) };
}
