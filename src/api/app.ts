/**
 * @module api/app
 * `buildApp(deps)`: the Fastify application over a {@link SiraSession}, without `listen()` (that lives in
 * src/cli/serve.ts; tests use `app.inject()`). One error handler turns every failure into RFC 9457 problem+json;
 * `/v1/*` needs a bearer key; `/healthz`, `/readyz`, `/metrics` and `/docs` (OpenAPI 3.1) do not.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { siraError } from '../core/errors.ts';
import type { SiraSession } from '../sira.ts';
import { adminRoutes } from './admin.ts';
import { authHook, type KeyCacheOptions } from './auth.ts';
import { contextRoutes } from './context.ts';
import { conversationRoutes } from './conversations.ts';
import { feedbackRoutes } from './feedback.ts';
import { eventRoutes } from './events.ts';
import { evaluateRoutes } from './evaluate.ts';
import { experienceRoutes } from './experiences.ts';
import { healthRoutes } from './health.ts';
import { installIdempotency } from './idempotency.ts';
import { intentRoutes } from './intents.ts';
import { metricsPlugin } from './metrics.ts';
import { proxyRoutes } from './proxy.ts';
import { quotaHooks } from './quotas.ts';
import { profileRoutes } from './profiles.ts';
import { jsonBodyParser } from './json-body.ts';
import { responseRoutes } from './responses.ts';
import { userRoutes } from './users.ts';
import { clientErrorHandler, errorHandler, notFoundHandler } from './problem.ts';
import { sessionRoutes } from './sessions.ts';
import { stateRoutes } from './state.ts';
import { blobRoutes } from './blobs.ts';
import { tensorRoutes } from './tensors.ts';
import { turnRoutes } from './turns.ts';
import { schemaErrorFormatter, validatorCompiler } from './validation.ts';
import { VERSION } from './version.ts';
import { mcpRoutes } from '../mcp/http.ts';
import { workspaceRoutes } from './workspaces.ts';
import { wsRoutes } from './ws.ts';
import { addBackgroundErrorSink } from '../core/background.ts';
import { dashboardRoutes } from './dashboard.ts';
import { addRequestTracing } from './tracing.ts';
import { installOverloadGuard, type LoopDelayProbe } from './overload.ts';

/** What {@link buildApp} needs. */
export interface AppDeps {
  /** The open service; the app does not close it. */
  sira: SiraSession;
  /** Fastify's `logger` option: false, true, or pino options. Ignored when `loggerInstance` is given. @default false */
  logger?: boolean | Record<string, unknown>;
  /** A ready pino logger to use instead of `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** Require an API key for `/metrics` too. @default false */
  metricsAuth?: boolean;
  /** The key cache in front of `sira.authenticate`. @default { max: 1024, ttlMs: 5000 } */
  authCache?: KeyCacheOptions;
  /** Test hook: the event-loop delay (ms) the overload guard reads instead of measuring it. @default measured */
  loopDelayProbe?: LoopDelayProbe;
}

