import { availableParallelism } from 'node:os';
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
});
