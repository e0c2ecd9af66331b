/** @module memory/profile — user profiles: preference/fact extraction, profile documents with history, the pinned context block. */
export * from './classifier.ts';
export * from './extract.ts';
export * from './profile.ts';
export * from './rules.ts';
export * from './service.ts';
