/**
 * @module api/openai-store
 * Where the OpenAI Responses and Conversations API keeps its objects: tenant-scoped document collections of the
 * Store, plus a Sira session per conversation or response chain that mirrors every item as a turn (so context
 * builds, search, profiles and the MCP tools see the same memory).
 *
 * - `openai.responses/<resp id>`: `{response, input_items, input_seqs, output_seqs, session_id, previous_response_id,
 *   conversation_id}` — the response object as returned, its own input items, and the seq of each item's turn.
 * - `openai.conversations/<conv id>`: `{conversation, session_id}`; the session's id is the conversation's id.
 * - `openai.items/<conv id>/<order key>`: `{item, seq}`, one per conversation item, in insertion order.
 * A chain started without `conversation` maps to the session whose id is its first response's id; every response
 * that continues it (`previous_response_id`) appends its items to that session.
 */
import { isSiraError, siraError } from '../core/errors.ts';
import type { JsonObject } from '../core/types.ts';
import type { TurnInput } from '../core/validate.ts';
import type { SiraSession } from '../sira.ts';
import { offloadTurnMedia } from './media-offload.ts';
import { itemToTurn, type ResponseItem } from './openai-items.ts';

const RESPONSES = 'openai.responses';
const CONVERSATIONS = 'openai.conversations';
const ITEMS = 'openai.items';
/** Longest previous_response_id chain followed. */
export const MAX_CHAIN = 1000;

/** A stored response. */
export interface StoredResponse {
  response: JsonObject;
  input_items: ResponseItem[];
  /** Seq of each input item's turn, or -1 when it has none. */
  input_seqs: number[];
  output_seqs: number[];
  session_id: string;
  previous_response_id: string | null;
  conversation_id: string | null;
}

/** The conversation object of the API (`created_at` in seconds). */
export type Conversation = JsonObject & {
  id: string;
  object: 'conversation';
  created_at: number;
  metadata: JsonObject;
};

/** An item with the seq of its mirrored turn (-1: none). */
export interface SeqItem {
  item: ResponseItem;
  seq: number;
}

const utf8 = new TextEncoder();
const encode = (v: unknown): Uint8Array => utf8.encode(JSON.stringify(v));
const decode = <T>(b: Uint8Array): T => JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')) as T;

const B32 = '0123456789abcdefghjkmnpqrstvwxyz';
/** Sortable key of the `index`-th item of a batch written at `now` (ms): insertion order across batches. */
function orderKey(now: number, index: number): string {
  let t = '';
  let n = Math.max(0, Math.floor(now));
  for (let i = 0; i < 10; i++) {
    t = B32[n % 32] + t;
    n = Math.floor(n / 32);
  }
  return `${t}${String(index).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`;
}

/** The Responses/Conversations objects of one tenant. */
export class OpenAIStore {
  readonly #sira: SiraSession;
  readonly #tenant: string;

  constructor(sira: SiraSession, tenant: string) {
    this.#sira = sira;
    this.#tenant = tenant;
  }

  /** The stored response; throws SIRA_ERR_RESPONSE_NOT_FOUND. */
  async getResponse(id: string): Promise<StoredResponse> {
    const doc = id.length > 0 && id.length <= 200 ? await this.#sira.store.getDoc(this.#tenant, RESPONSES, id) : undefined;
    if (doc === undefined) throw siraError('SIRA_ERR_RESPONSE_NOT_FOUND', `no stored response ${JSON.stringify(id.slice(0, 100))}`);
    return decode<StoredResponse>(doc.value);
  }

  /** Store (or replace) a response. */
  async putResponse(stored: StoredResponse): Promise<void> {
    await this.#sira.store.putDoc(this.#tenant, RESPONSES, String(stored.response.id), encode(stored));
  }

  /** Delete a stored response (its turns stay in the chain's session); throws SIRA_ERR_RESPONSE_NOT_FOUND. */
  async deleteResponse(id: string): Promise<void> {
    await this.getResponse(id);
    await this.#sira.store.deleteDoc(this.#tenant, RESPONSES, id);
  }

  /** The items of the chain ending with response `id` (inputs and outputs, oldest first) and its session. */
  async chain(id: string): Promise<{ items: SeqItem[]; sessionId: string; conversationId: string | null }> {
    const links: StoredResponse[] = [];
    let next: string | null = id;
    while (next !== null) {
      if (links.length >= MAX_CHAIN) throw siraError('SIRA_ERR_REQUEST_INVALID', `the previous_response_id chain is longer than ${MAX_CHAIN}`);
      const r: StoredResponse = await this.getResponse(next);
      links.push(r);
      next = r.previous_response_id;
    }
    const items: SeqItem[] = [];
    for (const r of links.reverse()) {
      r.input_items.forEach((item, i) => items.push({ item, seq: r.input_seqs[i] ?? -1 }));
      const output = Array.isArray(r.response.output) ? (r.response.output as ResponseItem[]) : [];
      output.forEach((item, i) => items.push({ item, seq: r.output_seqs[i] ?? -1 }));
    }
    return { items, sessionId: links.at(-1)!.session_id, conversationId: links.at(-1)!.conversation_id };
  }

