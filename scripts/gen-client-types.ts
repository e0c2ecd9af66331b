/**
 * Regenerates src/client/api-types.ts from the service's OpenAPI document (`npm run gen:client`). The test
 * test/client/api-types.test.ts fails when the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../test/helpers/openapi.ts';
import { generateApiTypes } from '../src/client/openapi-to-ts.ts';

const out = new URL('../src/client/api-types.ts', import.meta.url);
writeFileSync(out, generateApiTypes(await openApiDocument()));
process.stdout.write(`wrote ${out.pathname}\n`);
