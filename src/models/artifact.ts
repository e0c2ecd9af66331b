/**
 * @module models/artifact
 * Trained model artifacts: `data/models/<name>/<version>/` holds `model.safetensors` (the weights; any dtype)
 * and `card.json` (the model card: what data, which features, which metrics, when, with which seed). Versions
 * are `v1`, `v2`, …; {@link loadLatestArtifact} picks the highest. The service loads artifacts at start; the
 * scripts in training/ write them (`npm run train -- <task>`).
 */
import { mkdirSync, readdirSync, readFileSync, existsSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { siraError } from '../core/errors.ts';
import type { Tensor } from '../core/types.ts';
import { decodeSafetensors, encodeSafetensors } from '../core/safetensors.ts';

/** The model card written next to the weights. */
export interface ModelCard {
  /** Artifact name, e.g. `intent-clinc150`. */
  name: string;
  /** `v1`, `v2`, … */
  version: string;
  /** One line: what the model does. */
  description: string;
  /** ISO date-time of training. */
  created_at: string;
  /** Seed the training ran with (training is reproducible from it). */
  seed: number;
  /** Data the model was trained and evaluated on, with licenses. */
  data: { name: string; split: string; rows: number; license?: string }[];
  /** Features / architecture in words. */
  features: string;
  /** Held-out metrics (and train metrics where useful), by name. */
  metrics: Record<string, number>;
  /** The command that produced it. */
  command: string;
  /** Anything the loader needs besides the tensors (label names, thresholds, vocab sizes …). */
  config: Record<string, unknown>;
}

/** A loaded artifact. */
export interface Artifact {
  dir: string;
  card: ModelCard;
  tensors: Record<string, Tensor>;
}

/** The repository's `data/models` (where committed artifacts live), whether run from src/ or dist/. */
export function defaultModelsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/models → ../../data/models ; dist/src/models → ../../../data/models
  for (const up of ['../../data/models', '../../../data/models']) {
    const p = resolve(here, up);
    if (existsSync(p)) return p;
  }
  return resolve(here, '../../data/models');
}

/** A Float32Array as an f32 tensor of `shape` (bytes shared, no copy). */
export function f32Tensor(data: Float32Array, shape: number[]): Tensor {
  return { dtype: 'f32', shape, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** The f32 values of a tensor (copied so the result is aligned and owned). */
export function tensorF32(t: Tensor | undefined, name = 'tensor'): Float32Array {
  if (t === undefined || t.dtype !== 'f32') throw siraError('SIRA_ERR_CODEC_CORRUPT', `artifact: ${name} missing or not f32`);
  const out = new Float32Array(t.data.byteLength / 4);
  new Uint8Array(out.buffer).set(t.data);
  return out;
}

/** Write an artifact (atomically: a temp dir renamed into place); returns its directory. */
export function saveArtifact(root: string, card: ModelCard, tensors: Record<string, Tensor>): string {
  const dir = join(root, card.name, card.version);
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'model.safetensors'), encodeSafetensors(tensors, { name: card.name, version: card.version }));
  writeFileSync(join(tmp, 'card.json'), `${JSON.stringify(card, null, 2)}\n`);
  mkdirSync(dirname(dir), { recursive: true });
  if (existsSync(dir)) {
    // Replace in place (retraining the same version): move the old one aside first.
    renameSync(dir, `${dir}.old-${process.pid}-${Date.now()}`);
  }
  renameSync(tmp, dir);
  return dir;
}

/** Load the artifact in `dir`; throws SIRA_ERR_CODEC_CORRUPT when it is missing or malformed. */
export function loadArtifact(dir: string): Artifact {
  try {
    const card = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) as ModelCard;
    const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))), { copy: true });
    return { dir, card, tensors };
  } catch (cause) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `artifact at ${dir} could not be loaded`, { cause });
  }
}

/** Versions of an artifact present under `root`, ascending (`v1`, `v2`, … `v10`). */
export function artifactVersions(root: string, name: string): string[] {
  const d = join(root, name);
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((v) => /^v\d+$/.test(v) && existsSync(join(d, v, 'card.json')))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

/** The newest version of artifact `name`, or undefined when none is there. */
export function loadLatestArtifact(root: string, name: string): Artifact | undefined {
  const v = artifactVersions(root, name).at(-1);
  return v === undefined ? undefined : loadArtifact(join(root, name, v));
}
