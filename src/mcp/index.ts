/**
 * @module mcp
 * Sira's Model Context Protocol server: memory tools over stdio (`sira-session mcp`) and streamable HTTP (`/mcp`).
 */
export { mcpRoutes } from './http.ts';
export { createMcpServer, runStdio } from './server.ts';
export { callTool, memoryTools, type MemoryTool, type ToolResult } from './tools.ts';
