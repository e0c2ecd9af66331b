/**
 * @module sira-session
 * Public library surface: the same operations as the HTTP API (DESIGN §1, §7).
 */
export { SiraSession, TenantSessions, hashApiKey, type SiraDeps, type ContextRequestInput } from './sira.ts';
export type { EvaluateRequestInput } from './sira.ts';
export { SessionEvaluator, loadQualityModel, type SessionIntentClassifier, type SessionIntent, type SessionEvaluation, type QualityModel } from './memory/evaluate/index.ts';
export * from './memory/index.ts';
export * from './models/index.ts';
export * from './core/index.ts';
export type { Store, StoreStats, ListSessionsOptions, DocRecord, ListDocsOptions } from './storage/store.ts';
export { openStore } from './storage/index.ts';
