/**
 * Worker thread running {@link constantRate} with its own small heap, so the load generator's latency figures
 * are not inflated by garbage collection of the benchmark's corpus in the main thread.
 * workerData: { url, headers, rate, seconds, requests: LoadRequest[] } (requests are cycled).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { constantRate, type LoadRequest } from './load.ts';

const { url, headers, rate, seconds, requests } = workerData as { url: string; headers: Record<string, string>; rate: number; seconds: number; requests: LoadRequest[] };
let i = 0;
const result = await constantRate(url, headers, rate, seconds, () => requests[i++ % requests.length]!);
parentPort!.postMessage(result);
