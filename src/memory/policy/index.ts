/** @module memory/policy — the adaptive context policy (issue 7): learned scorer weights, the strategy bandit, resume prediction and prefetch. */
export * from './learned-weights.ts';
export * from './bandit.ts';
export * from './policy.ts';
export * from './resume.ts';
export * from './prefetch.ts';
