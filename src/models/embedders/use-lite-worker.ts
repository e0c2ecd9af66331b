/**
 * @module models/embedders/use-lite-worker
 * Worker-thread body of the offline embedder: runs {@link createUseLiteEmbedder} off the main thread (tfjs' wasm
 * kernels are synchronous, so in the main thread a batch would stall request handling). Messages: `{id, texts}` in,
 * `{id, vectors}` or `{id, error}` out (vector buffers are transferred).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createUseLiteEmbedder, type UseLiteOptions } from './use-lite.ts';

const embedder = createUseLiteEmbedder(workerData as UseLiteOptions);
parentPort!.on('message', (m: { id: number; texts: string[] }) => {
  embedder.embed(m.texts).then(
    (vectors) => parentPort!.postMessage({ id: m.id, vectors }, vectors.map((v) => v.buffer as ArrayBuffer)),
    (e: unknown) => parentPort!.postMessage({ id: m.id, error: e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e) }),
  );
});
