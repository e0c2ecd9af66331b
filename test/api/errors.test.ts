import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, SiraError, type ErrorCode } from '../../src/core/errors.ts';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const codes = Object.keys(ERRORS) as ErrorCode[];

/** Rows of the docs/errors.md table: code → {status, category}. */
function documented(): Map<string, { status: number; category: string }> {
  const rows = new Map<string, { status: number; category: string }>();
  for (const m of doc.matchAll(/^\| `(SIRA_ERR_[A-Z_]+)` \| (\d{3}) \| (\w+) \|/gm)) {
    rows.set(m[1] as string, { status: Number(m[2]), category: m[3] as string });
  }
  return rows;
}

describe('ERRORS', () => {
  it.each(codes)('%s is code-shaped and a SiraError built from it carries that code, status and category', (code) => {
    expect(code).toMatch(/^SIRA_ERR_[A-Z]+(_[A-Z]+)*$/);
    const e = new SiraError(code);
    expect(e.code).toBe(code);
    expect(e.statusCode).toBe(ERRORS[code].status);
    expect(e.category).toBe(ERRORS[code].category);
    expect(e.message).toBe(ERRORS[code].title);
  });

  it('every status is an HTTP error status; user errors are 4xx and system errors 5xx', () => {
    for (const code of codes) {
      const { status, category } = ERRORS[code];
      if (category === 'user') expect(status, code).toBeGreaterThanOrEqual(400);
      if (category === 'user') expect(status, code).toBeLessThan(500);
      else expect(status, code).toBeGreaterThanOrEqual(500);
    }
  });

  it('every code is listed in docs/errors.md with its status and category, and nothing else is', () => {
    const rows = documented();
    for (const code of codes) expect(rows.get(code), code).toEqual({ status: ERRORS[code].status, category: ERRORS[code].category });
    expect([...rows.keys()].sort()).toEqual([...codes].sort());
  });
});
