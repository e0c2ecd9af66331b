/**
 * @module test/helpers/openapi
 * The service's OpenAPI document, from an app built over a throwaway data directory (the client generator and its
 * staleness test share it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/api/app.ts';
import { SiraSession } from '../../src/sira.ts';
import type { OpenApiDocument } from '../../src/client/openapi-to-ts.ts';

export async function openApiDocument(): Promise<OpenApiDocument> {
  const dir = await mkdtemp(join(tmpdir(), 'sira-openapi-'));
  const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent' });
  try {
    const app = await buildApp({ sira });
    await app.ready();
    const doc = (app as unknown as { swagger(): OpenApiDocument }).swagger();
    await app.close();
    return JSON.parse(JSON.stringify(doc)) as OpenApiDocument;
  } finally {
    await sira.close();
    await rm(dir, { recursive: true, force: true });
  }
}
