/**
 * @module mcp/http
 * The MCP server over streamable HTTP at `/mcp`, behind the same bearer keys as `/v1` (the key's tenant picks the
 * memory). Stateless: each POST gets its own server and transport (no `Mcp-Session-Id`), answered as JSON, so any
 * instance can take any request; GET (a server-to-client stream) and DELETE are answered 405 by the transport.
 */
import type { FastifyPluginAsync } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { SiraSession } from '../sira.ts';
import { createMcpServer } from './server.ts';

/** The `/mcp` route; register it in a scope whose onRequest hook authenticates (sets `request.tenant`). */
export const mcpRoutes: FastifyPluginAsync<{ sira: SiraSession }> = async (app, { sira }) => {
  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    schema: { hide: true },
    handler: async (request, reply) => {
      const server = createMcpServer(sira, request.tenant);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      reply.hijack();
      reply.raw.once('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    },
  });
};
