/**
 * @module test/helpers/cli
 * Shared by the CLI tests: a captured {@link CliIo} and temporary directories removed after the file's tests.
 */
import { rm } from 'node:fs/promises';
import { afterAll } from 'vitest';
import type { CliIo } from '../../src/cli/main.ts';
import { tempDir } from './app.ts';

/** A CliIo whose stdout and stderr are collected as strings. */
export function captureIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {}, out: () => out, err: () => err };
}

/** `dir()` makes a temporary directory that is removed once the calling test file is done. */
export function tempDirs(): () => Promise<string> {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const d = await tempDir();
    dirs.push(d);
    return d;
  };
}
