/** @module memory — the context engine and the embedding enrichment pipeline (experiences, profiles and collaboration come later). */
export * from './context/index.ts';
export * from './embed-queue.ts';
export * from './embedding-store.ts';
export * from './enrichment.ts';
export * from './policy/index.ts';
