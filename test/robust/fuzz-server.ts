/**
 * @module test/robust/fuzz-server
 * The service under fuzz, in its own process (so the fuzzer's work never shares its event loop): an embedded
 * store in a fresh directory, the real app listening on loopback, and an IPC channel for the harness — `ready`
 * (port and API keys), then on request `stats`: the event loop's delay (monitorEventLoopDelay, ms) and memory.
 * usage: spawned by test/robust/fuzz-harness.ts with an IPC channel; argv[2] = data directory.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp } from '../../src/api/app.ts';
import { SiraSession } from '../../src/sira.ts';

const dir = process.argv[2];
if (dir === undefined || process.send === undefined) throw new Error('usage: spawned with an IPC channel and a data directory');
const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent' });
const app = await buildApp({ sira });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address !== null ? address.port : 0;
const { key } = await sira.createApiKey('fuzz', 'fuzz');
const { key: otherKey } = await sira.createApiKey('bystander', 'fuzz');
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
process.on('message', (m: { op: string }) => {
  if (m.op === 'stats') {
    process.send!({
      op: 'stats',
      loop: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max), mean: ms(delay.mean), samples: delay.count },
      rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
    });
  } else if (m.op === 'reset') delay.reset();
  else if (m.op === 'stop') void app.close().then(() => sira.close()).then(() => process.exit(0));
});
process.send({ op: 'ready', port, key, otherKey });