/** Build the HTTP application (not listening). Await `app.ready()` or use `app.inject()`. */
// Over 80 lines on purpose: the application's assembly, one registration after another in the order they must run.
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { sira } = deps;
  const opts: FastifyServerOptions = {
    bodyLimit: sira.options.limits.maxBodyBytes,
    // Requests arriving during shutdown get our own 503 problem (below) instead of Fastify's bare JSON.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    schemaErrorFormatter: schemaErrorFormatter as FastifyServerOptions['schemaErrorFormatter'],
    frameworkErrors: (error, request, reply) => {
      errorHandler(error, request, reply);
    },
    // Malformed HTTP (before any route): problem+json too, then the connection is closed (api/problem).
    clientErrorHandler: clientErrorHandler as FastifyServerOptions['clientErrorHandler'],
    // Session ids and tensor names are up to 128 chars (a tensor name's `/` arrives as `%2F`).
    routerOptions: { maxParamLength: 512, ignoreTrailingSlash: true },
  };
  const app =
    deps.loggerInstance === undefined
      ? Fastify({ ...opts, logger: deps.logger ?? false })
      : Fastify({ ...opts, loggerInstance: deps.loggerInstance });
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.setValidatorCompiler(validatorCompiler);
  // Responses are plain JSON.stringify: the response schemas document the API (and type-check handlers) but must
  // not filter client JSON such as metadata or state, which fast-json-stringify would do for open objects. It is
  // also the faster one here: compiled from the hot routes' schemas, fast-json-stringify 7.3 took 1.3-5× the CPU of
  // JSON.stringify on append, last-20 and context responses (the content and part unions; bench/internal/serialize-cost.ts).
  api.setSerializerCompiler(() => (data) => JSON.stringify(data));
  api.decorateRequest('siraErrorCode', null);
  api.decorateRequest('tenant', '');
  api.setErrorHandler(errorHandler);
  if (sira.options.tracing) addRequestTracing(app);
  api.setNotFoundHandler(notFoundHandler);
  // JSON (and the binary types the tensor routes add) only: a text/plain body is answered 415.
  api.removeContentTypeParser('text/plain');
  // JSON bodies: empty = none, UTF-8 and Unicode checked, numbers finite (api/json-body).
  api.removeContentTypeParser('application/json');
  api.addContentTypeParser('application/json', { parseAs: 'buffer' }, jsonBodyParser(app));

  // Background errors the service survives are logged at warn here (and counted on /metrics).
  const removeSink = addBackgroundErrorSink((task, err) => app.log.warn({ err, task }, 'background task failed'));
  app.addHook('onClose', async () => {
    removeSink();
  });

  let closing = false;
  api.addHook('preClose', async () => {
    closing = true;
  });
  api.addHook('onRequest', async () => {
    if (closing) throw siraError('SIRA_ERR_SHUTTING_DOWN', 'the service is shutting down; retry on another instance');
  });
  // Back-pressure: refuse on arrival when saturated, before auth and body parsing (api/overload).
  installOverloadGuard(app, sira.options.overload, deps.loopDelayProbe);

  await api.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Sira Session',
        version: VERSION,
        description: 'Session and context service of the Sira gateway. Errors are application/problem+json (RFC 9457) with a stable `code`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer <key>' } } },
      tags: [
        { name: 'sessions' },
        { name: 'turns' },
        { name: 'state' },
        { name: 'tensors' },
        { name: 'context', description: 'Context windows: relevance-scored turns under a token budget; the gateway routes (enrich, chat completions proxy)' },
        { name: 'events', description: 'Session events: Server-Sent Events or JSON pages, resumable by id' },
        { name: 'profiles', description: 'User profiles: preferences and facts learned from user turns, with history and evidence' },
        { name: 'health', description: 'Probes and metrics (no auth)' },
        { name: 'intents', description: 'Intent classification: built-in models and tenant-trained ones' },
        { name: 'experiences', description: 'Agent trajectories: similar-task search with success statistics and lessons, the strategy graph' },
        { name: 'admin', description: 'Operator routes (the admin key): tenant policies and quotas, API keys, the audit log' },
        { name: 'openai', description: 'OpenAI Responses and Conversations API, stored by Sira and forwarded to the upstream' },
      ],
    },
  });
  await api.register(swaggerUi, { routePrefix: '/docs' });

  const guard = authHook(sira, deps.authCache);
  await api.register(metricsPlugin, { sira, ...(deps.metricsAuth === true ? { guard } : {}) });
  await api.register(healthRoutes, { sira });
  await api.register(dashboardRoutes);
  await api.register(
    async (v1) => {
      v1.addHook('onRequest', guard);
      // Ids starting with `_` belong to the service (e.g. `_ws:<id>`, the session behind a workspace): no client
      // session can have one, and the session routes must not reach those.
      v1.addHook('onRequest', async (request) => {
        const header = request.headers['x-sira-session'];
        if (/^\/v1\/sessions\/(_|%5f)/i.test(request.url) || (typeof header === 'string' && header.startsWith('_'))) {
          throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
        }
      });
      // Rate limits and storage quotas: after auth, before the body is read.
      const quotas = quotaHooks(sira);
      v1.addHook('onRequest', quotas.onRequest);
      v1.addHook('onResponse', quotas.onResponse);
      installIdempotency(v1, sira);
      await v1.register(sessionRoutes, { sira });
      await v1.register(turnRoutes, { sira });
      await v1.register(stateRoutes, { sira });
      await v1.register(tensorRoutes, { sira });
      await v1.register(blobRoutes, { sira });
      await v1.register(contextRoutes, { sira });
      await v1.register(feedbackRoutes, { sira });
      await v1.register(eventRoutes, { sira });
      await v1.register(proxyRoutes, { sira });
      await v1.register(workspaceRoutes, { sira });
      await v1.register(evaluateRoutes, { sira });
      await v1.register(profileRoutes, { sira });
      await v1.register(userRoutes, { sira });
      await v1.register(intentRoutes, { sira });
      await v1.register(experienceRoutes, { sira });
      await v1.register(responseRoutes, { sira });
      await v1.register(conversationRoutes, { sira });
    },
    { prefix: '/v1' },
  );
  await api.register(adminRoutes, { sira, prefix: '/v1/admin' });
  // MCP over streamable HTTP, with the same keys (outside /v1: MCP clients are given the endpoint URL as is).
  await api.register(async (mcp) => {
    mcp.addHook('onRequest', guard);
    await mcp.register(mcpRoutes, { sira });
  });
  // The WebSocket authenticates itself (header, ?token= or first message: browsers cannot send headers).
  await api.register(wsRoutes, { sira, prefix: '/v1' });
  return app;
}
