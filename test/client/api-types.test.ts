import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateApiTypes, schemaToTs, type NamedTypes } from '../../src/client/openapi-to-ts.ts';
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

  it('schemaToTs with names writes a titled schema once, by its title, and refuses two schemas under one title', () => {
    const names: NamedTypes = new Map();
    const point = { title: 'Point', description: 'A point', type: 'object', properties: { x: { type: 'number' } }, required: ['x'] };
    expect(schemaToTs({ type: 'array', items: point }, 0, names)).toBe('Array<Point>');
    expect(schemaToTs({ anyOf: [point, { type: 'null' }] }, 0, names)).toBe('Point | null');
    expect([...names]).toEqual([['Point', { ts: '{\n  x: number;\n}', description: 'A point' }]]);
    expect(() => schemaToTs({ ...point, required: [] }, 0, names)).toThrow(/two different schemas are titled Point/);
    // Without names (and for a title that is no identifier) the schema is written inline, as before.
    expect(schemaToTs(point)).toBe('{\n  x: number;\n}');
    expect(schemaToTs({ ...point, title: 'a point' }, 0, names)).toBe('{\n  x: number;\n}');
  });

  it('generateApiTypes exports each titled type once and writes small route entries on one line', () => {
    const point = { title: 'Point', type: 'object', properties: { x: { type: 'number' } }, required: ['x'] };
    const ok = (schema: object) => ({ '200': { content: { 'application/json': { schema } } } });
    const src = generateApiTypes({
      paths: {
        '/a/{id}': { get: { summary: 'A', parameters: [{ in: 'path', name: 'id', schema: { type: 'string' } }], responses: ok(point) } },
        '/b': { get: { responses: ok({ type: 'array', items: point }) } },
      },
    });
    expect(src).toContain('    get: { params: { id: string }; query: Record<string, never>; body: undefined; response: Point };');
    expect(src).toContain('response: Array<Point> };');
    expect(src.match(/export type Point = /g)).toHaveLength(1);
  });
});
