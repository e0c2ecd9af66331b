/**
 * The read path of the NATS store (src/storage/nats/turn-reads.ts, tensors.ts) on the single JetStream server CI
 * runs: what a read costs in requests (counted at the connection), and that the in-process caches never serve a
 * turn or tensor the head does not name — another instance's appends, a delete and re-create of the same id, a
 * caller changing what it was handed; and that a leader election makes the next read wait for a barrier
 * (src/storage/nats/fence.ts).
 */
import { randomBytes } from 'node:crypto';
import { NatsConnectionImpl } from '@nats-io/nats-core/internal';
import { connect } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { NewTurn } from '../../src/core/types.ts';
import { NatsStore } from '../../src/storage/nats/nats-store.ts';
import { destroyBuckets } from '../../src/storage/nats/open.ts';
import { requireStandaloneNats, STANDALONE_NATS_URL } from '../helpers/nats-cluster.ts';

const bucketPrefix = `r${randomBytes(4).toString('hex')}`;
let a: NatsStore;
let b: NatsStore;

/** Requests sent, by kind: a stream message get on a bucket ("get heads") or a KV publish ("put data"). */
const sent: string[] = [];
const proto = NatsConnectionImpl.prototype as unknown as { publish: (subject: string, ...rest: unknown[]) => void };
const publish = proto.publish;

beforeAll(async () => {
  await requireStandaloneNats();
  a = await NatsStore.open({ url: STANDALONE_NATS_URL, bucketPrefix, replicas: 1 });
  b = await NatsStore.open({ url: STANDALONE_NATS_URL, bucketPrefix, replicas: 1 });
  proto.publish = function (this: unknown, subject: string, ...rest: unknown[]) {
    const get = /^\$JS\.API\.STREAM\.MSG\.GET\.KV_.*_(\w+)$/.exec(subject);
    const put = /^\$KV\.[^.]*_(\w+)\./.exec(subject);
    sent.push(get ? `get ${get[1]}` : put ? `put ${put[1]}` : subject);
    return publish.call(this, subject, ...rest);
  };
}, 30_000);
afterEach(async () => {
  await Promise.all([a.drainBackground(), b.drainBackground()]);
  sent.length = 0;
});
afterAll(async () => {
  proto.publish = publish;
  await destroyBuckets(a.manager, bucketPrefix);
  await a.close();
  await b.close();
});

const turn = (text: string): NewTurn => ({ role: 'user', parts: [{ type: 'text', text }] });
const texts = (ts: { parts: { type: string; text?: string }[] }[] | undefined) => ts?.map((t) => t.parts[0]!.text);
const counted = async <T>(fn: () => Promise<T>): Promise<{ out: T; requests: string[] }> => {
  sent.length = 0;
  const out = await fn();
  return { out, requests: [...sent] };
};

it('getTurns(last 20) of a session this instance appended to reads the head alone', async () => {
  await a.createSession('t', { id: 'own' });
  for (let i = 1; i <= 25; i++) await a.appendTurns('t', 'own', [turn(`own ${i}`)]);
  await a.appendTurns('t', 'own', [turn('own 26')]);
  await a.drainBackground();
  const { out, requests } = await counted(() => a.getTurns('t', 'own', { last: 20 }));
  expect(texts(out)).toEqual(Array.from({ length: 20 }, (_, i) => `own ${i + 7}`));
  expect(requests).toEqual(['get heads']);
});

it("another instance's appends are read incrementally: the head and only the turns it has not seen", async () => {
  await a.createSession('t', { id: 'shared' });
  for (let i = 1; i <= 30; i++) await a.appendTurns('t', 'shared', [turn(`s ${i}`)]);
  await a.drainBackground();
  expect(texts(await b.getTurns('t', 'shared', { last: 20 }))).toEqual(Array.from({ length: 20 }, (_, i) => `s ${i + 11}`));
  await a.appendTurns('t', 'shared', [turn('s 31'), turn('s 32')]);
  await a.appendTurns('t', 'shared', [turn('s 33')]);
  await a.drainBackground();
  const { out, requests } = await counted(() => b.getTurns('t', 'shared', { last: 20 }));
  expect(texts(out)).toEqual(Array.from({ length: 20 }, (_, i) => `s ${i + 14}`));
  // s 33 is in the head's pending commit; s 31 and s 32 come from the data bucket.
  expect(requests.sort()).toEqual(['get data', 'get data', 'get heads']);
  // An older page inside the cached tail is served from it too.
  const older = await counted(() => b.getTurns('t', 'shared', { after_seq: 15, limit: 5 }));
  expect(texts(older.out)).toEqual(['s 16', 's 17', 's 18', 's 19', 's 20']);
  expect(older.requests).toEqual(['get heads']);
});

