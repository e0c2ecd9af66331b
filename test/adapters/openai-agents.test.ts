/**
 * SiraAgentsSession (the OpenAI Agents SDK `Session`) against the real service over HTTP, driven by the SDK's own
 * `run()` with a local model (no network): history is stored in Sira and replayed on the next run; items come back
 * exactly as added; popItem hides the newest; clearSession starts over under the same id.
 */
import { Agent, run, Usage, type AgentInputItem, type Model, type ModelRequest, type ModelResponse } from '@openai/agents';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SiraAgentsSession } from '../../src/adapters/openai-agents.ts';
import { SiraClient } from '../../src/client/index.ts';
import { testApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let client: SiraClient;
beforeEach(async () => {
  t = await testApp();
  client = new SiraClient({ baseUrl: await t.app.listen({ port: 0, host: '127.0.0.1' }), apiKey: t.key });
});
afterEach(async () => {
  await t.close();
});

/** A local model that answers how many user messages it was given, and records each request's input. */
class CountingModel implements Model {
  readonly inputs: AgentInputItem[][] = [];
  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const input = typeof request.input === 'string' ? [{ role: 'user', content: request.input } as AgentInputItem] : request.input;
    this.inputs.push(input);
    const users = input.filter((i) => (i as { role?: string }).role === 'user').length;
    return {
      usage: new Usage(),
      output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: `I have seen ${users} user messages` }] }],
    };
  }
  // eslint-disable-next-line require-yield
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error('not used');
  }
}

describe('SiraAgentsSession', () => {
  it('run() stores the conversation in Sira and replays it on the next run', async () => {
    const model = new CountingModel();
    const agent = new Agent({ name: 'helper', instructions: 'Be brief.', model });
    const session = new SiraAgentsSession({ client, sessionId: 'agents-1', userId: 'u-9' });
    const first = await run(agent, 'My card has not arrived.', { session });
    expect(first.finalOutput).toBe('I have seen 1 user messages');
    const second = await run(agent, 'Where is it now?', { session });
    expect(second.finalOutput).toBe('I have seen 2 user messages');
    const { turns } = await client.getTurns('agents-1', { last: 10 });
    expect(turns.map((x) => x.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(turns[0]!.content).toBe('My card has not arrived.');
    expect((await client.getSession('agents-1')).user_id).toBe('u-9');
  });

  it('items come back exactly as added (messages, function calls and results); popItem hides the newest; clearSession empties', async () => {
    const session = new SiraAgentsSession({ client });
    const items: AgentInputItem[] = [
      { role: 'user', content: 'look up order 7' } as AgentInputItem,
      { type: 'function_call', callId: 'c1', name: 'get_order', arguments: '{"id":7}', status: 'completed' } as AgentInputItem,
      { type: 'function_call_result', callId: 'c1', name: 'get_order', status: 'completed', output: { type: 'text', text: '{"status":"shipped"}' } } as AgentInputItem,
      { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'It shipped.' }] } as AgentInputItem,
    ];
    await session.addItems(items);
    expect(await session.getItems()).toEqual(items);
    expect(await session.getItems(2)).toEqual(items.slice(2));
    expect(await session.popItem()).toEqual(items[3]);
    expect(await session.getItems()).toEqual(items.slice(0, 3));
    const id = await session.getSessionId();
    const ctx = await client.context(id, { query: 'what was the order status?', budget_tokens: 500 });
    expect(JSON.stringify(ctx.messages)).toContain('shipped');
    await session.clearSession();
    expect(await session.getSessionId()).toBe(id);
    expect(await session.getItems()).toEqual([]);
    expect(await session.popItem()).toBeUndefined();
  });
});
