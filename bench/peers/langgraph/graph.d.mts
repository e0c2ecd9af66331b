/** Types of ./graph.mjs (plain JavaScript so that the Node 20 child runs it unchanged). */
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import type { BaseMessage } from '@langchain/core/messages';
import type { NewTurn } from '../../../src/core/types.ts';

/** A corpus turn as a LangChain message. */
export declare function toMessage(turn: NewTurn): BaseMessage;

/** The benchmark's operations on one LangGraph graph; see bench/peers/adapter.ts PeerSystem for their meaning. */
export interface LangGraphOps {
  setup(sessions: readonly { id: string; turns: readonly NewTurn[] }[]): Promise<void>;
  append(thread: string, turn: NewTurn): Promise<void>;
  appendBatch(thread: string, turns: readonly NewTurn[]): Promise<void>;
  lastK(thread: string, k: number): Promise<number>;
  getState(thread: string): Promise<number>;
  contextWindow(thread: string, budgetTokens: number): Promise<number>;
}

/** Compile the one-node messages graph on `checkpointer`. */
export declare function langGraphOps(checkpointer: BaseCheckpointSaver): LangGraphOps;
