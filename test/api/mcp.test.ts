/**
 * The MCP server, driven by the official SDK's own client: over streamable HTTP at `/mcp` of a listening service
 * (bearer key → tenant), and over stdio through `sira-session mcp` spawned as a child process.
 */
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SiraSession } from '../../src/sira.ts';
import { tempDir, testApp, type TestApp } from '../helpers/app.ts';

const BIN = fileURLToPath(new URL('../../bin/sira-session.js', import.meta.url));
type Result = { content: { type: string; text: string }[]; structuredContent?: Record<string, unknown>; isError?: boolean };

async function httpClient(base: string, key: string): Promise<Client> {
  const client = new Client({ name: 'sira-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  return client;
}
const call = async (c: Client, name: string, args: Record<string, unknown>) => (await c.callTool({ name, arguments: args })) as Result;

describe('MCP over streamable HTTP', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await testApp();
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists the memory tools; append, read and search context work on the key’s tenant', async () => {
    const c = await httpClient(base, t.key);
    const names = (await c.listTools()).tools.map((x) => x.name).sort();
    expect(names).toEqual(['append_turns', 'experience_record', 'experience_search', 'profile_forget', 'profile_read', 'read_turns', 'search_context']);

    const appended = await call(c, 'append_turns', {
      session_id: 'mcp-s1',
      user_id: 'u-mcp',
      turns: [
        { role: 'user', content: 'My passport number ends in 4471.' },
        { role: 'assistant', content: 'Noted.' },
        { role: 'user', content: 'We talked about football and pasta.' },
      ],
    });
    expect(appended.isError).toBeUndefined();
    expect((appended.structuredContent!.turns as { seq: number }[]).map((x) => x.seq)).toEqual([1, 2, 3]);
    const read = await call(c, 'read_turns', { session_id: 'mcp-s1', last: 2 });
    expect((read.structuredContent!.turns as { seq: number }[]).map((x) => x.seq)).toEqual([2, 3]);
    const ctx = await call(c, 'search_context', { session_id: 'mcp-s1', query: 'What does my passport number end in?', budget_tokens: 500 });
    expect(JSON.stringify(ctx.structuredContent!.messages)).toContain('4471');
    expect((ctx.structuredContent!.usage as { used: number }).used).toBeLessThanOrEqual(500);
    // Written through MCP, visible through the REST API of the same tenant.
    expect((await t.sira.tenant('acme').getTurns('mcp-s1', {})).length).toBe(3);
    await c.close();

    // Another tenant's key sees another memory.
    const b = await httpClient(base, t.keyB);
    const missing = await call(b, 'read_turns', { session_id: 'mcp-s1' });
    expect(missing.isError).toBe(true);
    expect(missing.content[0]!.text).toMatch(/^SIRA_ERR_SESSION_NOT_FOUND/);
    await b.close();
  });

  it('experience record/search and profile read/forget', async () => {
    const c = await httpClient(base, t.key);
    const rec = await call(c, 'experience_record', { task: 'refund a duplicate charge', agent_id: 'billing-bot', steps: [{ tool: 'billing', action: 'lookup_invoice', ok: true }, { action: 'refund', ok: true }], outcome: 'success', reward: 1 });
    expect(rec.isError).toBeUndefined();
    const found = await call(c, 'experience_search', { task: 'refund a double charge', k: 3 });
    expect(JSON.stringify(found.structuredContent)).toContain(String(rec.structuredContent!.id));
    const bad = await call(c, 'experience_record', { task: '', agent_id: 'x', steps: [], outcome: 'success' });
    expect(bad.isError).toBe(true);
    expect(bad.content[0]!.text).toMatch(/^SIRA_ERR_EXPERIENCE_INVALID/);

    const none = await call(c, 'profile_read', { user_id: 'nobody' });
    expect(none.content[0]!.text).toMatch(/^SIRA_ERR_PROFILE_NOT_FOUND/);
    const forgot = await call(c, 'profile_forget', { user_id: 'u-mcp', delete_sessions: true });
    expect(forgot.structuredContent).toMatchObject({ user_id: 'u-mcp', deleted: { sessions: 1 } });
    await c.close();
  });

  it('/mcp needs a valid key (401 problem)', async () => {
    const res = await fetch(`${base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(res.status).toBe(401);
    expect((await res.json()) as Record<string, unknown>).toMatchObject({ code: 'SIRA_ERR_AUTH_MISSING' });
    await expect(httpClient(base, 'wrong-key-000000000')).rejects.toThrow();
  });
});

describe('MCP over stdio (sira-session mcp)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent' });
    await sira.tenant('acme').createSession({ id: 'stdio-s1' });
    await sira.tenant('acme').appendTurns('stdio-s1', [{ role: 'user', content: 'The gate code is 9-3-1.' }]);
    await sira.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the SDK client spawns the command and uses the tenant’s memory', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--tenant', 'acme', '--data-dir', dir], stderr: 'pipe' });
    const c = new Client({ name: 'sira-test', version: '1.0.0' });
    await c.connect(transport);
    expect((await c.listTools()).tools).toHaveLength(7);
    const read = await call(c, 'read_turns', { session_id: 'stdio-s1' });
    expect(JSON.stringify(read.structuredContent)).toContain('9-3-1');
    const appended = await call(c, 'append_turns', { session_id: 'stdio-s1', turns: [{ role: 'assistant', content: 'Got it.' }] });
    expect((appended.structuredContent!.turns as { seq: number }[])[0]!.seq).toBe(2);
    await c.close();
    // The child closed its store: the turns are on disk for the next opener.
    const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent' });
    try {
      expect(await sira.tenant('acme').getTurns('stdio-s1', {})).toHaveLength(2);
    } finally {
      await sira.close();
    }
  });
});