  /**
   * Append `items` as turns of session `sessionId` (created when missing: a new chain, or one whose session
   * expired); returns each item's seq (-1 for an item with no turn). A turn the validator refuses (over a size
   * limit) is left out and the others are still appended: the item itself is kept by the API objects either way.
   */
  async mirror(sessionId: string, items: readonly ResponseItem[], kind: 'responses' | 'conversation'): Promise<number[]> {
    const t = this.#sira.tenant(this.#tenant);
    // Inline attachments go to the blob store: the items keep them verbatim, the turns reference them.
    const turns: (TurnInput | undefined)[] = [];
    for (const item of items) {
      const turn = itemToTurn(item);
      turns.push(turn === undefined ? undefined : await offloadTurnMedia(this.#sira.blobs, this.#tenant, turn));
    }
    const seqs = turns.map(() => -1);
    const at = turns.flatMap((turn, i) => (turn === undefined ? [] : [i]));
    if (at.length === 0) return seqs;
    const append = async (batch: TurnInput[]) => {
      try {
        return await t.appendTurns(sessionId, batch);
      } catch (e) {
        if (!isSiraError(e, 'SIRA_ERR_SESSION_NOT_FOUND')) throw e;
        try {
          await t.createSession({ id: sessionId, metadata: { openai: kind } });
        } catch (c) {
          // Another request created it meanwhile: fine, append below.
          if (!isSiraError(c, 'SIRA_ERR_SESSION_EXISTS')) throw c;
        }
        return t.appendTurns(sessionId, batch);
      }
    };
    const refused = (e: unknown) => isSiraError(e) && e.category === 'user';
    try {
      const stored = await append(at.map((i) => turns[i]!));
      at.forEach((i, k) => (seqs[i] = stored[k]!.seq));
    } catch (e) {
      if (!refused(e)) throw e;
      // One turn over a limit must not lose the others: append them one by one, leaving the refused ones out.
      for (const i of at) {
        try {
          seqs[i] = (await append([turns[i]!]))[0]!.seq;
        } catch (one) {
          if (!refused(one)) throw one;
        }
      }
    }
    return seqs;
  }

  /** Create a conversation (and its session) holding `items`. */
  async createConversation(id: string, metadata: JsonObject, items: ResponseItem[], now: number): Promise<Conversation> {
    const conversation: Conversation = { id, object: 'conversation', created_at: Math.floor(now / 1000), metadata };
    await this.#sira.tenant(this.#tenant).createSession({ id, metadata: { openai: 'conversation' } });
    await this.#sira.store.putDoc(this.#tenant, CONVERSATIONS, id, encode({ conversation, session_id: id }), 0);
    await this.appendItems(id, items, now);
    return conversation;
  }

  /** The conversation; throws SIRA_ERR_CONVERSATION_NOT_FOUND. */
  async getConversation(id: string): Promise<{ conversation: Conversation; session_id: string; version: number }> {
    const doc = id.length > 0 && id.length <= 128 && !id.includes('/') ? await this.#sira.store.getDoc(this.#tenant, CONVERSATIONS, id) : undefined;
    if (doc === undefined) throw siraError('SIRA_ERR_CONVERSATION_NOT_FOUND', `no conversation ${JSON.stringify(id.slice(0, 100))}`);
    return { ...decode<{ conversation: Conversation; session_id: string }>(doc.value), version: doc.version };
  }

  /** Replace a conversation's metadata. */
  async updateConversation(id: string, metadata: JsonObject): Promise<Conversation> {
    const c = await this.getConversation(id);
    const conversation = { ...c.conversation, metadata };
    await this.#sira.store.putDoc(this.#tenant, CONVERSATIONS, id, encode({ conversation, session_id: c.session_id }), c.version);
    return conversation;
  }

  /** Delete a conversation, its items and its session. */
  async deleteConversation(id: string): Promise<void> {
    const c = await this.getConversation(id);
    await this.#sira.store.deleteDocs(this.#tenant, ITEMS, `${id}/`);
    await this.#sira.store.deleteDoc(this.#tenant, CONVERSATIONS, id);
    try {
      await this.#sira.tenant(this.#tenant).deleteSession(c.session_id);
    } catch (e) {
      // Already expired or deleted through /v1/sessions: nothing left to remove.
      if (!isSiraError(e, 'SIRA_ERR_SESSION_NOT_FOUND')) throw e;
    }
  }

  /** Append items to a conversation (docs and turns); returns the seq of each item's turn (-1: none). */
  async appendItems(id: string, items: ResponseItem[], now: number): Promise<number[]> {
    const c = await this.getConversation(id);
    const seqs = await this.mirror(c.session_id, items, 'conversation');
    for (const [i, item] of items.entries()) {
      await this.#sira.store.putDoc(this.#tenant, ITEMS, `${id}/${orderKey(now, i)}`, encode({ item, seq: seqs[i] }));
    }
    return seqs;
  }

  /** Every item of a conversation, oldest first, with its doc id. */
  async listItems(id: string): Promise<(SeqItem & { key: string })[]> {
    await this.getConversation(id);
    const out: (SeqItem & { key: string })[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#sira.store.listDocs(this.#tenant, ITEMS, { prefix: `${id}/`, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
      for (const d of page.items) out.push({ ...decode<SeqItem>(d.value), key: d.id });
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined);
    return out;
  }

  /** One item; throws SIRA_ERR_CONVERSATION_ITEM_NOT_FOUND. */
  async getItem(id: string, itemId: string): Promise<SeqItem & { key: string }> {
    const hit = (await this.listItems(id)).find((x) => x.item.id === itemId);
    if (hit === undefined) throw siraError('SIRA_ERR_CONVERSATION_ITEM_NOT_FOUND', `no item ${JSON.stringify(itemId.slice(0, 100))} in conversation ${id}`);
    return hit;
  }

  /** Delete one item (its turn stays in the session's log; later responses no longer send the item upstream). */
  async deleteItem(id: string, itemId: string): Promise<Conversation> {
    const hit = await this.getItem(id, itemId);
    await this.#sira.store.deleteDoc(this.#tenant, ITEMS, hit.key);
    return (await this.getConversation(id)).conversation;
  }
}
