/** The adapters' examples (examples/*.ts) run unchanged against a live service, as the README shows them. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../helpers/app.ts';

const run = promisify(execFile);
let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await testApp();
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.close();
});

const example = (name: string) => run(process.execPath, [fileURLToPath(new URL(`../../examples/${name}`, import.meta.url))], { env: { ...process.env, SIRA_URL: url, SIRA_KEY: t.key }, timeout: 60_000 });

describe('examples', () => {
  it('examples/ai-sdk.ts: the second call sees the first exchange in its prompt', async () => {
    const { stdout } = await example('ai-sdk.ts');
    const [first, second] = stdout.trim().split('\n');
    expect(first).toMatch(/^\(\d+ messages in the prompt\)$/);
    expect(Number(/\d+/.exec(second!)![0])).toBeGreaterThan(Number(/\d+/.exec(first!)![0]));
    expect(await t.sira.tenant('acme').getTurns('example-ai-sdk', { last: 10 })).toHaveLength(4);
  });

  it('examples/openai-agents.ts: the second run replays the stored history', async () => {
    const { stdout } = await example('openai-agents.ts');
    expect(stdout.trim().split('\n')).toEqual(['(1 items of history)', '(3 items of history)']);
    expect(await t.sira.tenant('acme').getTurns('example-agents', { last: 10 })).toHaveLength(4);
  });
});
