/**
 * @module api/dashboard
 * `GET /dashboard`: a static page (dashboard/ at the package root: HTML, one ES module, CSS; no build step) that
 * works entirely through the authenticated API with the key the operator types in — sessions and turns, the context
 * chosen for a query with every candidate's score components as a heatmap and its reason, live events, workspaces,
 * profiles, experiences, and request-rate / latency charts from `/metrics`. The page itself holds no data, so it is
 * served without a key; everything it shows needs one and is scoped to that key's tenant.
 */
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';

// src/api and dist/api are both two levels below the package root, where dashboard/ lives.
const ROOT = new URL('../../dashboard/', import.meta.url);
const ASSETS: Record<string, string> = { 'index.html': 'text/html; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  // Read once at start: the files are part of the package (a missing file fails the start loudly).
  const files = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(new URL(name, ROOT))] as const));
  const headers = (name: string) => ({
    'content-type': ASSETS[name]!,
    'cache-control': 'no-cache',
    // The page talks to this origin only, runs only its own script, and may not be framed.
    'content-security-policy': "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  const hide = { schema: { hide: true } };
  app.get('/dashboard', hide, async (_req, reply) => reply.headers(headers('index.html')).send(files.get('index.html')));
  for (const name of ['app.js', 'app.css']) {
    app.get(`/dashboard/${name}`, hide, async (_req, reply) => reply.headers(headers(name)).send(files.get(name)));
  }
};
