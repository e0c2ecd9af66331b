/**
 * @module api/version
 * The package version, read once from package.json (two levels up from both `src/api` and `dist/api`).
 */
import { readFileSync } from 'node:fs';

function read(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The version of this package, e.g. `0.1.0`. */
export const VERSION: string = read();
