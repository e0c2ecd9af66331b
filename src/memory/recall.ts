/**
 * @module memory/recall
 * Cross-session recall (DESIGN §4.5): one HNSW index per (tenant, user) over the turn embeddings the enrichment
 * queue stores in each session (`_emb/<model>/<chunk>` tensors). The index is brought up to date lazily, when a
 * context request asks: the user's live sessions are listed, turns embedded since the last look are added,
 * sessions that are gone (deleted, expired) or re-created lose their entries. How far each session was indexed is
 * saved with the index (its `meta`), so a restart resumes where it stopped. The best turns of the user's sessions
 * created before the current one become context candidates.
 */
import type { Session } from '../core/types.ts';
import type { Store } from '../storage/store.ts';
import { textHead } from '../core/text-limits.ts';
import { turnText } from '../models/chat.ts';
import type { ExternalCandidate } from './context/external.ts';
import type { Enrichment } from './enrichment.ts';
import { VECTOR_INDEX_COLLECTION, type VectorIndex, type VectorIndexes } from './vector-index.ts';

/** How far a session was indexed. */
interface Mark {
  /** Every seq up to this one was embedded and indexed. */
  upTo: number;
  created_at: number;
}

/** Tunables. */
export interface RecallOptions {
  /** Most of the user's sessions looked at (newest first). @default 1000 */
  maxSessions: number;
  /** Longest text of one candidate (characters). @default 400 */
  maxChars: number;
}

const keyOf = (session: string, seq: number) => `${session}#${seq}`;
const splitKey = (k: string) => {
  const i = k.lastIndexOf('#');
  return { session: k.slice(0, i), seq: Number(k.slice(i + 1)) };
};

/** Cross-session recall for every tenant of a service. */
export class SessionRecall {
  readonly #store: Store;
  readonly #enrichment: Enrichment;
  readonly #indexes: VectorIndexes;
  readonly #opts: RecallOptions;

  constructor(store: Store, enrichment: Enrichment, indexes: VectorIndexes, opts: Partial<RecallOptions> = {}) {
    this.#store = store;
    this.#enrichment = enrichment;
    this.#indexes = indexes;
    this.#opts = { maxSessions: 1000, maxChars: 400, ...opts };
  }

  #scope(user: string): string {
    return `user:${user}:${this.#enrichment.embedder.id}`;
  }

  async #sessions(tenant: string, user: string): Promise<Session[]> {
    const out: Session[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#store.listSessions(tenant, { user_id: user, limit: 100, ...(cursor === undefined ? {} : { cursor }) });
      out.push(...page.items);
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined && out.length < this.#opts.maxSessions);
    return out.slice(0, this.#opts.maxSessions);
  }

  /** Forget a user's index (erased): its files under the data directory and its version counter. */
  async forgetUser(tenant: string, user: string): Promise<void> {
    const scope = this.#scope(user);
    await this.#indexes.drop(tenant, scope);
    await this.#store.deleteDoc(tenant, VECTOR_INDEX_COLLECTION, scope);
  }

  /** Bring the user's index up to date with the store; returns the user's sessions by id. */
  async sync(tenant: string, user: string): Promise<{ index: VectorIndex; sessions: Map<string, Session> }> {
    const dim = this.#enrichment.embedder.dim;
    const scope = this.#scope(user);
    const sessions = new Map((await this.#sessions(tenant, user)).map((s) => [s.id, s]));
    const index = await this.#indexes.update(tenant, scope, dim, async (idx) => {
      const marks = (idx.meta.sessions ?? {}) as Record<string, Mark>;
      const gone = new Set(Object.keys(marks).filter((id) => sessions.get(id)?.created_at !== marks[id]!.created_at));
      if (gone.size > 0) {
        for (const k of [...idx.keys()]) if (gone.has(splitKey(k).session)) idx.remove(k);
        for (const id of gone) delete marks[id];
      }
      for (const s of sessions.values()) {
        const mark = marks[s.id] ?? { upTo: 0, created_at: s.created_at };
        if (s.turn_count <= mark.upTo) continue;
        const seqs = Array.from({ length: s.turn_count - mark.upTo }, (_, i) => mark.upTo + 1 + i);
        const vecs = await this.#enrichment.vectors.read(tenant, s.id, seqs);
        for (const [seq, v] of vecs) idx.add(keyOf(s.id, seq), v);
        let upTo = mark.upTo;
        while (vecs.has(upTo + 1)) upTo++;
        marks[s.id] = { upTo, created_at: s.created_at };
      }
      idx.meta.sessions = marks;
      return idx;
    });
    return { index, sessions };
  }

  /**
   * The `k` turns of `user`'s sessions created before `current` that best match `query`, as context candidates
   * (source `session`, id `<session>#<seq>`). Empty without a query or a user; never throws.
   */
  async candidates(tenant: string, user: string, current: Session, query: string, k = 5): Promise<ExternalCandidate[]> {
    if (query.trim() === '') return [];
    try {
      const q = await this.#enrichment.query.embed(query);
      const { index, sessions } = await this.sync(tenant, user);
      const earlier = (id: string) => {
        const s = sessions.get(id);
        return s !== undefined && id !== current.id && (s.created_at < current.created_at || (s.created_at === current.created_at && id < current.id));
      };
      const hits = index.search(q, k, (key) => earlier(splitKey(key).session));
      const out: ExternalCandidate[] = [];
      for (const h of hits) {
        const { session, seq } = splitKey(h.key);
        const t = (await this.#store.getTurns(tenant, session, { after_seq: seq - 1, limit: 1 }))?.[0];
        if (t === undefined || t.seq !== seq) continue;
        const text = textHead(turnText(t), this.#opts.maxChars * 4 + 1).replace(/\s+/g, ' ').trim();
        if (text === '') continue;
        out.push({
          source: 'session',
          id: h.key,
          score: Math.round(h.score * 1e4) / 1e4,
          text: `${t.role}: ${text.length > this.#opts.maxChars ? `${text.slice(0, this.#opts.maxChars)}…` : text}`,
          ref: { session_id: session, seq },
        });
      }
      return out;
    } catch {
      return [];
    }
  }
}
