/** @module memory/evaluate — session evaluation: intent (injected classifier) and quality scores with evidence. */
export * from './evaluator.ts';
export * from './features.ts';
export * from './model.ts';
export { afinnLexicon, valence, CUES } from './lexicon.ts';
