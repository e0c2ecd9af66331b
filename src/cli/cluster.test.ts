import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../core/config.ts';
import { captureIo } from '../../test/helpers/cli.ts';
import { workerOptions } from './cluster-worker.ts';
import { parseWorkers } from './cluster.ts';
import { main } from './main.ts';

describe('serve --workers', () => {
  it('parseWorkers() takes 1..256 or auto (the cores); nothing given is 1; anything else is undefined', () => {
    expect(parseWorkers(undefined)).toBe(1);
    expect(parseWorkers('')).toBe(1);
    expect(parseWorkers('3')).toBe(3);
    expect(parseWorkers('auto')).toBe(availableParallelism());
    for (const bad of ['0', '257', '-1', '1.5', 'two']) expect(parseWorkers(bad)).toBeUndefined();
  });

  it('workerOptions() keeps the background jobs in slot 1 only', () => {
    const options = resolveConfig({ sweepIntervalMs: 500, retentionSweepMs: 1000, prefetchIntervalMs: 2000 });
    expect(workerOptions(options, 1)).toBe(options);
    expect(workerOptions(options, 2)).toMatchObject({ sweepIntervalMs: 0, retentionSweepMs: 0, prefetchIntervalMs: 0, port: options.port });
  });

  it('a bad --workers or SIRA_WORKERS is a usage error (exit 2)', async () => {
    const io = captureIo();
    expect(await main(['serve', '--workers', '0'], io)).toBe(2);
    expect(io.err()).toContain('--workers must be an integer 1..256 or auto');
    const env = captureIo();
    env.env = { SIRA_WORKERS: 'many' };
    expect(await main(['serve'], env)).toBe(2);
  });

  it('the primary loads no more than it needs: importing cli/main loads neither the service, the store, the API nor typebox', () => {
    // A child process records every module it resolves while it imports main.ts (what the bin does in the primary).
    const main = new URL('./main.ts', import.meta.url).href;
    const script = `
      import { registerHooks } from 'node:module';
      const seen = [];
      registerHooks({ resolve(spec, ctx, next) { const r = next(spec, ctx); seen.push(r.url); return r; } });
      await import(${JSON.stringify(main)});
      console.log(JSON.stringify(seen));`;
    const seen = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) })) as string[];
    expect(seen.some((u) => u.endsWith('/src/cli/cluster.ts'))).toBe(true); // the hook saw main's own imports
    const heavy = seen.filter((u) => /\/src\/(sira|api\/app|storage\/lmdb\/lmdb-store|core\/config)\.ts$|\/node_modules\/(fastify|lmdb|ioredis|typebox|@nats-io)\//.test(u));
    expect(heavy).toEqual([]);
  });
});
