/**
 * @module adapters/openai-agents
 * Sira Session as the `Session` memory of the OpenAI Agents SDK (`@openai/agents`): the agent's conversation
 * history lives in a Sira session. Each item is one turn (text and tool parts, so the context engine and
 * search see it) and carries the item itself in its metadata, so `getItems()` gives back exactly what was added.
 * `popItem()` hides the newest item (the ids of hidden turns live in the session's state, updated with CAS);
 * `clearSession()` deletes the session and starts a fresh one under the same id.
 *
 * @example
 * import { Agent, run } from '@openai/agents';
 * const session = new SiraAgentsSession({ client, sessionId: 'support-42' });
 * await run(agent, 'Where is my card?', { session });
 */
import type { AgentInputItem, Session } from '@openai/agents';
import { SiraApiError, type SiraClient } from '../client/index.ts';

/** Options of {@link SiraAgentsSession}. */
export interface SiraAgentsSessionOptions {
  client: SiraClient;
  /** The Sira session id (created on first use). @default a new id assigned by Sira */
  sessionId?: string;
  /** Created sessions get this user (profiles, cross-session recall). */
  userId?: string;
}

const ITEM_KEY = 'openai_agents_item';
const HIDDEN_KEY = 'openai_agents_hidden';
type Turn = Awaited<ReturnType<SiraClient['getTurns']>>['turns'][number];
type NewTurn = Parameters<SiraClient['appendTurns']>[1][number];

/** The Agents SDK `Session` interface over a Sira session. */
export class SiraAgentsSession implements Session {
  readonly #client: SiraClient;
  readonly #userId: string | undefined;
  #id: string | undefined;
  #ready: Promise<string> | undefined;

  constructor(options: SiraAgentsSessionOptions) {
    this.#client = options.client;
    this.#id = options.sessionId;
    this.#userId = options.userId;
  }

  getSessionId(): Promise<string> {
    this.#ready ??= this.#ensure();
    return this.#ready;
  }

  async getItems(limit?: number): Promise<AgentInputItem[]> {
    const id = await this.getSessionId();
    const hidden = await this.#hidden(id);
    const items: AgentInputItem[] = [];
    for await (const t of this.#client.allTurns(id)) if (!hidden.has(t.seq)) items.push(itemOf(t));
    return limit === undefined ? items : items.slice(Math.max(0, items.length - limit));
  }

  async addItems(items: AgentInputItem[]): Promise<void> {
    if (items.length === 0) return;
    const id = await this.getSessionId();
    await this.#client.appendTurns(id, items.map(turnOf));
  }

  async popItem(): Promise<AgentInputItem | undefined> {
    const id = await this.getSessionId();
    for (;;) {
      const { state, version } = await this.#client.getState(id);
      const hidden = new Set((state[HIDDEN_KEY] as number[] | undefined) ?? []);
      const { turns } = await this.#client.getTurns(id, { last: hidden.size + 1 });
      const newest = [...turns].reverse().find((t) => !hidden.has(t.seq));
      if (newest === undefined) return undefined;
      try {
        await this.#client.patchState(id, { [HIDDEN_KEY]: [...hidden, newest.seq] }, version);
        return itemOf(newest);
      } catch (err) {
        if (!(err instanceof SiraApiError && err.code === 'SIRA_ERR_STATE_VERSION_CONFLICT')) throw err;
        // Another writer popped meanwhile: read again.
      }
    }
  }

  async clearSession(): Promise<void> {
    const id = await this.getSessionId();
    await this.#client.deleteSession(id).catch((err: unknown) => {
      if (!(err instanceof SiraApiError && err.code === 'SIRA_ERR_SESSION_NOT_FOUND')) throw err;
    });
    this.#ready = this.#create(id);
    await this.#ready;
  }

  async #ensure(): Promise<string> {
    if (this.#id === undefined) return this.#create(undefined);
    try {
      await this.#client.getSession(this.#id);
      return this.#id;
    } catch (err) {
      if (err instanceof SiraApiError && err.code === 'SIRA_ERR_SESSION_NOT_FOUND') return this.#create(this.#id);
      throw err;
    }
  }

  async #create(id: string | undefined): Promise<string> {
    const s = await this.#client.createSession({ ...(id === undefined ? {} : { id }), ...(this.#userId === undefined ? {} : { user_id: this.#userId }) });
    this.#id = s.id;
    return s.id;
  }

  async #hidden(id: string): Promise<Set<number>> {
    const { state } = await this.#client.getState(id);
    return new Set((state[HIDDEN_KEY] as number[] | undefined) ?? []);
  }
}

function itemOf(t: Turn): AgentInputItem {
  const kept = (t.metadata as Record<string, unknown> | null)?.[ITEM_KEY];
  if (kept !== undefined) return kept as AgentInputItem;
  const text = typeof t.content === 'string' ? t.content : t.content.map((p) => ('text' in p ? p.text : '')).join('');
  return t.role === 'assistant'
    ? ({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text }] } as AgentInputItem)
    : ({ type: 'message', role: t.role === 'system' ? 'system' : 'user', content: text } as AgentInputItem);
}

function textOfContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((c: { text?: string; transcript?: string }) => c.text ?? c.transcript ?? '').join('');
}

function turnOf(item: AgentInputItem): NewTurn {
  const metadata = { [ITEM_KEY]: item as unknown as Record<string, unknown> };
  const i = item as Record<string, unknown>;
  switch (i.type ?? 'message') {
    case 'message': {
      const role = i.role === 'assistant' ? 'assistant' : i.role === 'system' ? 'system' : 'user';
      return { role, content: textOfContent(i.content) || ' ', metadata };
    }
    case 'function_call':
      return { role: 'assistant', content: [{ type: 'tool_call', id: String(i.callId ?? i.id ?? 'call'), name: String(i.name), arguments: String(i.arguments ?? '') }], metadata };
    case 'function_call_result': {
      const output = i.output as { text?: string } | string | undefined;
      const text = typeof output === 'string' ? output : (output?.text ?? JSON.stringify(output ?? ''));
      return { role: 'tool', content: [{ type: 'tool_result', tool_call_id: String(i.callId ?? 'call'), content: text }], metadata };
    }
    default:
      // Reasoning, hosted tool calls, compaction markers…: kept whole in metadata, described as text for the engine.
      return { role: 'assistant', content: `[${String(i.type)}]`, metadata };
  }
}
