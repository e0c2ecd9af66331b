/**
 * The consistency harness (test/helpers/consistency.ts) on JetStream: a real 3-node cluster (R3 buckets), two
 * service instances (each its own SiraSession, NATS connection, event hub fed by the heads stream, HTTP
 * listener), agents writing turns and CAS counters (and CRDT docs in workspaces) through random instances, SSE
 * subscribers on both, connections cut and resumed with Last-Event-ID; once with the heads leader SIGKILLed
 * midway. Nothing acknowledged may be lost; every subscriber must end with exactly the log.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/cli/serve.ts';
import { casCounterWriter, crdtWriter, runConsistency, turnWriter } from '../helpers/consistency.ts';
import { startNatsCluster, type NatsClusterHandle } from '../helpers/nats-cluster.ts';

const KEY = 'consistency-nats-key-123456';
const natsBucketPrefix = `c${randomBytes(4).toString('hex')}`;
let cluster: NatsClusterHandle;
const servers: RunningServer[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster();
  for (let i = 0; i < 2; i++) {
    servers.push(
      await startServer(
        { store: cluster.url, natsBucketPrefix, natsReplicas: 3, port: 0, bootstrapKey: KEY, sweepIntervalMs: 0, logLevel: 'silent' },
        { logger: pino({ level: 'silent' }) },
      ),
    );
  }
}, 60_000);
afterAll(async () => {
  for (const s of servers) await s.close();
  await cluster?.stop();
});

const instances = () => servers.map((s) => ({ url: s.url, key: KEY }));

it('2 instances, 8 agents × 25 writes, forced reconnects: 0 lost, every subscriber converged, 0 missed, 0 duplicated', { timeout: 120_000 }, async () => {
  const r = await runConsistency({
    instances: instances(),
    sessions: 4,
    agents: 8,
    writesPerAgent: 25,
    kinds: [turnWriter(), casCounterWriter()],
    reconnectEveryMs: 15,
    seed: 5,
    prefix: `c${randomBytes(3).toString('hex')}-`,
  });
  const { fanoutFromSendMs, fanoutFromAckMs, ...rest } = r;
  console.info(`consistency (nats): ${JSON.stringify({ ...rest, fanoutSamples: fanoutFromSendMs.length, fanoutAckSamples: fanoutFromAckMs.length })}`);
  expect(r.acknowledged.turns! + r.acknowledged.cas!).toBe(8 * 25);
  expect(r.reconnects).toBeGreaterThan(0);
  expect(r.lost).toEqual({ turns: 0, cas: 0 });
  expect(r.missed).toBe(0);
  expect(r.duplicated).toBe(0);
  expect(r.converged).toBe(r.subscribers);
  expect(fanoutFromSendMs.length).toBeGreaterThan(0); // events crossed instances on live connections
});

it('workspaces: CRDT edits, shared turns and CAS through both instances: 0 lost, all converged', { timeout: 120_000 }, async () => {
  const r = await runConsistency({
    instances: instances(),
    resource: 'workspaces',
    sessions: 3,
    agents: 6,
    writesPerAgent: 20,
    kinds: [crdtWriter(2), turnWriter(), casCounterWriter()],
    reconnectEveryMs: 15,
    seed: 7,
    prefix: `w${randomBytes(3).toString('hex')}-`,
  });
  const { fanoutFromSendMs, fanoutFromAckMs: _ack, ...rest } = r;
  console.info(`consistency (nats, workspaces): ${JSON.stringify({ ...rest, fanoutSamples: fanoutFromSendMs.length })}`);
  expect(r.acknowledged.crdt! + r.acknowledged.turns! + r.acknowledged.cas!).toBe(6 * 20);
  expect(r.lost).toEqual({ crdt: 0, turns: 0, cas: 0 });
  expect(r.missed).toBe(0);
  expect(r.duplicated).toBe(0);
  expect(r.converged).toBe(r.subscribers);
});

it('a heads leader SIGKILLed midway: 0 acknowledged writes lost, every subscriber converged', { timeout: 180_000 }, async () => {
  const r = await runConsistency({
    instances: instances(),
    sessions: 3,
    agents: 6,
    writesPerAgent: 20,
    kinds: [turnWriter(), casCounterWriter()],
    reconnectEveryMs: 50,
    seed: 11,
    prefix: `k${randomBytes(3).toString('hex')}-`,
    chaosAfterMs: 300,
    chaos: async () => {
      // Only into a whole cluster (every node healthy, no election or catch-up running); the restart resolves
      // once the cluster is whole again.
      await cluster.settle();
      const leader = await cluster.leaderOf(`KV_${natsBucketPrefix}_heads`);
      await cluster.kill(leader);
      const healed = await cluster.restart(leader);
      console.info(`healed in ${healed.ms} ms: ${JSON.stringify(healed.states)}`);
    },
    settleTimeoutMs: 40_000,
  });
  const { fanoutFromSendMs, fanoutFromAckMs: _ack, ...rest } = r;
  console.info(`consistency (nats, leader kill): ${JSON.stringify({ ...rest, fanoutSamples: fanoutFromSendMs.length })}`);
  expect(r.acknowledged.turns! + r.acknowledged.cas!).toBeGreaterThan(0);
  expect(r.lost).toEqual({ turns: 0, cas: 0 });
  expect(r.missed).toBe(0);
  expect(r.duplicated).toBe(0);
  expect(r.converged).toBe(r.subscribers);
});
