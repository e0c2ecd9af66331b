/**
 * The service through a Redis failover: a real 3+3 Cluster (1 s node timeout), two service instances with
 * `durability: 'replicated'`, the consistency harness (appends and CAS counters through random instances, SSE
 * subscribers on both, forced reconnects onto random instances) while the master of one shard is SIGKILLed, its
 * replica promoted and the old master restarted as a replica. The instances keep serving without a restart;
 * nothing acknowledged is lost and every subscriber ends with exactly the durable log.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/cli/serve.ts';
import { KeySpace } from '../../src/storage/redis/keys.ts';
import { casCounterWriter, runConsistency, turnWriter } from '../helpers/consistency.ts';
import { crashMaster } from '../helpers/failover.ts';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.ts';

const KEY = 'failover-http-key-123456';
const redisKeyPrefix = `sira-test:${randomBytes(4).toString('hex')}:`;
let cluster: RedisClusterHandle;
const servers: RunningServer[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster({ awaitReplicas: true, nodeTimeoutMs: 1000 });
  const store = `redis-cluster://${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  for (let i = 0; i < 2; i++) {
    const opts = { store, redisKeyPrefix, port: 0, bootstrapKey: KEY, sweepIntervalMs: 0, logLevel: 'silent', durability: 'replicated', durabilityTimeoutMs: 500 } as const;
    servers.push(await startServer(opts, { logger: pino({ level: 'silent' }) }));
  }
}, 60_000);
afterAll(async () => {
  for (const s of servers) await s.close();
  await cluster?.stop();
});

it('a master killed under load: both instances keep serving, 0 acknowledged writes lost, every subscriber converged', { timeout: 120_000 }, async () => {
  const prefix = `f${randomBytes(3).toString('hex')}-`;
  let crash: Awaited<ReturnType<typeof crashMaster>> | undefined;
  const r = await runConsistency({
    instances: servers.map((s) => ({ url: s.url, key: KEY })),
    sessions: 6,
    agents: 6,
    writesPerAgent: 20,
    kinds: [turnWriter(), casCounterWriter()],
    reconnectEveryMs: 50,
    thinkMs: 5,
    seed: 9,
    prefix,
    chaosAfterMs: 300,
    chaos: async () => {
      crash = await crashMaster(cluster, new KeySpace(redisKeyPrefix).session('default', `${prefix}0`).session);
    },
  });
  const { fanoutFromSendMs, fanoutFromAckMs, ...rest } = r;
  console.info(`failover over HTTP: ${JSON.stringify({ ...rest, crash, fanoutSamples: fanoutFromSendMs.length + fanoutFromAckMs.length })}`);
  expect(crash?.promotedAfterMs).toBeGreaterThan(0);
  expect(r.acknowledged.turns! + r.acknowledged.cas!).toBeGreaterThanOrEqual(6 * 20 - Object.values(r.failed).reduce((a, b) => a + b, 0));
  expect(r.lost).toEqual({ turns: 0, cas: 0 });
  expect(r.missed).toBe(0);
  expect(r.duplicated).toBe(0);
  expect(r.converged).toBe(r.subscribers);
  // Still serving after the failover: a write to the session whose shard failed over, through each instance.
  for (const s of servers) {
    const res = await fetch(`${s.url}/v1/sessions/${prefix}0/turns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ turns: [{ role: 'user', content: 'after' }] }),
    });
    expect(res.status).toBe(201);
  }
});