it('a deleted and re-created id never serves the old generation from the cache', async () => {
  await a.createSession('t', { id: 'again' });
  for (let i = 1; i <= 5; i++) await a.appendTurns('t', 'again', [turn(`old ${i}`)]);
  expect(texts(await b.getTurns('t', 'again', { last: 20 }))).toHaveLength(5);
  expect(await a.deleteSession('t', 'again')).toBe(true);
  await a.createSession('t', { id: 'again' });
  await a.appendTurns('t', 'again', [turn('new 1')]);
  expect(texts(await b.getTurns('t', 'again', { last: 20 }))).toEqual(['new 1']);
  expect(texts(await a.getTurns('t', 'again', { last: 20 }))).toEqual(['new 1']);
});

it("turns handed out are the caller's own: changing one changes neither the cache nor the appender's", async () => {
  await a.createSession('t', { id: 'frozen' });
  const [mine] = await a.appendTurns('t', 'frozen', [turn('first')]);
  mine!.parts.push({ type: 'text', text: 'changed by the caller' }); // the caller's copy is its own
  const [read] = (await a.getTurns('t', 'frozen', { last: 1 }))!;
  expect(read!.parts).toHaveLength(1);
  read!.parts.push({ type: 'text', text: 'changed by a reader' }); // decoded afresh from the cached record
  expect((await a.getTurns('t', 'frozen', { last: 1 }))![0]!.parts).toHaveLength(1);
});

it('getTensor after this instance wrote it reads the head alone, and hands out a copy', async () => {
  await a.createSession('t', { id: 'tensors' });
  const data = new Uint8Array([1, 2, 3, 4]);
  await a.putTensor('t', 'tensors', 'v', { dtype: 'u8', shape: [4], data });
  await a.drainBackground();
  const first = await counted(() => a.getTensor('t', 'tensors', 'v'));
  expect(first.requests).toEqual(['get heads']);
  first.out!.data[0] = 99;
  expect([...(await a.getTensor('t', 'tensors', 'v'))!.data]).toEqual([1, 2, 3, 4]);
  // Another instance reads the blob once, then from its cache; a newer write is seen through the head.
  expect((await counted(() => b.getTensor('t', 'tensors', 'v'))).requests.sort()).toEqual(['get data', 'get heads']);
  expect((await counted(() => b.getTensor('t', 'tensors', 'v'))).requests).toEqual(['get heads']);
  await a.putTensor('t', 'tensors', 'v', { dtype: 'u8', shape: [2], data: new Uint8Array([7, 8]) });
  expect([...(await b.getTensor('t', 'tensors', 'v'))!.data]).toEqual([7, 8]);
});

it('a leader-elected advisory for the heads stream puts the next head read behind a barrier, and only the next', async () => {
  await a.createSession('t', { id: 'fenced' });
  const other = await connect({ servers: STANDALONE_NATS_URL.replace('nats://', '') });
  try {
    other.publish(`$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.KV_${bucketPrefix}_heads`, '{}');
    await other.flush();
  } finally {
    await other.close();
  }
  // The advisory reaches the store before this read's answer (one server, in order): the read waits for the
  // barrier, or is done again behind it when the advisory came while it was on its way.
  const first = await counted(() => a.getSession('t', 'fenced'));
  expect(first.out?.id).toBe('fenced');
  expect(first.requests.slice(-2)).toEqual(['put heads', 'get heads']);
  expect((await counted(() => a.getSession('t', 'fenced'))).requests).toEqual(['get heads']);
});
