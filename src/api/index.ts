/** @module api — the HTTP API: `buildApp(deps)` and the pieces it is made of. */
export { buildApp, type AppDeps } from './app.ts';
export { authHook, bearerKey, createKeyCache, type KeyCacheOptions } from './auth.ts';
export { PROBLEM_TYPE_BASE, errorHandler, notFoundHandler, problemOf, sendProblem, type Problem } from './problem.ts';
export { VERSION } from './version.ts';
