import { describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import { Type } from 'typebox';
import { explainErrors, type SchemaError } from './validation.ts';

const Part = Type.Union([
  Type.Object({ type: Type.Literal('text'), text: Type.String() }),
  Type.Object({ type: Type.Enum(['image', 'audio']), mime: Type.String() }),
]);
const Body = Type.Object({ name: Type.Union([Type.String(), Type.Null()]), parts: Type.Array(Part), role: Type.Enum(['user', 'assistant']) });
const check = Compile(Body);
const explain = (v: unknown) => explainErrors(check.Errors(v) as unknown as SchemaError[]);

describe('explainErrors', () => {
  it('picks the error of the union branch whose type discriminant matched', () => {
    expect(explain({ name: null, role: 'user', parts: [{ type: 'image' }] })).toEqual({ path: '/parts/0', message: 'must have required properties mime' });
    expect(explain({ name: null, role: 'user', parts: [{ type: 'text', text: 1 }] })).toEqual({ path: '/parts/0/text', message: 'must be string' });
  });

  it('lists the accepted discriminants when no branch matches', () => {
    expect(explain({ name: null, role: 'user', parts: [{ type: 'video' }] })).toEqual({ path: '/parts/0/type', message: 'must be one of text, image, audio' });
  });

  it('lists the accepted types of a nullable field', () => {
    expect(explain({ name: 5, role: 'user', parts: [] })).toEqual({ path: '/name', message: 'must be string or null' });
  });

  it('names the allowed values of an enum', () => {
    expect(explain({ name: 'a', role: 'robot', parts: [] })).toEqual({ path: '/role', message: 'must be one of user, assistant' });
  });
});
