import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateApiTypes, schemaToTs } from '../../src/client/openapi-to-ts.ts';
import { openApiDocument } from '../helpers/openapi.ts';

describe('client types from the OpenAPI document', () => {
  it('src/client/api-types.ts is what `npm run gen:client` writes for the current routes (regenerate when this fails)', async () => {
    const committed = readFileSync(new URL('../../src/client/api-types.ts', import.meta.url), 'utf8');
    expect(committed).toBe(generateApiTypes(await openApiDocument()));
  });

  it('schemaToTs maps objects, optional keys, arrays, unions, enums, nulls and open objects', () => {
    expect(schemaToTs({ type: 'object', properties: { a: { type: 'integer' }, b: { anyOf: [{ type: 'string' }, { type: 'null' }] } }, required: ['a'] })).toBe(
      '{\n  a: number;\n  b?: string | null;\n}',
    );
    expect(schemaToTs({ type: 'array', items: { enum: ['x', 'y'] } })).toBe('Array<"x" | "y">');
    expect(schemaToTs({ type: 'object', additionalProperties: {} })).toBe('Record<string, unknown>');
    expect(schemaToTs({ type: ['string', 'null'] })).toBe('string | null');
    expect(schemaToTs({ const: 3 })).toBe('3');
    expect(schemaToTs({})).toBe('unknown');
  });
});
