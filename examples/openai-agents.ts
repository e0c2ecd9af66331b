// OpenAI Agents SDK + Sira: the agent's conversation memory is a Sira session.
// Run: SIRA_URL=http://127.0.0.1:8080 SIRA_KEY=dev-key-change-me node examples/openai-agents.ts
// (a local model stands in for the default OpenAI one, so it runs offline; drop `model` to use OpenAI)
import { Agent, run, Usage, type Model } from '@openai/agents';
import { SiraClient } from '../src/client/index.ts';
import { SiraAgentsSession } from '../src/adapters/openai-agents.ts';

const client = new SiraClient({ baseUrl: process.env.SIRA_URL ?? 'http://127.0.0.1:8080', apiKey: process.env.SIRA_KEY });
const model: Model = {
  getResponse: async (r) => ({ usage: new Usage(), output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: `(${Array.isArray(r.input) ? r.input.length : 1} items of history)` }] }] }),
  getStreamedResponse: () => { throw new Error('not used'); },
};

const session = new SiraAgentsSession({ client, sessionId: 'example-agents' });
const agent = new Agent({ name: 'support', instructions: 'Be brief.', model });
for (const q of ['My card has not arrived.', 'Any news?']) console.log((await run(agent, q, { session })).finalOutput);
