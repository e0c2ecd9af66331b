/**
 * @module sira-session/server
 * The HTTP side of the package (`import { buildApp } from 'sira-session/server'`): the Fastify app, the Express
 * adapter and the server start-up. Kept apart from the library entry (`sira-session`) so that embedding the
 * library in-process does not load Fastify, the routes or the CLI (DESIGN §1: api sits above memory).
 */
export { buildApp } from './api/app.ts';
export { siraExpress, type SiraExpressHandler } from './api/express.ts';
export { startServer } from './cli/serve.ts';
