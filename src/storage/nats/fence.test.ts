import { expect, it } from 'vitest';
import { LeaderFence, ResendNow } from './fence.ts';

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

it('resendAtElection() gives up on a request when a leader is elected, and passes answers through', async () => {
  const { f } = fence();
  const never = new Promise<number>(() => undefined);
  const waiting = f.resendAtElection(never);
  f.elected();
  await expect(waiting).rejects.toBeInstanceOf(ResendNow);
  expect(await f.resendAtElection(Promise.resolve(7))).toBe(7);
});
