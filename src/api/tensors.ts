/**
 * @module api/tensors
 * `/v1/sessions/:id/tensors[/:name]`: named tensors as raw bytes, never base64. A PUT body is either
 * `application/octet-stream` (little-endian bytes; dtype and shape in `x-tensor-dtype` / `x-tensor-shape`) or
 * `application/safetensors` holding exactly one tensor (its name inside the file is ignored: the URL names it).
 * GET answers raw bytes with the same headers, or a one-tensor safetensors file when the client accepts
 * `application/safetensors` (readable by the stock Python/Rust libraries).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { siraError } from '../core/errors.ts';
import { DTYPE_SIZE, elementCount, parseDType } from '../core/tensor.ts';
import type { Tensor } from '../core/types.ts';
import { decodeSafetensors, encodeSafetensors } from '../core/safetensors.ts';
import type { RoutesOptions } from './sessions.ts';
import { SessionParamsSchema, TensorInfoSchema, TensorParamsSchema, problemResponses, problemSchema } from './schemas.ts';
import { BINARY_BODY } from './validation.ts';
import { toWireTensorInfo } from './wire.ts';

const tags = ['tensors'];
const security = [{ bearer: [] }];
const OCTET = 'application/octet-stream';
const SAFETENSORS = 'application/safetensors';
/** Room for a one-tensor safetensors header (name, dtype, shape, offsets, optional `__metadata__`) over the tensor limit. */
export const SAFETENSORS_HEADER_ALLOWANCE = 64 * 1024;

/** The shape in an `x-tensor-shape` header: `2,3` or `[2,3]`; empty (or `[]`) is a scalar. */
export function parseShapeHeader(header: string): number[] {
  let s = header.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1).trim();
  if (s === '') return [];
  return s.split(',').map((d) => {
    const t = d.trim();
    if (!/^\d{1,15}$/.test(t)) throw siraError('SIRA_ERR_TENSOR_INVALID', `x-tensor-shape must be comma-separated integers ≥ 0, got ${JSON.stringify(header)}`);
    return Number(t);
  });
}

/** True when `accept` prefers `application/safetensors` over raw bytes. */
export function prefersSafetensors(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  let best = { q: 0, safetensors: false };
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    if (!(q > 0)) continue;
    const safetensors = type === SAFETENSORS;
    if ((safetensors || type === OCTET) && (q > best.q || (q === best.q && !safetensors))) best = { q, safetensors };
  }
  return best.safetensors;
}

