/**
 * @module models/intent/registry
 * The built-in intent models the service loads at start: the newest `intent-clinc150` and `intent-banking77`
 * artifacts under data/models. A missing artifact is not an error: its name then answers with the fallback result
 * (`fallback: true`, label `unknown`), so the service runs on a checkout without trained models.
 */
import { type Artifact, defaultModelsDir, loadLatestArtifact } from '../artifact.ts';
import {
  type ClassifyOptions,
  type IntentResult,
  type IntentTurn,
  type SessionClassifyOptions,
  type SessionIntentResult,
  IntentModel,
  fallbackIntent,
} from './model.ts';

/** Built-in model names → artifact names. `clinc150` (150 intents in 10 domains + out-of-scope) is the default. */
export const INTENT_ARTIFACTS = Object.freeze({ clinc150: 'intent-clinc150', banking77: 'intent-banking77' });

/** A built-in model name. */
export type IntentArtifactName = keyof typeof INTENT_ARTIFACTS;

/** What {@link IntentModels.list} says about each built-in model. */
export interface BuiltinIntentModelInfo {
  name: string;
  artifact: string;
  /** False when the artifact is absent (classification then falls back). */
  loaded: boolean;
  version?: string;
  labels?: number;
  metrics?: Record<string, number>;
}

/** The built-in models, loaded once. */
export class IntentModels {
  readonly #models = new Map<string, { model: IntentModel; artifact: Artifact }>();
  /** The model used when none is named. */
  readonly defaultName: IntentArtifactName = 'clinc150';

  /** Load the newest version of each built-in artifact under `root` (default: the repository's data/models). */
  static load(root: string = defaultModelsDir()): IntentModels {
    const out = new IntentModels();
    for (const [name, artifact] of Object.entries(INTENT_ARTIFACTS)) {
      const a = loadLatestArtifact(root, artifact);
      if (a !== undefined) out.#models.set(name, { model: IntentModel.fromArtifact(a), artifact: a });
    }
    return out;
  }

  /** The loaded model called `name` (default `clinc150`), or undefined when its artifact is absent. */
  get(name: string = this.defaultName): IntentModel | undefined {
    return this.#models.get(name)?.model;
  }

  /** True when `name` is a built-in model name (loaded or not). */
  has(name: string): boolean {
    return Object.hasOwn(INTENT_ARTIFACTS, name);
  }

  /** Each built-in model and whether it loaded. */
  list(): BuiltinIntentModelInfo[] {
    return Object.entries(INTENT_ARTIFACTS).map(([name, artifact]) => {
      const m = this.#models.get(name);
      if (m === undefined) return { name, artifact, loaded: false };
      return { name, artifact, loaded: true, version: m.artifact.card.version, labels: m.model.config.labels.length, metrics: m.artifact.card.metrics };
    });
  }

  /** Classify `text` with model `name`; the fallback result when that model is absent. */
  classify(text: string, name: string = this.defaultName, opts?: ClassifyOptions): IntentResult {
    return this.get(name)?.classify(text, opts) ?? fallbackIntent();
  }

  /** The session intent of `turns` with model `name`; the fallback result when that model is absent. */
  classifySession(turns: readonly IntentTurn[], name: string = this.defaultName, opts?: SessionClassifyOptions): SessionIntentResult {
    return this.get(name)?.classifySession(turns, opts) ?? { ...fallbackIntent(), turns: [] };
  }
}
