/**
 * The bounded fuzz run of `npm test` (issue 11): every route of the OpenAPI document, adversarial requests from a
 * pinned, printed seed (SIRA_FUZZ_SEED to replay, SIRA_FUZZ_REQUESTS for more), against the real service in its
 * own process on loopback. The long run (≥ 100,000 requests, with delay and latency figures) is
 * `npm run bench -- fuzz`.
 */
import { describe, expect, it } from 'vitest';
import { runFuzz } from './fuzz-harness.ts';

const SEED = Number(process.env.SIRA_FUZZ_SEED ?? 20_261_202);
const REQUESTS = Number(process.env.SIRA_FUZZ_REQUESTS ?? 400);

describe('fuzzing every route', () => {
  it(`${REQUESTS} adversarial requests: no crash, no undocumented 5xx, no partial write, /healthz always answers (seed ${SEED})`, async () => {
    console.log(`fuzz: seed ${SEED}, ${REQUESTS} requests (replay with SIRA_FUZZ_SEED=${SEED})`);
    const r = await runFuzz({ seed: SEED, requests: REQUESTS, maxString: 300_000 });
    console.log(`fuzz: slowest ${JSON.stringify(r.slowest)}`);
    console.log(`fuzz: ${r.requests} requests (${r.raw_requests} raw) over ${r.routes} routes in ${r.wall_s} s; statuses ${JSON.stringify(r.by_status)}; event loop p99 ${r.loop.p99} ms, max ${r.loop.max} ms; /healthz ${r.healthz.probes} probes, max ${r.healthz.max_ms} ms`);
    expect(r.failures.slice(0, 10)).toEqual([]);
    expect(r.crashed).toBe(false);
    expect(r.routes).toBeGreaterThan(40);
    expect(r.healthz.failed).toBe(0);
    expect(r.healthz.probes).toBeGreaterThan(0);
    // The run reached the work, not only the validators: some requests succeeded and some were refused.
    expect(Object.keys(r.by_status).some((s) => s.startsWith('2'))).toBe(true);
    expect(Object.keys(r.by_status).some((s) => s.startsWith('4'))).toBe(true);
  }, 120_000);
});
