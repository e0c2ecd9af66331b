/**
 * @module models/embedders/onnx
 * Sentence-transformers ONNX models through @huggingface/transformers (onnxruntime-node): a local model directory
 * (`config.json`, `tokenizer.json`, `onnx/model.onnx`, optionally `modules.json` + `1_Pooling/config.json`), or an
 * HF Hub name when `allowRemote` is set (downloaded once into `cacheDir`). Remote loading is off unless asked for,
 * so a configured local model never touches the network. Pooling (mean / CLS / last token) is read from the
 * model's sentence-transformers Pooling config when present (else mean); vectors are always L2-normalised, as the
 * {@link Embedder} contract requires (a model whose modules end in Normalize gets the same vectors). Device `cpu`,
 * or `webgpu` where a Vulkan-capable adapter exists (DESIGN §8). Loaded lazily on the first `embed`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { siraError } from '../../core/errors.ts';
import { l2normalize, type Embedder } from '../embedder.ts';

/** Pooling of token vectors into one sentence vector. */
export type OnnxPooling = 'mean' | 'cls' | 'last_token';

/** Options of the `onnx` embedder. */
export interface OnnxEmbedderOptions {
  /** A local model directory, or an HF Hub model name (then `allowRemote` must be true). */
  model: string;
  /** Allow downloading a Hub model (once, into `cacheDir`). @default false */
  allowRemote?: boolean;
  /** Where Hub downloads are cached. @default transformers.js' own cache */
  cacheDir?: string;
  /** Execution provider. @default 'cpu' */
  device?: 'cpu' | 'webgpu';
  /** Weights variant: `fp32` reads `onnx/model.onnx`, `q8` `onnx/model_quantized.onnx`, … @default 'fp32' */
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
  /** Texts per model call. @default 32 */
  batchSize?: number;
  /** Vector length; read from a local model's config when absent (required for a Hub name). */
  dim?: number;
  /** Pooling; read from the model's `1_Pooling/config.json` when absent, else mean. */
  pooling?: OnnxPooling;
}

interface SentenceTransformersConfig {
  pooling: OnnxPooling;
  dim: number | undefined;
}

const readJson = (p: string): unknown => (existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as unknown) : undefined);

/** Pooling and width from a local sentence-transformers directory (mean and unknown when it says nothing). */
export function readSentenceTransformersConfig(dir: string): SentenceTransformersConfig {
  const modules = readJson(join(dir, 'modules.json')) as { type?: string; path?: string }[] | undefined;
  const poolPath = modules?.find((m) => m.type?.endsWith('.Pooling'))?.path ?? '1_Pooling';
  const pool = readJson(join(dir, poolPath, 'config.json')) as Record<string, unknown> | undefined;
  const config = readJson(join(dir, 'config.json')) as { hidden_size?: number; d_model?: number } | undefined;
  let pooling: OnnxPooling = 'mean';
  if (pool?.pooling_mode_cls_token === true) pooling = 'cls';
  else if (pool?.pooling_mode_lasttoken === true) pooling = 'last_token';
  else if (pool !== undefined && pool.pooling_mode_mean_tokens !== true) {
    throw siraError('SIRA_ERR_CONFIG_INVALID', `unsupported pooling in ${join(dir, poolPath, 'config.json')} (mean, cls or last token)`);
  }
  const dim = (pool?.word_embedding_dimension as number | undefined) ?? config?.hidden_size ?? config?.d_model;
  return { pooling, dim };
}

type Extractor = (texts: string[], opts: { pooling: OnnxPooling; normalize: boolean }) => Promise<{ dims: number[]; data: ArrayLike<number> }>;

/** An embedder over a sentence-transformers ONNX model; `id` is `onnx:<model directory name or Hub name>`. */
export function createOnnxEmbedder(opts: OnnxEmbedderOptions): Embedder {
  const local = existsSync(opts.model);
  if (!local && opts.allowRemote !== true) {
    throw siraError('SIRA_ERR_CONFIG_INVALID', `onnx model ${opts.model} is not a local directory and remote models are not allowed`);
  }
  const st = local ? readSentenceTransformersConfig(opts.model) : { pooling: 'mean' as const, dim: undefined };
  const dim = opts.dim ?? st.dim;
  if (dim === undefined) throw siraError('SIRA_ERR_CONFIG_INVALID', `give the vector length (dim) of onnx model ${opts.model}`);
  const pooling = opts.pooling ?? st.pooling;
  const batchSize = opts.batchSize ?? 32;
  const id = `onnx:${local ? basename(resolve(opts.model)) : opts.model}`;
  let loading: Promise<Extractor> | undefined;

  const load = async (): Promise<Extractor> => {
    const hf = await import('@huggingface/transformers');
    // transformers.js' settings are module-wide: set them for this load only as far as they matter.
    hf.env.allowRemoteModels = opts.allowRemote === true;
    hf.env.allowLocalModels = true;
    if (opts.cacheDir !== undefined) hf.env.cacheDir = opts.cacheDir;
    let name = opts.model;
    if (local) {
      hf.env.localModelPath = dirname(resolve(opts.model));
      name = basename(resolve(opts.model));
    }
    const pipe = await hf.pipeline('feature-extraction', name, { device: opts.device ?? 'cpu', dtype: opts.dtype ?? 'fp32' });
    return pipe as unknown as Extractor;
  };

  return {
    id,
    dim,
    async embed(texts) {
      if (texts.length === 0) return [];
      loading ??= load().catch((e: unknown) => {
        loading = undefined;
        throw siraError('SIRA_ERR_EMBEDDER_FAILED', `the onnx model ${opts.model} could not load`, { cause: e, details: { provider: 'onnx' } });
      });
      const extract = await loading;
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const batch = texts.slice(i, i + batchSize);
        let t: { dims: number[]; data: ArrayLike<number> };
        try {
          t = await extract(batch, { pooling, normalize: false });
        } catch (e) {
          throw siraError('SIRA_ERR_EMBEDDER_FAILED', `the onnx model ${opts.model} failed`, { cause: e, details: { provider: 'onnx' } });
        }
        const width = t.dims.at(-1)!;
        if (width !== dim) throw siraError('SIRA_ERR_EMBEDDER_FAILED', `onnx model ${opts.model} gives ${width}-d vectors, configured dim is ${dim}`, { details: { provider: 'onnx' } });
        const data = Float32Array.from(t.data);
        for (let r = 0; r < batch.length; r++) out.push(l2normalize(data.slice(r * width, (r + 1) * width)));
      }
      return out;
    },
  };
}
