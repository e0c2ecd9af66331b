/**
 * @module sira-entry
 * Where the library facade has always been imported from; it lives in src/sira/ (one file per group of operations).
 */
export * from './sira/index.ts';
