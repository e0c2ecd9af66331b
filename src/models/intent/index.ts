/**
 * @module models/intent
 * Intent classification: a small, fast, offline classifier (TF-IDF word and character n-grams → temperature-scaled
 * multinomial logistic regression, f16 weights) with out-of-scope detection, session-level aggregation, training
 * for tenant models, and the committed artifacts `intent-clinc150` and `intent-banking77` under data/models.
 */
export { DEFAULT_FEATURES, type FeatureConfig, normalizeText } from './features.ts';
export {
  chooseThreshold,
  evaluateIntentModel,
  fitIntentModel,
  fitTemperature,
  type FitOptions,
  type FitResult,
  type IntentExample,
  type IntentMetrics,
} from './fit.ts';
export {
  type ClassifyOptions,
  fallbackIntent,
  IntentModel,
  type IntentModelConfig,
  type IntentResult,
  type IntentTurn,
  type LabelProb,
  type SessionClassifyOptions,
  type SessionIntentResult,
} from './model.ts';
export { INTENT_ARTIFACTS, IntentModels, type IntentArtifactName } from './registry.ts';
