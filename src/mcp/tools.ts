/**
 * @module mcp/tools
 * The memory tools Sira offers over the Model Context Protocol, for one tenant: each has a JSON Schema for its
 * arguments (what `tools/list` shows) and a handler over the {@link SiraSession} facade, which validates the
 * values as the HTTP API does. A refused call is a tool result with `isError: true` whose text starts with the
 * stable SIRA_ERR_* code; the result of a successful call is JSON, as text and as `structuredContent`.
 */
import { isSiraError } from '../core/errors.ts';
import type { TurnInput } from '../core/validate.ts';
import type { SiraSession } from '../sira.ts';
import { toWireProfile } from '../api/profiles.ts';
import { toWireTurn } from '../api/wire.ts';

/** A tool: its name, description, argument schema and handler. */
export interface MemoryTool {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] };
  run(args: Record<string, unknown>): Promise<unknown>;
}

/** A tool's result as MCP sends it. */
export interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

const id = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' };
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** The memory tools of `tenant`. */
// Over 80 lines on purpose: the tool table (each entry a JSON Schema and a one-call handler); split, it would only scatter.
export function memoryTools(sira: SiraSession, tenant: string): MemoryTool[] {
  const t = () => sira.tenant(tenant);
  return [
    {
      name: 'search_context',
      description: 'Build the best context window of a session for a query: the relevant past turns under a token budget, as chat messages, with each selected turn’s seq and score.',
      inputSchema: {
        type: 'object',
        properties: {
          session_id: id,
          query: { type: 'string', minLength: 1, description: 'What the next model call is about' },
          budget_tokens: { type: 'integer', minimum: 1, maximum: 10_000_000, description: 'Token budget (default 4000 when no model is given)' },
          model: { type: 'string', description: 'Target model: its tokenizer and window' },
        },
        required: ['session_id', 'query'],
      },
      async run(a) {
        const model = str(a.model);
        const r = await t().buildContext(String(a.session_id), { query: String(a.query), ...(model === undefined ? { budget_tokens: num(a.budget_tokens) ?? 4000 } : { model, budget_tokens: num(a.budget_tokens) }) });
        return { messages: r.messages, selected: r.selected.map((s) => ({ seq: s.seq, role: s.role, score: s.score })), usage: { budget: r.usage.budget, used: r.usage.used } };
      },
    },
    {
      name: 'append_turns',
      description: 'Append turns (role and text) to a session, creating the session when it does not exist; returns the stored turns with their seqs.',
      inputSchema: {
        type: 'object',
        properties: {
          session_id: id,
          turns: {
            type: 'array',
            minItems: 1,
            items: { type: 'object', properties: { role: { enum: ['system', 'user', 'assistant', 'tool'] }, content: { type: 'string' }, name: { type: 'string' } }, required: ['role', 'content'] },
          },
          user_id: { ...id, description: 'Owner of a newly created session' },
        },
        required: ['session_id', 'turns'],
      },
      async run(a) {
        const sessionId = String(a.session_id);
        const turns = (Array.isArray(a.turns) ? a.turns : []) as TurnInput[];
        let stored;
        try {
          stored = await t().appendTurns(sessionId, turns);
        } catch (e) {
          if (!isSiraError(e, 'SIRA_ERR_SESSION_NOT_FOUND')) throw e;
          const userId = str(a.user_id);
          await t().createSession({ id: sessionId, ...(userId === undefined ? {} : { user_id: userId }) });
          stored = await t().appendTurns(sessionId, turns);
        }
        return { turns: stored.map(toWireTurn) };
      },
    },
    {
      name: 'read_turns',
      description: 'Read the newest turns of a session, in chronological order.',
      inputSchema: { type: 'object', properties: { session_id: id, last: { type: 'integer', minimum: 1, maximum: 1000, description: 'How many (default 20)' } }, required: ['session_id'] },
      async run(a) {
        return { turns: (await t().getTurns(String(a.session_id), { last: num(a.last) ?? 20 })).map(toWireTurn) };
      },
    },
    {
      name: 'profile_read',
      description: 'A user’s profile: preferences and facts learned from their turns, with confidence and evidence.',
      inputSchema: { type: 'object', properties: { user_id: id }, required: ['user_id'] },
      async run(a) {
        return toWireProfile(await t().getProfile(String(a.user_id))) as unknown as Record<string, unknown>;
      },
    },
    {
      name: 'profile_forget',
      description: 'Forget a user: delete their profile (and, with delete_sessions, every session of theirs).',
      inputSchema: { type: 'object', properties: { user_id: id, delete_sessions: { type: 'boolean' } }, required: ['user_id'] },
      async run(a) {
        const r = await t().deleteProfile(String(a.user_id), { sessions: a.delete_sessions === true });
        return { user_id: a.user_id, deleted: { profile: r.profile, queued_turns: r.queued_turns, sessions: r.sessions_deleted } };
      },
    },
    {
      name: 'experience_search',
      description: 'Find the most useful past agent runs for a task: similar tasks with their steps, outcome and success statistics.',
      inputSchema: { type: 'object', properties: { task: { type: 'string', minLength: 1 }, agent_id: id, k: { type: 'integer', minimum: 1, maximum: 100 } }, required: ['task'] },
      async run(a) {
        const agent = str(a.agent_id);
        const k = num(a.k);
        return (await t().searchExperiences({ task: String(a.task), ...(agent === undefined ? {} : { agent_id: agent }), ...(k === undefined ? {} : { k }) })) as unknown as Record<string, unknown>;
      },
    },
    {
      name: 'experience_record',
      description: 'Record an agent run (task, steps with tool and ok, outcome success|failure|partial, reward) so later searches learn from it.',
      inputSchema: {
        type: 'object',
        properties: {
          task: { type: 'string', minLength: 1 },
          agent_id: id,
          steps: { type: 'array', items: { type: 'object', properties: { action: { type: 'string' }, tool: { type: 'string' }, ok: { type: 'boolean' } }, required: ['action'] } },
          outcome: { enum: ['success', 'failure', 'partial'] },
          reward: { type: 'number' },
          metadata: { type: 'object' },
        },
        required: ['task', 'agent_id', 'steps', 'outcome'],
      },
      async run(a) {
        return (await t().putExperience(a)) as unknown as Record<string, unknown>;
      },
    },
  ];
}

/** Run `tool` on `args`: its JSON result, or the refusal as an error result naming the stable code. */
export async function callTool(tool: MemoryTool, args: Record<string, unknown>): Promise<ToolResult> {
  try {
    const value = (await tool.run(args)) as Record<string, unknown>;
    return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
  } catch (e) {
    if (isSiraError(e)) return { content: [{ type: 'text', text: `${e.code}: ${e.message}` }], isError: true };
    throw e;
  }
}
