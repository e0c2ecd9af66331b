/**
 * @module api/express
 * Embed the HTTP API in an Express (4 or 5) gateway: `app.use(await siraExpress({ sira }))` serves `/v1/*`, `/mcp`,
 * `/healthz`, `/readyz`, `/metrics` and `/docs` through the same Fastify application `sira-session serve` runs
 * (same routes, schemas, auth, problem+json errors), and passes every other request on to the next handler.
 *
 * Mount it BEFORE any body parser (`express.json()` …): Sira reads and validates the raw body itself. A request
 * whose body was already consumed is passed to `next(err)` with an explanation instead of hanging.
 * Mounted under a path (`app.use('/sira', handler)`), Express strips that path, so `/sira/v1/sessions` is served
 * as `/v1/sessions`. Express is not a dependency of this package: the handler only uses Node's request/response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from './app.ts';

/** The paths served by Sira; everything else goes to `next()`. */
const SERVED = /^\/(v1(\/|$|\?)|mcp(\/|$|\?)|healthz|readyz|metrics|docs)/;

/** An Express-compatible middleware, with the Fastify app behind it and a close for shutdown. */
export interface SiraExpressHandler {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  /** The Fastify application serving the requests (for `inject` in tests, hooks, …). */
  readonly app: FastifyInstance;
  /** Close the Fastify application (not the SiraSession, which the caller owns). */
  close(): Promise<void>;
}

/** Build the middleware over an open SiraSession (see {@link buildApp} for the options). */
export async function siraExpress(deps: AppDeps): Promise<SiraExpressHandler> {
  const app = await buildApp(deps);
  await app.ready();
  const handler = ((req, res, next) => {
    if (!SERVED.test(req.url ?? '')) {
      next();
      return;
    }
    const r = req as IncomingMessage & { _body?: boolean; body?: unknown };
    if (r._body === true || req.readableEnded) {
      next(new Error('sira-session: the request body was already read by an earlier middleware; mount siraExpress() before body parsers'));
      return;
    }
    app.routing(req, res);
  }) as SiraExpressHandler;
  Object.defineProperty(handler, 'app', { value: app });
  handler.close = () => app.close();
  return handler;
}
