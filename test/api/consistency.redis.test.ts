/**
 * The consistency harness (test/helpers/consistency.ts), small: a real 3+3 Redis Cluster, two service instances
 * (each its own SiraSession, store connections, event hub and HTTP listener on loopback), 8 agents × 25 writes
 * (turn appends and CAS counter increments with If-Match retries) through random instances, an SSE subscriber per
 * session on both instances, one subscriber connection cut every 15 ms and resumed with Last-Event-ID. Nothing
 * acknowledged may be lost, every subscriber must end with exactly the session's log, no event missed or
 * delivered twice. bench/consistency.bench.ts is the large version with separate processes and latencies.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/cli/serve.ts';
import { casCounterWriter, crdtWriter, runConsistency, turnWriter } from '../helpers/consistency.ts';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.ts';

const KEY = 'consistency-key-123456';
let cluster: RedisClusterHandle;
const servers: RunningServer[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
  const store = `redis-cluster://${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  const redisKeyPrefix = `sira-test:${randomBytes(4).toString('hex')}:`;
  for (let i = 0; i < 2; i++) {
    servers.push(await startServer({ store, redisKeyPrefix, port: 0, bootstrapKey: KEY, sweepIntervalMs: 0, logLevel: 'silent' }, { logger: pino({ level: 'silent' }) }));
  }
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await cluster?.stop();
});

it('2 instances, 8 agents × 25 writes, forced reconnects: 0 lost, every subscriber converged, 0 missed, 0 duplicated', { timeout: 120_000 }, async () => {
  const r = await runConsistency({
    instances: servers.map((s) => ({ url: s.url, key: KEY })),
    sessions: 4,
    agents: 8,
    writesPerAgent: 25,
    kinds: [turnWriter(), casCounterWriter()],
    reconnectEveryMs: 15,
    seed: 5,
    prefix: `c${randomBytes(3).toString('hex')}-`,
  });
  const { fanoutFromSendMs, fanoutFromAckMs, ...rest } = r;
  console.info(`consistency: ${JSON.stringify({ ...rest, fanoutSamples: fanoutFromSendMs.length, fanoutAckSamples: fanoutFromAckMs.length })}`);
  expect(r.acknowledged.turns! + r.acknowledged.cas!).toBe(8 * 25);
  expect(r.acknowledged.cas).toBeGreaterThan(0);
  expect(r.reconnects).toBeGreaterThan(0);
  expect(r.lost).toEqual({ turns: 0, cas: 0 });
  expect(r.missed).toBe(0);
  expect(r.duplicated).toBe(0);
  expect(r.converged).toBe(r.subscribers);
  expect(fanoutFromSendMs.length).toBeGreaterThan(0); // events crossed instances on live connections
});

it('workspaces: CRDT edits, shared turns and CAS through both instances, forced reconnects: 0 lost, all converged', { timeout: 120_000 }, async () => {
  const r = await runConsistency({
    instances: servers.map((s) => ({ url: s.url, key: KEY })),
    resource: 'workspaces',
    sessions: 3,
    agents: 6,
    writesPerAgent: 25,
    kinds: [crdtWriter(2), turnWriter(), casCounterWriter()],
    reconnectEveryMs: 15,
    seed: 7,
    prefix: `w${randomBytes(3).toString('hex')}-`,
  });
  const { fanoutFromSendMs, fanoutFromAckMs: _ack, ...rest } = r;
  console.info(`consistency (workspaces): ${JSON.stringify({ ...rest, fanoutSamples: fanoutFromSendMs.length })}`);
  expect(r.acknowledged.crdt! + r.acknowledged.turns! + r.acknowledged.cas!).toBe(6 * 25);
  expect(r.acknowledged.crdt).toBeGreaterThan(20);
  expect(r.lost).toEqual({ crdt: 0, turns: 0, cas: 0 });
  expect(r.missed).toBe(0);
  expect(r.duplicated).toBe(0);
  expect(r.converged).toBe(r.subscribers);
});
