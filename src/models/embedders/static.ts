/**
 * @module models/embedders/static
 * The default embedder: a static-embedding model distilled from USE-lite (model2vec-style; trained by
 * `npm run train -- static-embed`, artifact `data/models/static-embed/<version>`). A text is cut into units
 * (USE-lite's SentencePiece pieces, plus a word list; {@link StaticUnits}); its vector is the L2-normalised sum of
 * the units' int8 rows × their scales (the SIF weight lives in each row's length). Pure TypeScript, no worker:
 * a turn embeds in microseconds, synchronously ({@link StaticEmbedder.embedSync}), so appends can embed inline and
 * no embedding backlog ever builds up.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { siraError } from '../../core/errors.ts';
import { defaultModelsDir, loadArtifact, type ModelCard } from '../artifact.ts';
import type { Embedder } from '../embedder.ts';
import { StaticUnits, useLiteVocabulary } from './static-units.ts';

/** Artifact name of the static embedder under data/models. */
export const STATIC_ARTIFACT = 'static-embed';
/**
 * The artifact version this code loads by default (it names the stored vectors: `static-embed-v3`). v3 is v2 (the
 * USE-lite distillation) plus 8,000 common words, retrofitted to WordNet synonyms (`npm run train --
 * static-retrofit`); v2 loads the same way (`dir`).
 */
export const STATIC_VERSION = 'v3';

/** Options of {@link createStaticEmbedder}. */
export interface StaticEmbedderOptions {
  /** Artifact directory (holding card.json and model.safetensors). @default data/models/static-embed/v3 */
  dir?: string;
  /** Characters of a text used (the head of a long turn carries its topic; bounds the cost). @default 4000 */
  maxChars?: number;
}

/** An {@link Embedder} that also embeds synchronously. */
export interface StaticEmbedder extends Embedder {
  /** One L2-normalised vector per text, computed in the calling thread (microseconds per text). */
  embedSync(texts: readonly string[]): Float32Array[];
}

interface Loaded {
  units: StaticUnits;
  rows: Int8Array;
  scales: Float32Array;
}

/** Tables by directory, loaded once per process (every embedder instance over one artifact shares it). */
const tables = new Map<string, Loaded>();

function loadShared(dir: string, dim: number): Loaded {
  let t = tables.get(dir);
  if (t === undefined) tables.set(dir, (t = loadTable(dir, dim)));
  return t;
}

function loadTable(dir: string, dim: number): Loaded {
  const { card, tensors } = loadArtifact(dir);
  const v = tensors.vectors;
  const s = tensors.scales;
  const w = tensors.words;
  if (v?.dtype !== 'i8' || v.shape[1] !== dim || s?.dtype !== 'f32' || w?.dtype !== 'u8') {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `static embedder artifact at ${dir} lacks vectors (i8 [rows, ${dim}]), scales (f32) or words (u8)`);
  }
  const words = new TextDecoder().decode(w.data).split('\n');
  const vocabulary = useLiteVocabulary();
  const units = new StaticUnits(vocabulary, words);
  if (v.shape[0] !== units.size || card.config.pieces !== vocabulary.length) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `static embedder artifact at ${dir}: ${v.shape[0]} rows for ${units.size} units`);
  }
  const rows = new Int8Array(v.data.byteLength);
  rows.set(new Int8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength));
  const scales = new Float32Array(s.data.byteLength / 4);
  new Uint8Array(scales.buffer).set(s.data);
  return { units, rows, scales };
}

/**
 * The static embedder (`id` `static-embed-<version>`, `dim` from the artifact's card, 256 for v2 and v3). The card is read
 * at once (a missing artifact fails here, at start); the table (a few MB) is loaded on the first embed, once per process.
 */
export function createStaticEmbedder(opts: StaticEmbedderOptions = {}): StaticEmbedder {
  const dir = opts.dir ?? join(defaultModelsDir(), STATIC_ARTIFACT, STATIC_VERSION);
  const maxChars = opts.maxChars ?? 4000;
  let card: ModelCard;
  try {
    card = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) as ModelCard;
  } catch (cause) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `static embedder artifact missing at ${dir} (npm run train -- static-embed)`, { cause });
  }
  const dim = Number(card.config.dim);
  let loaded: Loaded | undefined;
  const one = (m: Loaded, text: string): Float32Array => {
    const out = new Float32Array(dim);
    for (const u of m.units.encode(text.length > maxChars ? text.slice(0, maxChars) : text)) {
      const scale = m.scales[u]!;
      const off = u * dim;
      for (let d = 0; d < dim; d++) out[d]! += m.rows[off + d]! * scale;
    }
    let s = 0;
    for (let d = 0; d < dim; d++) s += out[d]! * out[d]!;
    if (s === 0) {
      // A text with no known unit (empty, or only symbols USE-lite does not know): a fixed unit vector, so every
      // text gets one and identical texts stay identical.
      out[0] = 1;
      return out;
    }
    const k = 1 / Math.sqrt(s);
    for (let d = 0; d < dim; d++) out[d]! *= k;
    return out;
  };
  const embedSync = (texts: readonly string[]): Float32Array[] => {
    loaded ??= loadShared(dir, dim);
    const m = loaded;
    return texts.map((t) => one(m, t));
  };
  return {
    id: `${STATIC_ARTIFACT}-${card.version}`,
    dim,
    embedSync,
    embed(texts) {
      try {
        return Promise.resolve(embedSync(texts));
      } catch (e) {
        return Promise.reject(e instanceof Error && 'code' in e ? e : siraError('SIRA_ERR_EMBEDDER_FAILED', 'the static embedder failed', { cause: e }));
      }
    },
  };
}
