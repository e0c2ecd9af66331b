/**
 * The Python client (clients/python/sira_session.py, standard library only) against the real service over HTTP:
 * sessions, turns, state conflicts, context, tensors through its built-in safetensors reader and through the stock
 * `safetensors` package with numpy (when that is installed: `.ci/run` installs it), events.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../helpers/app.ts';

const run = promisify(execFile);
let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await testApp();
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.close();
});

describe('Python client', () => {
  it('round-trips sessions, turns, state, context, tensors and events against the service', async () => {
    const script = fileURLToPath(new URL('./python_check.py', import.meta.url));
    const lib = fileURLToPath(new URL('../../clients/python', import.meta.url));
    const { stdout } = await run('python3', [script, base, t.key, lib], { timeout: 60_000 });
    const r = JSON.parse(stdout) as Record<string, unknown>;
    expect(r.session_metadata).toEqual({ lang: 'python' });
    expect(r.seqs).toEqual([1, 2]);
    expect(r.last).toEqual(['cute!']);
    expect(r.state_version).toBe(1);
    expect(r.conflict).toEqual([409, 'SIRA_ERR_STATE_VERSION_CONFLICT']);
    expect(r.context_selected).toContain(1);
    expect(r.tensor_put).toEqual([2, 2]);
    expect(r.builtin_reader).toEqual(['F32', [2, 2], true]);
    expect((r.events as string[]).slice(0, 2)).toEqual(['session.created', 'turns.appended']);
    expect(r.deleted).toBe('SIRA_ERR_SESSION_NOT_FOUND');
    if (r.stock_safetensors === null) {
      console.warn('python3 has no safetensors/numpy: the stock-package check did not run (pip install safetensors numpy)');
    } else {
      expect(r.stock_safetensors).toEqual(['float32', [2, 2], [1.5, -2, 3.25, 4]]);
      expect(r.numpy_round_trip).toEqual(['int64', [3, 2], [0, 1, 2, 3, 4, 5]]);
    }
  });
});
