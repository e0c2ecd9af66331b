/**
 * @module models/embedders/use-lite-worker
 * Worker-thread body of the offline embedder: runs {@link createUseLiteEmbedder} off the main thread (tfjs' wasm
 * kernels are synchronous, so in the main thread a batch would stall request handling). Messages: `{id, texts}` in,
 * `{id, vectors}` or `{id, error}` out (vector buffers are transferred).
 */
import { constants, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createUseLiteEmbedder, type UseLiteOptions } from './use-lite.ts';

// Enrichment is background work: on Linux the nice value is per thread, so this lowers only this worker and the
// request-serving threads keep the CPU when both want it. Best effort (not permitted everywhere).
try {
  setPriority(constants.priority.PRIORITY_LOW);
} catch {
  // keep the default priority
}
const embedder = createUseLiteEmbedder(workerData as UseLiteOptions);
parentPort!.on('message', (m: { id: number; texts: string[] }) => {
  embedder.embed(m.texts).then(
    (vectors) => parentPort!.postMessage({ id: m.id, vectors }, vectors.map((v) => v.buffer as ArrayBuffer)),
    (e: unknown) => parentPort!.postMessage({ id: m.id, error: e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e) }),
  );
});
