/**
 * @module memory/evaluate/evaluator
 * Session evaluation (DESIGN §6 "Intent and quality"): the session's intent from an injected classifier, and its
 * quality — resolution, repetition, frustration and sentiment trend, each a score 0..1 with the seqs of the turns
 * behind it — from the quality model (./model.ts). Stateless apart from the lazily loaded model.
 */
import type { Turn } from '../../core/types.ts';
import { sessionFeatures } from './features.ts';
import { loadQualityModel, scoreFeatures, type QualityModel } from './model.ts';

/** What an intent classifier says about a session. */
export interface SessionIntent {
  /** The most likely intent label. */
  label: string;
  /** Its probability 0..1. */
  confidence: number;
  /** The top labels with their probabilities, most likely first. */
  distribution: { label: string; p: number }[];
  /** True when no known intent fits (the label is then the classifier's out-of-scope label). */
  out_of_scope: boolean;
}

/**
 * The intent classifier the evaluator calls (implemented in src/models/intent; injected through
 * `SiraDeps.intentClassifier`). It gets the turns the evaluation covers, chronological, all roles.
 */
export interface SessionIntentClassifier {
  classifySession(turns: readonly Turn[]): SessionIntent | Promise<SessionIntent>;
  /** Name and version of the classifier's model, reported with the intent. */
  readonly model?: { name: string; version: string };
}

/** One quality score and the turns that drove it (seqs, ascending). */
export interface QualityScore {
  score: number;
  evidence: number[];
}

/** The result of {@link SessionEvaluator.evaluate}. */
export interface SessionEvaluation {
  /** The intent, or null when no classifier is configured (`intent_available: false`) or it was not asked for. */
  intent: (SessionIntent & { model: { name: string; version: string } | null }) | null;
  intent_available: boolean;
  /** Why `intent` is null although a classifier is configured: it threw (the quality scores are still returned). */
  intent_error?: string;
  quality: {
    /** Was the user's issue resolved (1) or not (0). */
    resolution: QualityScore;
    /** Did the user have to ask the same thing again. */
    repetition: QualityScore;
    /** Was the user frustrated at some point. */
    frustration: QualityScore;
    /** Does the user's mood improve over the session (above 0.5) or worsen (below). */
    sentiment_trend: QualityScore;
    /** 0.5·resolution + 0.2·(1 − repetition) + 0.2·(1 − frustration) + 0.1·sentiment_trend. */
    overall: number;
  };
  /** The quality model (artifact name and version), or null for the hand-set fallback. */
  model: { name: string; version: string } | null;
  /** True when the quality scores come from the hand-set fallback (no trained artifact was found). */
  fallback: boolean;
  /** How many turns were evaluated (the newest ones, up to the request's `last`). */
  turns: number;
}

/** Options of {@link SessionEvaluator}. */
export interface SessionEvaluatorOptions {
  /** The intent classifier; none: `intent: null, intent_available: false`. */
  intent?: SessionIntentClassifier;
  /** The quality model; default: the newest `quality` artifact in data/models, else the fallback (loaded on first use). */
  quality?: QualityModel;
}

const round = (v: number): number => Math.round(v * 1e4) / 1e4;

/** Evaluates sessions; share one per service. */
export class SessionEvaluator {
  readonly #intent: SessionIntentClassifier | undefined;
  #quality: QualityModel | undefined;

  constructor(opts: SessionEvaluatorOptions = {}) {
    this.#intent = opts.intent;
    this.#quality = opts.quality;
  }

  /** The quality model in use (loading the artifact on first call). */
  get qualityModel(): QualityModel {
    this.#quality ??= loadQualityModel();
    return this.#quality;
  }

  /**
   * Evaluate `turns` (chronological); `intent: false` skips the classifier. `classifier` is used when none was
   * injected at construction (the service passes the tenant's own intent model, else the built-in one).
   */
  async evaluate(turns: readonly Turn[], opts: { intent?: boolean; classifier?: SessionIntentClassifier } = {}): Promise<SessionEvaluation> {
    const classifier = this.#intent ?? opts.classifier;
    const m = this.qualityModel;
    const f = sessionFeatures(turns, m.terms);
    const p = scoreFeatures(m.weights, f.x);
    const score = (v: number, evidence: number[]): QualityScore => ({ score: round(v), evidence });
    const overall = 0.5 * p.resolution + 0.2 * (1 - p.repetition) + 0.2 * (1 - p.frustration) + 0.1 * p.sentiment_trend;
    let intent: SessionEvaluation['intent'] = null;
    let intentError: string | undefined;
    if (classifier !== undefined && opts.intent !== false) {
      try {
        const r = await classifier.classifySession(turns);
        intent = { label: r.label, confidence: r.confidence, distribution: r.distribution, out_of_scope: r.out_of_scope, model: classifier.model ?? null };
      } catch (err) {
        // A failing classifier must not take the quality scores down with it.
        intentError = err instanceof Error ? err.message : String(err);
      }
    }
    return {
      intent,
      intent_available: classifier !== undefined,
      ...(intentError === undefined ? {} : { intent_error: intentError }),
      quality: {
        resolution: score(p.resolution, f.evidence.resolution),
        repetition: score(p.repetition, f.evidence.repetition),
        frustration: score(p.frustration, f.evidence.frustration),
        sentiment_trend: score(p.sentiment_trend, f.evidence.sentiment_trend),
        overall: round(overall),
      },
      model: m.model,
      fallback: m.fallback,
      turns: turns.length,
    };
  }
}
