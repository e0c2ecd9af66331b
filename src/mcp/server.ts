/**
 * @module mcp/server
 * Sira's MCP server (official `@modelcontextprotocol/sdk`, low-level `Server`: the tools' argument schemas are
 * plain JSON Schema, so no schema library beyond the SDK's own is needed). One server object serves one tenant;
 * {@link runStdio} is `sira-session mcp`, {@link mcpRoutes} mounts it over streamable HTTP at `/mcp`.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { VERSION } from '../api/version.ts';
import type { SiraSession } from '../sira.ts';
import { callTool, memoryTools } from './tools.ts';

/** An MCP server exposing the memory tools of `tenant`. */
export function createMcpServer(sira: SiraSession, tenant: string): Server {
  const server = new Server({ name: 'sira-session', version: VERSION }, { capabilities: { tools: {} } });
  const tools = memoryTools(sira, tenant);
  const byName = new Map(tools.map((t) => [t.name, t]));
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })) }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = byName.get(request.params.name);
    if (tool === undefined) return { content: [{ type: 'text', text: `SIRA_ERR_REQUEST_INVALID: no tool ${JSON.stringify(request.params.name)}` }], isError: true };
    return callTool(tool, request.params.arguments ?? {});
  });
  return server;
}

/** Serve `tenant`'s tools on stdin/stdout until the client closes; resolves then. */
export async function runStdio(sira: SiraSession, tenant: string): Promise<void> {
  const server = createMcpServer(sira, tenant);
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  await server.connect(new StdioServerTransport());
  // The SDK's stdio transport does not notice the end of stdin: close when the client does.
  process.stdin.once('end', () => void server.close());
  await closed;
}
