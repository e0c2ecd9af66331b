/** @module memory — the context engine, the embedding enrichment pipeline, experiences, cross-session recall and the HNSW vector index (profiles and collaboration come later). */
export * from './context/index.ts';
export * from './embed-queue.ts';
export * from './embedding-store.ts';
export * from './enrichment.ts';
export * from './policy/index.ts';
export * from './experiences/index.ts';
export * from './recall.ts';
export * from './vector-index.ts';
