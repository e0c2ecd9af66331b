/** @module models/embedders — the embedding providers behind {@link Embedder} (static, offline USE-lite, openai, onnx), and the factory from configuration. */
import { siraError } from '../../core/errors.ts';
import type { Embedder } from '../embedder.ts';
import { createOnnxEmbedder, type OnnxEmbedderOptions } from './onnx.ts';
import { createOpenAiEmbedder, type OpenAiEmbedderOptions } from './openai.ts';
import { createStaticEmbedder, type StaticEmbedderOptions } from './static.ts';
import { createUseLiteEmbedder, createUseLiteWorkerEmbedder, type UseLiteWorkerOptions } from './use-lite.ts';

export { createOnnxEmbedder, readSentenceTransformersConfig, type OnnxEmbedderOptions, type OnnxPooling } from './onnx.ts';
export { createOpenAiEmbedder, type OpenAiEmbedderOptions } from './openai.ts';
export { createUseLiteEmbedder, createUseLiteWorkerEmbedder, type UseLiteOptions, type UseLiteWorkerOptions } from './use-lite.ts';
export { UseTokenizer } from './use-tokenizer.ts';
export { createStaticEmbedder, STATIC_ARTIFACT, STATIC_VERSION, type StaticEmbedder, type StaticEmbedderOptions } from './static.ts';
export { StaticUnits, wordTokens } from './static-units.ts';

/** Which embedder to use: none, the static table (default), the offline USE-lite, an OpenAI-compatible endpoint, or a sentence-transformers ONNX model. */
export type EmbedderConfig =
  | { provider: 'none' }
  | ({ provider: 'static' } & StaticEmbedderOptions)
  | ({ provider: 'offline' } & UseLiteWorkerOptions)
  | ({ provider: 'openai' } & OpenAiEmbedderOptions)
  | ({ provider: 'onnx' } & OnnxEmbedderOptions);

/** The embedder of a configuration (undefined for `none`); no model is loaded until the first `embed` (the static embedder reads its card at once). */
export function createEmbedder(config: EmbedderConfig): Embedder | undefined {
  switch (config.provider) {
    case 'none':
      return undefined;
    case 'static':
      return createStaticEmbedder(config);
    case 'offline':
      return config.worker === false ? createUseLiteEmbedder(config) : createUseLiteWorkerEmbedder(config);
    case 'openai':
      return createOpenAiEmbedder(config);
    case 'onnx':
      return createOnnxEmbedder(config);
    default:
      throw siraError('SIRA_ERR_CONFIG_INVALID', `unknown embedder provider ${(config as { provider: unknown }).provider as string}`);
  }
}
