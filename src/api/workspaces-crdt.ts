/**
 * @module api/workspaces-crdt
 * `/v1/workspaces/:id/crdt/:doc`: Yjs documents shared by the workspace. POST a binary Yjs (v1) update
 * (`application/octet-stream`); the server validates it (garbage: 400 SIRA_ERR_CRDT_UPDATE_INVALID, nothing stored),
 * appends it to the doc's log (event `crdt.updated`) and compacts the log into a snapshot every N updates or bytes.
 * GET answers the merged state as one update, or with `?state_vector=<base64>` only what that client lacks;
 * `GET …/state-vector` gives the server's state vector.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { siraError } from '../core/errors.ts';
import type { RoutesOptions } from './sessions.ts';
import { problemResponses, problemSchema } from './schemas.ts';
import { BINARY_BODY } from './validation.ts';
import { decodeBase64 } from './wire.ts';

const tags = ['workspaces'];
const security = [{ bearer: [] }];
const OCTET = 'application/octet-stream';
const DocParams = Type.Object({ id: Type.String({ minLength: 1 }), doc: Type.String({ minLength: 1, description: '1-64 chars of [A-Za-z0-9_.:-]' }) });
const binary = (description: string) => ({ description, content: { [OCTET]: { schema: BINARY_BODY } } });

// The typed reply only knows the JSON response schemas; binary bodies are sent as Buffer views (no copy).
function sendBytes<R extends { send(payload: never): R; type(t: string): R }>(reply: R, bytes: Uint8Array): R {
  return reply.type(OCTET).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
}

/** The CRDT routes (with a raw-body parser limited to the update size). */
// Over 80 lines on purpose: a plugin is its route table (each entry a schema and a short handler); split, the table would only scatter.
export const workspaceCrdtRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  const maxUpdate = sira.workspaces('default').options.maxUpdateBytes;
  app.addContentTypeParser(OCTET, { parseAs: 'buffer', bodyLimit: maxUpdate }, (_req, body, done) => done(null, body));

  app.get(
    '/workspaces/:id/crdt',
    {
      schema: {
        tags,
        security,
        summary: 'Names of the workspace’s CRDT docs',
        params: Type.Object({ id: Type.String({ minLength: 1 }) }),
        response: { 200: Type.Object({ docs: Type.Array(Type.String()) }), ...problemResponses },
      },
    },
    async (request) => ({ docs: await sira.workspaces(request.tenant).docs(request.params.id) }),
  );

  app.post(
    '/workspaces/:id/crdt/:doc',
    {
      config: { tooLargeCode: 'SIRA_ERR_CRDT_UPDATE_INVALID' },
      schema: {
        tags,
        security,
        summary: 'Merge a binary Yjs update (application/octet-stream) into the doc',
        params: DocParams,
        body: BINARY_BODY,
        response: {
          200: Type.Object({ update_id: Type.String(), compacting: Type.Boolean({ description: 'This write started a background compaction of the doc’s log' }) }),
          ...problemResponses,
          415: problemSchema('Not application/octet-stream'),
        },
      },
    },
    async (request) => {
      const body = request.body as unknown;
      if (!Buffer.isBuffer(body)) throw siraError('SIRA_ERR_REQUEST_UNSUPPORTED_MEDIA', 'send the Yjs update as application/octet-stream');
      const update = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      return sira.workspaces(request.tenant).applyUpdate(request.params.id, request.params.doc, update);
    },
  );

  app.get(
    '/workspaces/:id/crdt/:doc',
    {
      schema: {
        tags,
        security,
        summary: 'The doc as one Yjs update; with state_vector, only what that state vector lacks',
        params: DocParams,
        querystring: Type.Object({ state_vector: Type.Optional(Type.String({ description: 'base64 (or base64url) of Y.encodeStateVector(clientDoc)' })) }),
        response: { 200: binary('Y.encodeStateAsUpdate(serverDoc, stateVector)'), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { state_vector } = request.query;
      let sv: Uint8Array | undefined;
      if (state_vector !== undefined) {
        sv = decodeBase64(state_vector);
        if (sv === undefined) throw siraError('SIRA_ERR_CRDT_STATE_VECTOR_INVALID', 'state_vector must be base64');
      }
      return sendBytes(reply, await sira.workspaces(request.tenant).getUpdate(request.params.id, request.params.doc, sv));
    },
  );

  app.get(
    '/workspaces/:id/crdt/:doc/state-vector',
    {
      schema: { tags, security, summary: 'The doc’s Yjs state vector', params: DocParams, response: { 200: binary('Y.encodeStateVector(serverDoc)'), ...problemResponses } },
    },
    async (request, reply) => sendBytes(reply, await sira.workspaces(request.tenant).getStateVector(request.params.id, request.params.doc)),
  );

  app.post(
    '/workspaces/:id/crdt/:doc/compact',
    {
      schema: {
        tags,
        security,
        summary: 'Fold the doc’s update log into its snapshot now (it also happens every N updates)',
        params: DocParams,
        response: { 200: Type.Object({ compacted: Type.Integer() }), ...problemResponses },
      },
    },
    async (request) => ({ compacted: await sira.workspaces(request.tenant).compact(request.params.id, request.params.doc) }),
  );
};
