/**
 * @module bench/lib/load
 * An open-loop, constant-rate HTTP load generator: request i is due at t0 + i/rate whatever happened before, and
 * its latency counts from when it was due (so a stall is charged to every request it delayed — no coordinated
 * omission). autocannon's own rate limit sends each second's quota in a burst, which measures queueing at the
 * client instead of the service; it is kept for closed-loop saturation runs only.
 */
import { Agent, request } from 'node:http';
import { summary } from './stats.ts';

export interface LoadRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: string;
  /** Optional label: latencies are also summarised per tag (`LoadResult.byTag`). */
  tag?: string;
}

export interface LoadResult {
  offered: number;
  achieved: number;
  sent: number;
  errors: number;
  /** From when each request was due (what a user waiting on the gateway sees). */
  latency: ReturnType<typeof summary>;
  /** From when each request actually left the generator (excludes the generator's own lateness). */
  fromSend: ReturnType<typeof summary>;
  /** How late the generator sent requests (timer granularity, its own pauses). */
  sendLag: ReturnType<typeof summary>;
  /** Latency from the due time per request tag, when requests carry tags. */
  byTag?: Record<string, ReturnType<typeof summary>>;
}

/** Offer `rate` requests/s for `seconds` to `baseUrl`; `next()` builds each request. */
export async function constantRate(baseUrl: string, headers: Record<string, string>, rate: number, seconds: number, next: () => LoadRequest): Promise<LoadResult> {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(rate * seconds);
  const lat: number[] = [];
  const fromSend: number[] = [];
  const lag: number[] = [];
  const tagged = new Map<string, number[]>();
  const record = (tag: string | undefined, x: number) => {
    lat.push(x);
    if (tag === undefined) return;
    const xs = tagged.get(tag);
    if (xs === undefined) tagged.set(tag, [x]);
    else xs.push(x);
  };
  let errors = 0;
  let done = 0;
  const t0 = performance.now() + 20;
  await new Promise<void>((resolve) => {
    let i = 0;
    const fire = () => {
      const nowMs = performance.now();
      while (i < total && t0 + (i * 1000) / rate <= nowMs) {
        const due = t0 + (i * 1000) / rate;
        i++;
        const r = next();
        const sent = performance.now();
        lag.push(sent - due);
        const req = request(
          { host: url.hostname, port: url.port, path: r.path, method: r.method, agent, headers: r.body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(r.body) } },
          (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode === undefined || res.statusCode >= 300) errors++;
              const end = performance.now();
              record(r.tag, end - due);
              fromSend.push(end - sent);
              if (++done === total) resolve();
            });
          },
        );
        req.on('error', () => {
          errors++;
          record(r.tag, performance.now() - due);
          fromSend.push(performance.now() - sent);
          if (++done === total) resolve();
        });
        req.end(r.body);
      }
      // Sleep until the next request is due (timers have ~1 ms granularity; a busy loop would steal the
      // service's core on a 2-core machine). Lateness still counts: latency is measured from the due time.
      if (i < total) setTimeout(fire, Math.max(0, t0 + (i * 1000) / rate - performance.now()));
    };
    fire();
  });
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  const byTag = tagged.size === 0 ? {} : { byTag: Object.fromEntries([...tagged].map(([t, xs]) => [t, summary(xs)])) };
  return { offered: rate, achieved: total / elapsed, sent: total, errors, latency: summary(lat), fromSend: summary(fromSend), sendLag: summary(lag), ...byTag };
}

/** {@link constantRate} in a worker thread (its own heap); `requests` are cycled in order. */
export async function constantRateInWorker(baseUrl: string, headers: Record<string, string>, rate: number, seconds: number, requests: LoadRequest[]): Promise<LoadResult> {
  const { Worker } = await import('node:worker_threads');
  const w = new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: { url: baseUrl, headers, rate, seconds, requests } });
  try {
    return await new Promise<LoadResult>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  } finally {
    await w.terminate();
  }
}