// The typed reply only knows the JSON response schemas; a binary body is sent as a Buffer view (no copy).
function sendBytes<R extends { send(payload: never): R }>(reply: R, bytes: Uint8Array): R {
  return reply.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Refuse a raw tensor PUT whose `content-length` differs from what `x-tensor-dtype` × `x-tensor-shape` need,
 * before a byte of the body is read (issue 11: a body shorter than declared used to hold the connection ≥ 40 s
 * while the server waited for the rest). Bad dtype or shape headers are refused here too. Throws
 * SIRA_ERR_TENSOR_INVALID (SIRA_ERR_TENSOR_TOO_LARGE when the shape is over the limit); without a content-length (chunked) the body is checked once read.
 */
export function checkDeclaredLength(headers: Record<string, string | string[] | undefined>, maxTensorBytes: number): void {
  if (mediaType(headers['content-type'] as string | undefined) !== OCTET) return;
  const length = headers['content-length'];
  const dtypeHeader = headers['x-tensor-dtype'];
  const shapeHeader = headers['x-tensor-shape'];
  if (typeof length !== 'string' || typeof dtypeHeader !== 'string' || typeof shapeHeader !== 'string') return;
  const dtype = parseDType(dtypeHeader.trim());
  if (dtype === undefined) throw siraError('SIRA_ERR_TENSOR_INVALID', `unknown dtype ${JSON.stringify(dtypeHeader)}`);
  const shape = parseShapeHeader(shapeHeader);
  const expected = elementCount(shape) * DTYPE_SIZE[dtype];
  if (!Number.isSafeInteger(expected) || expected > maxTensorBytes) throw siraError('SIRA_ERR_TENSOR_TOO_LARGE', `tensor of ${expected} bytes exceeds ${maxTensorBytes}`);
  if (Number(length) !== expected) {
    throw siraError('SIRA_ERR_TENSOR_INVALID', `shape [${shape.join(',')}] of ${dtype} needs ${expected} bytes, but content-length is ${length}`, {
      details: { expected_bytes: expected, content_length: Number(length) },
    });
  }
}

/** The tensor routes (with their own raw-body parsers, limited to the tensor size). */
// Over 80 lines on purpose: a plugin is its route table (each entry a schema and a short handler); split, the table would only scatter.
export const tensorRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  const { maxTensorBytes } = sira.options.limits;
  const raw = (_req: unknown, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => done(null, body);
  app.addContentTypeParser(OCTET, { parseAs: 'buffer', bodyLimit: maxTensorBytes }, raw);
  app.addContentTypeParser(SAFETENSORS, { parseAs: 'buffer', bodyLimit: maxTensorBytes + SAFETENSORS_HEADER_ALLOWANCE }, raw);

  app.put(
    '/sessions/:id/tensors/:name',
    {
      config: { tooLargeCode: 'SIRA_ERR_TENSOR_TOO_LARGE' },
      schema: {
        tags,
        security,
        summary: 'Store a named tensor (replacing one of the same name)',
        description:
          'Body: raw little-endian bytes (application/octet-stream) with x-tensor-dtype (f64 f32 f16 bf16 i64 i32 i16 i8 u8 bool; ' +
          'float32/F32 accepted) and x-tensor-shape ("2,3" or "[2,3]"; empty = scalar); or application/safetensors with exactly one tensor.',
        params: TensorParamsSchema,
        headers: Type.Object({
          'x-tensor-dtype': Type.Optional(Type.String({ description: 'Element type (octet-stream bodies)' })),
          'x-tensor-shape': Type.Optional(Type.String({ description: 'Dimensions, e.g. 2,3 (octet-stream bodies)' })),
        }),
        body: { content: { [OCTET]: { schema: BINARY_BODY }, [SAFETENSORS]: { schema: BINARY_BODY } } },
        response: { 200: TensorInfoSchema, ...problemResponses, 413: problemSchema('Tensor too large'), 415: problemSchema('Not a binary body') },
      },
      // Before the body is read: a length that cannot match is answered at once, and the connection closed
      // (its unread body must not be taken for the next request).
      onRequest: async (request, reply) => {
        try {
          checkDeclaredLength(request.headers, maxTensorBytes);
        } catch (e) {
          reply.header('connection', 'close');
          throw e;
        }
      },
    },
    async (request) => {
      const body = request.body;
      if (!Buffer.isBuffer(body)) {
        throw siraError('SIRA_ERR_REQUEST_UNSUPPORTED_MEDIA', `send the tensor as ${OCTET} or ${SAFETENSORS}`);
      }
      const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      let tensor: Tensor;
      if (mediaType(request.headers['content-type']) === SAFETENSORS) {
        const found = Object.values(decodeSafetensors(bytes).tensors);
        if (found.length !== 1 || found[0] === undefined) {
          throw siraError('SIRA_ERR_TENSOR_INVALID', `a safetensors body must hold exactly one tensor, found ${found.length}`);
        }
        tensor = found[0];
      } else {
        const dtypeHeader = request.headers['x-tensor-dtype'];
        const shapeHeader = request.headers['x-tensor-shape'];
        if (dtypeHeader === undefined || shapeHeader === undefined) {
          throw siraError('SIRA_ERR_TENSOR_INVALID', 'raw tensor bodies need x-tensor-dtype and x-tensor-shape headers');
        }
        const dtype = parseDType(dtypeHeader.trim());
        if (dtype === undefined) throw siraError('SIRA_ERR_TENSOR_INVALID', `unknown dtype ${JSON.stringify(dtypeHeader)}`);
        tensor = { dtype, shape: parseShapeHeader(shapeHeader), data: bytes };
      }
      return toWireTensorInfo(await sira.tenant(request.tenant).putTensor(request.params.id, request.params.name, tensor));
    },
  );

  app.get(
    '/sessions/:id/tensors/:name',
    {
      schema: {
        tags,
        security,
        summary: 'Read a tensor: raw bytes with x-tensor-dtype/x-tensor-shape, or safetensors (Accept: application/safetensors)',
        params: TensorParamsSchema,
        response: {
          200: {
            description: 'The tensor',
            headers: { 'x-tensor-dtype': { type: 'string' }, 'x-tensor-shape': { type: 'string', description: 'e.g. 2,3; empty for a scalar' } },
            content: { [OCTET]: { schema: BINARY_BODY }, [SAFETENSORS]: { schema: BINARY_BODY } },
          },
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const t = await sira.tenant(request.tenant).getTensor(request.params.id, request.params.name);
      reply.header('x-tensor-dtype', t.dtype).header('x-tensor-shape', t.shape.join(',')).header('vary', 'accept');
      if (prefersSafetensors(request.headers.accept)) {
        const file = encodeSafetensors({ [request.params.name]: t });
        return sendBytes(reply.type(SAFETENSORS), file);
      }
      return sendBytes(reply.type(OCTET), t.data);
    },
  );

  app.get(
    '/sessions/:id/tensors',
    {
      schema: {
        tags,
        security,
        summary: 'List the tensors of a session (metadata only), by name',
        params: SessionParamsSchema,
        response: { 200: Type.Object({ tensors: Type.Array(TensorInfoSchema) }), ...problemResponses },
      },
    },
    async (request) => ({ tensors: (await sira.tenant(request.tenant).listTensors(request.params.id)).map(toWireTensorInfo) }),
  );

  app.delete(
    '/sessions/:id/tensors/:name',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a tensor',
        params: TensorParamsSchema,
        response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      await sira.tenant(request.tenant).deleteTensor(request.params.id, request.params.name);
      return reply.code(204).send(null);
    },
  );
};
