/**
 * @module api/blobs
 * Content-addressed blobs (issue 16): `PUT|POST /v1/blobs` streams a raw body in (any content type: it is the
 * blob's media type), `GET /v1/blobs/:sha256` streams it out, with one `Range` → 206. Media parts then reference
 * the blob (`blob: {sha256, size, mime}`), so turn records stay small. Thin: storage/blob-store does the work.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { siraError } from '../core/errors.ts';
import type { BlobInfo } from '../storage/blob-store.ts';
import type { RoutesOptions } from './sessions.ts';
import { problemResponses, problemSchema } from './schemas.ts';
import { BINARY_BODY } from './validation.ts';
import { iso } from './wire.ts';

const tags = ['blobs'];
const security = [{ bearer: [] }];
const MIME = /^[\w.+-]+\/[\w.+-]+$/;
const OCTET = 'application/octet-stream';

const BlobSchema = Type.Object({
  sha256: Type.String({ description: 'SHA-256 of the bytes, lowercase hex: the blob’s name' }),
  size: Type.Integer({ description: 'Bytes' }),
  mime: Type.String(),
  refs: Type.Integer({ description: 'Sessions whose turns reference the blob' }),
  created_at: Type.String({ format: 'date-time' }),
  created: Type.Boolean({ description: 'false when the tenant already held these bytes (deduplicated)' }),
}, { title: 'Blob' });
const ParamsSchema = Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

const wire = (b: BlobInfo & { created: boolean }) => ({ sha256: b.sha256, size: b.size, mime: b.mime, refs: b.refs, created_at: iso(b.created_at), created: b.created });

/** The one byte range of a `Range` header as [start, end) within `size`; undefined to send everything. */
export function parseRange(header: string | undefined, size: number): [number, number] | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges, or another unit: ignored (RFC 9110 §14.2 lets a server send the whole representation).
  if (m === null || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
  }
  if (start >= size || start >= end) throw siraError('SIRA_ERR_BLOB_RANGE_INVALID', `range ${header} is outside the blob's ${size} bytes`, { details: { size } });
  return [start, end];
}

/** The blob routes, with a parser that hands the raw body stream to the handler. */
export const blobRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  const upload = {
    config: { tooLargeCode: 'SIRA_ERR_BLOB_TOO_LARGE' as const },
    schema: {
      tags,
      security,
      summary: 'Store a blob (streamed; content-addressed and deduplicated per tenant)',
      description: 'Body: the raw bytes; its content-type is the blob’s media type. 201 when stored, 200 when the tenant already held the same bytes.',
      body: { content: { '*/*': { schema: BINARY_BODY } } },
      response: { 200: BlobSchema, 201: BlobSchema, ...problemResponses, 413: problemSchema('Over the per-blob or per-tenant limit (nothing stored)') },
    },
  };
  const handler = async (request: { tenant: string; headers: Record<string, string | string[] | undefined>; body: unknown }, reply: { code: (n: number) => unknown; header: (k: string, v: string) => unknown }) => {
    const type = String(request.headers['content-type'] ?? OCTET).split(';')[0]!.trim().toLowerCase();
    const length = request.headers['content-length'];
    const body = request.body instanceof Readable ? request.body : Readable.from([]);
    try {
      const b = await sira.blobs.put(request.tenant, MIME.test(type) ? type : OCTET, body, typeof length === 'string' ? Number(length) : undefined);
      reply.code(b.created ? 201 : 200);
      return wire(b);
    } catch (e) {
      // The rest of a refused body is not read: close the connection rather than take it for the next request.
      reply.header('connection', 'close');
      body.resume();
      throw e;
    }
  };
  app.put('/blobs', upload, handler);
  app.post('/blobs', upload, handler);

  app.get(
    '/blobs/:sha256',
    {
      schema: {
        tags,
        security,
        summary: 'Read a blob (streamed); one `Range: bytes=` range answers 206',
        params: ParamsSchema,
        response: { 200: BINARY_BODY, 206: BINARY_BODY, ...problemResponses, 416: problemSchema('Range not satisfiable') },
      },
    },
    async (request, reply) => {
      const info = await sira.blobs.info(request.tenant, request.params.sha256);
      if (info === undefined) throw siraError('SIRA_ERR_BLOB_NOT_FOUND', `no blob ${request.params.sha256}`);
      let range: [number, number] | undefined;
      try {
        range = parseRange(request.headers.range, info.size);
      } catch (e) {
        reply.header('content-range', `bytes */${info.size}`);
        throw e;
      }
      const [start, end] = range ?? [0, info.size];
      reply.header('content-type', info.mime).header('accept-ranges', 'bytes').header('etag', `"${info.sha256}"`).header('cache-control', 'private, max-age=31536000, immutable');
      reply.header('content-length', String(end - start));
      if (range !== undefined) reply.code(206).header('content-range', `bytes ${start}-${end - 1}/${info.size}`);
      // A stream: the response schema only documents the binary body.
      return reply.send(Readable.from(sira.blobs.read(request.tenant, info.sha256, start, end)) as never);
    },
  );
};
