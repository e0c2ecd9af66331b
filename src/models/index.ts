/** @module models — token counting and the chat message format (embedders come later). */
export * from './tokens.ts';
export * from './chat.ts';
export { Lru } from './lru.ts';
