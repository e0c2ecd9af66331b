/**
 * @module api/validation
 * Request validation with TypeBox: bodies are checked as sent (no type coercion, so `"true"` is not a boolean),
 * while params, query and headers are converted from strings first. Validation errors are reduced to the one that
 * names the real problem: for a union, errors from branches whose type or `type` discriminant did not match are
 * noise. Turn content is left to the facade (see {@link CHECKED_BY_FACADE}), whose messages name the exact part.
 */
import type { FastifySchemaCompiler } from 'fastify';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { TSchema } from 'typebox';

/** One validation error as TypeBox (and Ajv) report it. */
export interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Marks a request-body schema that only documents a binary body (raw bytes are checked by the handler). */
export const BINARY_BODY = { type: 'string', format: 'binary' } as const;

/**
 * Marks a subschema that documents the wire format but is checked by the facade instead (it names the failing
 * part precisely, e.g. `turns[0].content[2].mime`, where a union's schema errors would list every branch).
 */
export const CHECKED_BY_FACADE = 'x-sira-checked-by-facade';

function hasFacadeChecked(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  if ((schema as Record<string, unknown>)[CHECKED_BY_FACADE] === true) return true;
  return Object.values(schema).some(hasFacadeChecked);
}

// Rebuilds only schemas that hold a marker (a rebuilt schema is plain JSON Schema, which TypeBox compiles).
function withoutFacadeChecked(schema: unknown): unknown {
  if (!hasFacadeChecked(schema)) return schema;
  if (Array.isArray(schema)) return schema.map(withoutFacadeChecked);
  if ((schema as Record<string, unknown>)[CHECKED_BY_FACADE] === true) return {};
  return Object.fromEntries(Object.entries(schema as object).map(([k, v]) => [k, withoutFacadeChecked(v)]));
}

/**
 * The validator compiler: TypeBox's, except that {@link BINARY_BODY} schemas accept anything (the body is a
 * Buffer that the route decodes itself) and {@link CHECKED_BY_FACADE} subschemas accept any value.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  const s = route.schema as { format?: string };
  if (route.httpPart === 'body' && s.format === 'binary') return () => true;
  return TypeBoxValidatorCompiler({ ...route, schema: withoutFacadeChecked(route.schema) as TSchema });
};

function innermostBranch(schemaPath: string): { union: string; branch: string } | undefined {
  // The last `/anyOf/<n>` segment names the innermost union this error belongs to.
  const idx = schemaPath.lastIndexOf('/anyOf/');
  if (idx < 0) return undefined;
  const n = /^\d+/.exec(schemaPath.slice(idx + 7))?.[0];
  if (n === undefined) return undefined;
  return { union: schemaPath.slice(0, idx), branch: `${schemaPath.slice(0, idx)}/anyOf/${n}` };
}

function messageOf(e: SchemaError): string {
  const allowed = e.params.allowedValues;
  if (e.keyword === 'enum' && Array.isArray(allowed)) return `must be one of ${allowed.join(', ')}`;
  return e.message ?? 'is not valid';
}

/**
 * Reduce TypeBox errors to one `{path, message}`. A union branch is "not taken" when the value's type or its
 * `type` discriminant does not match the branch; its errors are dropped. When every branch of a union is not
 * taken, the message lists what the union accepts.
 */
export function explainErrors(errors: readonly SchemaError[]): { path: string; message: string } {
  const notTaken = new Set<string>();
  const reasons = new Map<string, { path: string; allowed: string[]; discriminant: boolean }>();
  for (const e of errors) {
    const b = innermostBranch(e.schemaPath);
    if (b === undefined) continue;
    const rootTypeMismatch = e.keyword === 'type' && e.schemaPath === b.branch;
    const discriminantMismatch = (e.keyword === 'const' || e.keyword === 'enum') && e.instancePath.endsWith('/type') && e.schemaPath === `${b.branch}/properties/type`;
    if (!rootTypeMismatch && !discriminantMismatch) continue;
    notTaken.add(b.branch);
    const r = reasons.get(b.union) ?? { path: e.instancePath, allowed: [], discriminant: discriminantMismatch };
    const allowed = e.params.allowedValue ?? e.params.allowedValues ?? e.params.type;
    for (const a of [allowed].flat()) if (a !== undefined && !r.allowed.includes(String(a))) r.allowed.push(String(a));
    reasons.set(b.union, r);
  }
  const inDroppedBranch = (e: SchemaError) => [...notTaken].some((b) => e.schemaPath === b || e.schemaPath.startsWith(`${b}/`));
  const specific = errors.find((e) => e.keyword !== 'anyOf' && !inDroppedBranch(e));
  if (specific !== undefined) return { path: specific.instancePath, message: messageOf(specific) };
  const first = reasons.values().next().value;
  if (first !== undefined) {
    return { path: first.path, message: first.discriminant ? `must be one of ${first.allowed.join(', ')}` : `must be ${first.allowed.join(' or ')}` };
  }
  const e = errors[0];
  return { path: e?.instancePath ?? '', message: e === undefined ? 'is not valid' : messageOf(e) };
}

/** Fastify `schemaErrorFormatter`: one clear sentence naming the failing path, e.g. `body/turns/0/role must be …`. */
export function schemaErrorFormatter(errors: readonly SchemaError[], dataVar: string): Error {
  const { path, message } = explainErrors(errors);
  return new Error(`${dataVar}${path} ${message}`);
}
