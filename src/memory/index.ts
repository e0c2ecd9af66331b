/** @module memory — the context engine (experiences, profiles and collaboration come later). */
export * from './context/index.ts';
