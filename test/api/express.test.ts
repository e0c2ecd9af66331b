/** The Express adapter over real HTTP: Sira's routes inside an Express 5 app, the app's own routes untouched. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { siraExpress, type SiraExpressHandler } from '../../src/api/express.ts';
import { openTestSira } from '../helpers/app.ts';
import type { SiraSession } from '../../src/sira.ts';

describe('Express adapter', () => {
  let sira: SiraSession;
  let cleanup: () => Promise<void>;
  let handler: SiraExpressHandler;
  let server: Server | undefined;
  let key: string;

  beforeEach(async () => {
    ({ sira, cleanup } = await openTestSira());
    key = (await sira.createApiKey('acme')).key;
    handler = await siraExpress({ sira });
  });
  afterEach(async () => {
    await new Promise<void>((r) => (server === undefined ? r() : (server.closeAllConnections(), server.close(() => r()))));
    server = undefined;
    await handler.close();
    await cleanup();
  });

  const listen = async (app: express.Express): Promise<string> => {
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server!.once('listening', () => r()));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  };

  it('serves the API at the root and leaves other routes to Express', async () => {
    const app = express();
    app.use(handler);
    app.use(express.json());
    app.post('/gateway/echo', (req, res) => {
      res.json({ echoed: req.body as unknown });
    });
    const base = await listen(app);
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/v1/sessions`, { method: 'POST', headers: auth, body: JSON.stringify({ id: 'ex1' }) });
    expect(created.status).toBe(201);
    const turns = await fetch(`${base}/v1/sessions/ex1/turns`, { method: 'POST', headers: auth, body: JSON.stringify({ turns: [{ role: 'user', content: 'hi from express' }] }) });
    expect(turns.status).toBe(201);
    expect((await sira.tenant('acme').getTurns('ex1'))[0]?.parts).toEqual([{ type: 'text', text: 'hi from express' }]);
    const bad = await fetch(`${base}/v1/sessions`, { method: 'POST', headers: auth, body: JSON.stringify({ id: 42 }) });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const echo = await fetch(`${base}/gateway/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await echo.json()).toEqual({ echoed: { a: 1 } });
    expect((await fetch(`${base}/v1/sessions/ex1`)).status).toBe(401);
  });

  it('works mounted under a path, and refuses a body an earlier parser consumed', async () => {
    const app = express();
    app.use('/sira', handler);
    app.use('/late', express.json(), handler);
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: err.message });
    });
    const base = await listen(app);
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    expect((await fetch(`${base}/sira/v1/sessions`, { method: 'POST', headers: auth, body: '{"id":"ex2"}' })).status).toBe(201);
    expect((await fetch(`${base}/sira/v1/sessions/ex2`, { headers: auth })).status).toBe(200);
    const late = await fetch(`${base}/late/v1/sessions`, { method: 'POST', headers: auth, body: '{"id":"ex3"}' });
    expect(late.status).toBe(500);
    expect(((await late.json()) as { error: string }).error).toMatch(/before body parsers/);
    expect(await sira.tenant('acme').getSession('ex3').catch(() => undefined)).toBeUndefined();
  });
});
