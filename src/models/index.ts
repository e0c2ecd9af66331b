/** @module models — token counting, the chat message format, and the embedders. */
export * from './tokens.ts';
export * from './chat.ts';
export { Lru } from './lru.ts';
export * from './embedder.ts';
export * from './embedders/index.ts';
export * from './intent/index.ts';
