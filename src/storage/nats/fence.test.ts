import { expect, it } from 'vitest';
import { FenceTimeout, firstAck, LeaderFence } from './fence.ts';

/** A fence whose barriers are counted and resolve when the test says so. */
function fence() {
  let barriers = 0;
  const pending: (() => void)[] = [];
  const f = new LeaderFence(() => {
    barriers++;
    return new Promise<void>((r) => pending.push(r));
  });
  return { f, barriers: () => barriers, release: () => pending.splice(0).forEach((r) => r()) };
}

it('read() goes straight through while no leader change is suspected', async () => {
  const { f, barriers } = fence();
  expect(await f.read(async () => 1)).toBe(1);
  expect(barriers()).toBe(0);
  expect(f.due).toBe(false);
});

it('after suspect(), the next reads wait for one shared barrier', async () => {
  const { f, barriers, release } = fence();
  f.suspect();
  f.suspect();
  let done = 0;
  const reads = [f.read(async () => ++done), f.read(async () => ++done)];
  await Promise.resolve();
  expect(done).toBe(0); // not before the barrier's acknowledgement
  expect(barriers()).toBe(1);
  release();
  expect((await Promise.all(reads)).sort()).toEqual([1, 2]);
  expect(f.due).toBe(false);
  expect(await f.read(async () => 'x')).toBe('x');
  expect(barriers()).toBe(1);
});

it('a read during which a leader change was suspected is done again behind a barrier', async () => {
  const { f, barriers, release } = fence();
  let calls = 0;
  const read = f.read(async () => {
    calls++;
    if (calls === 1) f.elected(); // the advisory arrives while the first answer is on its way
    return calls;
  });
  await new Promise((r) => setImmediate(r));
  expect(barriers()).toBe(1);
  release();
  expect(await read).toBe(2);
});

it('a suspicion during a barrier needs another barrier', async () => {
  const { f, barriers, release } = fence();
  f.suspect();
  const ready = f.ready();
  await Promise.resolve();
  f.suspect();
  release();
  await new Promise((r) => setImmediate(r));
  expect(barriers()).toBe(2);
  release();
  await ready;
  expect(f.due).toBe(false);
});

it('ready(deadline) and read(fn, deadline) stop waiting at the deadline with a timeout; the barrier goes on for the next caller', async () => {
  const { f, barriers, release } = fence();
  f.suspect();
  await expect(f.ready(Date.now() + 30)).rejects.toBeInstanceOf(FenceTimeout);
  let calls = 0;
  await expect(f.read(async () => ++calls, Date.now() + 10)).rejects.toThrow(/timeout/);
  expect(calls).toBe(0); // never answered from a stream that may lag
  expect(barriers()).toBe(1); // the same barrier, not one per caller
  const later = f.read(async () => ++calls);
  release();
  expect(await later).toBe(1);
  expect(f.due).toBe(false);
});

/** A barrier publisher whose copies answer when the test says (by index), or never. */
function copies() {
  const answers: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const send = () => new Promise<void>((resolve, reject) => answers.push({ resolve, reject }));
  return { send, answers };
}

it('firstAck() sends another copy after resendMs without an answer, and keeps waiting for the first', async () => {
  const { send, answers } = copies();
  const f = new LeaderFence(async () => undefined);
  const ack = firstAck(send, f, 5, 10_000);
  await new Promise((r) => setTimeout(r, 30));
  expect(answers.length).toBeGreaterThanOrEqual(2);
  answers[0]!.resolve(); // the first copy, acknowledged late, still counts
  await ack;
  const sent = answers.length;
  await new Promise((r) => setTimeout(r, 20));
  expect(answers.length).toBe(sent); // no copy after the acknowledgement
});

it('firstAck() sends a copy at once when a leader is elected', async () => {
  const { send, answers } = copies();
  const f = new LeaderFence(async () => undefined);
  const ack = firstAck(send, f, 60_000, 60_000);
  expect(answers).toHaveLength(1);
  f.elected();
  await Promise.resolve();
  await Promise.resolve();
  expect(answers).toHaveLength(2);
  answers[1]!.resolve();
  await ack;
});

it('firstAck() rejects with the last error when no copy is acknowledged in totalMs', async () => {
  const { send, answers } = copies();
  const f = new LeaderFence(async () => undefined);
  const ack = firstAck(send, f, 5, 40);
  answers[0]!.reject(new Error('no responders'));
  await expect(ack).rejects.toThrow('no responders');
});
