import { describe, expect, it } from 'vitest';
import { createHashEmbedder } from '../../test/helpers/hash-embedder.ts';
import { EmbedQueue, type EmbedJob } from './embed-queue.ts';

const jobs = (n: number, session = 's1'): EmbedJob[] => Array.from({ length: n }, (_, i) => ({ tenant: 't', session, seq: i + 1, text: `turn ${i + 1}` }));

describe('memory/embed-queue', () => {
  it('enqueue(jobs) embeds in batches of at most batchSize and hands every vector to the sink in order', async () => {
    const e = createHashEmbedder();
    const seen: number[] = [];
    const q = new EmbedQueue(e, async (js, vs) => {
      expect(vs).toHaveLength(js.length);
      seen.push(...js.map((j) => j.seq));
    }, { batchSize: 4, maxDelayMs: 10_000 });
    expect(q.enqueue(jobs(10))).toBe(10);
    await q.drain();
    expect(e.batches.every((b) => b <= 4)).toBe(true);
    expect(e.batches.reduce((a, b) => a + b, 0)).toBe(10);
    expect(seen).toEqual(jobs(10).map((j) => j.seq));
    expect(q.stats()).toMatchObject({ queued: 0, inFlight: 0, embedded: 10, dropped: 0, failed: 0 });
  });

  it('enqueue(jobs) returns at once: nothing is embedded in the same tick', () => {
    const e = createHashEmbedder();
    const q = new EmbedQueue(e, async () => {}, { batchSize: 1 });
    q.enqueue(jobs(3));
    expect(e.batches).toEqual([]);
    expect(q.isHeld('t', 's1', 2)).toBe(true);
    return q.drain();
  });

  it('beyond maxQueued new jobs are dropped and counted, never thrown', async () => {
    const q = new EmbedQueue(createHashEmbedder(), async () => {}, { batchSize: 100, maxDelayMs: 10_000, maxQueued: 5 });
    expect(q.enqueue(jobs(8))).toBe(5);
    expect(q.stats()).toMatchObject({ queued: 5, dropped: 3 });
    await q.drain();
    expect(q.isHeld('t', 's1', 1)).toBe(false);
  });

  it('a job already queued is not queued twice', async () => {
    const q = new EmbedQueue(createHashEmbedder(), async () => {}, { maxDelayMs: 10_000 });
    q.enqueue(jobs(3));
    expect(q.enqueue(jobs(3))).toBe(0);
    await q.drain();
    expect(q.stats().embedded).toBe(3);
  });

  it('a failing embedder or sink counts the batch as failed, reports it, and the queue goes on', async () => {
    const e = createHashEmbedder();
    e.fail = true;
    const errors: unknown[] = [];
    const q = new EmbedQueue(e, async () => {}, { batchSize: 2, onError: (err) => errors.push(err) });
    q.enqueue(jobs(2));
    await q.drain();
    expect(q.stats()).toMatchObject({ failed: 2, embedded: 0 });
    expect(errors).toHaveLength(1);
    e.fail = false;
    q.enqueue(jobs(2));
    await q.drain();
    expect(q.stats()).toMatchObject({ failed: 2, embedded: 2 });
    const bad = new EmbedQueue(createHashEmbedder(), () => Promise.reject(new Error('disk')), { onError: () => { throw new Error('logger'); } });
    bad.enqueue(jobs(1));
    await bad.drain();
    expect(bad.stats().failed).toBe(1);
  });

  it('close() abandons queued jobs as dropped (they stay pending) and refuses new ones', async () => {
    const q = new EmbedQueue(createHashEmbedder(), async () => {}, { maxDelayMs: 10_000 });
    q.enqueue(jobs(3));
    await q.close();
    expect(q.stats()).toMatchObject({ embedded: 0, dropped: 3, queued: 0 });
    expect(q.isHeld('t', 's1', 1)).toBe(false);
    expect(q.enqueue(jobs(1, 's2'))).toBe(0);
  });

  it('close() waits for the batch in flight', async () => {
    const e = createHashEmbedder();
    let written = 0;
    const q = new EmbedQueue(e, async (js) => void (written += js.length), { batchSize: 2, maxDelayMs: 10_000 });
    q.enqueue(jobs(5));
    // Let the first batch start: it was scheduled with setImmediate.
    await new Promise<void>((r) => setImmediate(r));
    await q.close();
    expect(written).toBe(2);
    expect(q.stats()).toMatchObject({ embedded: 2, dropped: 3 });
  });
});
