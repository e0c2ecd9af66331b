/**
 * @module bench/peers/langgraph/graph
 * The LangGraph system of the peer benchmark, in plain JavaScript so that both runtimes load the very same code:
 * Node 24 in-process with the postgres checkpointer (bench/peers/langgraph.ts) and the Node 20 child with the
 * sqlite one (bench/peers/node20/langgraph-sqlite.mjs). Types: ./graph.d.mts.
 *
 * A session is a thread whose state holds the message list, as LangGraph chat apps keep it: a
 * `MessagesAnnotation` graph with one node. Appending = `invoke({ messages: [...] })`: the input is appended to
 * the list by the messages reducer and the node (where a chat app calls its model) returns no update; invoke
 * resolves after the checkpoints are written. Reading = `getState` (the latest checkpoint) and a slice.
 */
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { AIMessage, HumanMessage } from '@langchain/core/messages';

/** Same estimate as bench/peers/adapter.ts: 4 characters per token plus 4 tokens per message. */
const estimate = (chars) => Math.ceil(chars / 4) + 4;

/** A corpus turn ({role, parts, metadata}) as a LangChain message; a tool call becomes an AIMessage's tool_calls. */
export function toMessage(turn) {
  const kwargs = turn.metadata ? { metadata: turn.metadata } : {};
  const text = turn.parts.filter((p) => p.type === 'text').map((p) => p.text).join('\n');
  if (turn.role === 'assistant') {
    const tool_calls = turn.parts.filter((p) => p.type === 'tool_call').map((p) => ({ id: p.id, name: p.name, args: JSON.parse(p.arguments), type: 'tool_call' }));
    return new AIMessage({ content: text, tool_calls, additional_kwargs: kwargs });
  }
  return new HumanMessage({ content: text, additional_kwargs: kwargs });
}

const chars = (m) => {
  let n = typeof m.content === 'string' ? m.content.length : JSON.stringify(m.content).length;
  for (const c of m.tool_calls ?? []) n += c.name.length + JSON.stringify(c.args).length;
  return n;
};

/** The operations on one compiled graph with `checkpointer`. */
export function langGraphOps(checkpointer) {
  const graph = new StateGraph(MessagesAnnotation)
    .addNode('respond', () => ({}))
    .addEdge(START, 'respond')
    .addEdge('respond', END)
    .compile({ checkpointer });
  const cfg = (thread) => ({ configurable: { thread_id: thread } });
  const messages = async (thread) => (await graph.getState(cfg(thread))).values.messages ?? [];
  return {
    async setup(sessions) {
      for (const s of sessions) await graph.invoke({ messages: s.turns.map(toMessage) }, cfg(s.id));
    },
    append: async (thread, turn) => void (await graph.invoke({ messages: [toMessage(turn)] }, cfg(thread))),
    appendBatch: async (thread, turns) => void (await graph.invoke({ messages: turns.map(toMessage) }, cfg(thread))),
    lastK: async (thread, k) => (await messages(thread)).slice(-k).length,
    getState: async (thread) => (await messages(thread)).length,
    contextWindow: async (thread, budget) => {
      const ms = await messages(thread);
      let used = 0;
      for (let i = ms.length - 1; i >= 0; i--) {
        used += estimate(chars(ms[i]));
        if (used > budget) return ms.length - 1 - i;
      }
      return ms.length;
    },
  };
}
