/** @module memory/experiences — agent trajectories: storage, similar-task search, statistics, lessons, the strategy graph. */
export * from './experiences.ts';
export * from './hashing-embedder.ts';
export * from './llm-lessons.ts';
export * from './patterns.ts';
export * from './record.ts';
export * from './term-match.ts';
