/**
 * @module memory/experiences/experiences
 * Experiences (DESIGN §6): agents post trajectories; a search for a new task finds similar past runs through a
 * per-tenant HNSW index over task embeddings, groups the closest ones into the task's cluster, and returns the
 * most useful runs with the cluster's success statistics and lessons (contrastive step patterns; written lessons
 * too when an LLM is configured). The graph view clusters a tenant's runs and counts task-cluster → strategy →
 * outcome. Documents live in the store's `experiences` collection (LMDB and Redis alike); the index is a cache
 * of them (see {@link VectorIndexes}).
 */
import { siraError } from '../../core/errors.ts';
import { isValidId, newId } from '../../core/ids.ts';
import type { Clock } from '../../core/clock.ts';
import { QueryEmbedder, type Embedder } from '../../models/embedder.ts';
import type { Store } from '../../storage/store.ts';
import type { ExternalCandidate } from '../context/external.ts';
import type { VectorIndex, VectorIndexes } from '../vector-index.ts';
import { LESSONS_COLLECTION, type LessonWriter, type WrittenLessons } from './llm-lessons.ts';
import { mineLessons, runStats, strategyOf, type MinedLessons, type RunStats } from './patterns.ts';
import { checkExperience, decodeExperience, encodeExperience, type Experience, type Outcome } from './record.ts';
import { TermMatcher } from './term-match.ts';

/** The collection of experience documents. */
export const EXPERIENCES_COLLECTION = 'experiences';
const SCOPE = 'experiences';

/** A search for past runs like `task`. */
export interface ExperienceQuery {
  task: string;
  /** Results. @default 5 (1..100) */
  k?: number;
  /** Only this agent's runs. */
  agent_id?: string;
  /** Runs whose match ({@link ExperienceHit.match}) is at least this join the task's cluster (else: the split of {@link clusterThreshold}). */
  cluster_threshold?: number;
}

/** A past run in a search result. */
export interface ExperienceHit extends Experience {
  /** Cosine similarity of its task to the query. */
  similarity: number;
  /** How well the query's words align with its task's (0..1; {@link TermMatcher.scores}); `similarity` when `termMatch` is off. */
  match: number;
  /** match × (0.5 + 0.5 × outcome value): what the list is ordered by. */
  usefulness: number;
}

/** What a search returns. */
export interface ExperienceSearchResult {
  experiences: ExperienceHit[];
  /** The runs of the query's task cluster and their outcomes. */
  cluster: RunStats & { threshold: number; ids: string[] };
  lessons: MinedLessons & { written?: WrittenLessons };
  embedding: { model: string };
}

/** Graph of task clusters → strategies → outcomes. */
export interface ExperienceGraph {
  nodes: { id: string; kind: 'cluster' | 'strategy' | 'outcome'; label: string; runs: number; success_rate?: number }[];
  edges: { from: string; to: string; runs: number }[];
  clusters: number;
  runs: number;
  /** True when only the first `limit` experiences were read. */
  truncated: boolean;
}

/** Tunables. */
export interface ExperiencesOptions {
  /** Neighbours read from the index per search (the cluster is drawn from them). @default 50 */
  neighbors: number;
  /** No run joins a cluster below this match. @default 0.2 */
  minSimilarity: number;
  /**
   * The two groups of the match split must differ by this much in mean, else there is no split. 0.2 for cosines;
   * term matches spread about 1.5× wider (one family's paraphrases 0.54-0.77 where their cosines are 0.56-0.71). @default 0.3
   */
  minSeparation: number;
  /**
   * Without a split, the cluster is this many nearest runs (a neighbourhood with no visible boundary is not one task).
   * Chosen on the experiences benchmark: it raised the share of searches with a correct lesson. @default 20
   */
  maxCluster: number;
  /**
   * Rank the neighbours by word alignment with the query ({@link TermMatcher}) instead of whole-text cosine.
   * Chosen on the experiences benchmark's dev split (top-1 same family 0.39 → 0.58 with the static embedder; 0.38 → 0.34 with the hashing one). @default true
   */
  termMatch: boolean;
}

const DEFAULTS: ExperiencesOptions = { neighbors: 50, minSimilarity: 0.2, minSeparation: 0.3, maxCluster: 20, termMatch: true };

/**
 * The similarity that splits a query's neighbours into its task cluster and the rest: Otsu's threshold (the cut
 * that maximises the between-group variance of the sorted similarities), so it adapts to the embedder's scale.
 * When the two groups are not apart by `minSeparation`, every neighbour is; never below `min`.
 */
export function clusterThreshold(sims: readonly number[], min: number, minSeparation: number): number {
  return clusterSplit(sims, min, minSeparation).threshold;
}

/** {@link clusterThreshold}, and whether the similarities split at all (false: one group, cut only by `min`). */
export function clusterSplit(sims: readonly number[], min: number, minSeparation: number): { threshold: number; split: boolean } {
  const xs = [...sims].sort((a, b) => b - a);
  if (xs.length < 3) return { threshold: min, split: false };
  const total = xs.reduce((a, x) => a + x, 0);
  let best = -1;
  let cut = xs.length;
  let hiSum = 0;
  for (let i = 1; i < xs.length; i++) {
    hiSum += xs[i - 1]!;
    const mh = hiSum / i;
    const ml = (total - hiSum) / (xs.length - i);
    const v = (i / xs.length) * (1 - i / xs.length) * (mh - ml) ** 2;
    if (v > best && mh - ml >= minSeparation) {
      best = v;
      cut = i;
    }
  }
  return { threshold: Math.max(min, cut === xs.length ? xs[xs.length - 1]! : xs[cut - 1]!), split: cut !== xs.length };
}
const OUTCOME_VALUE: Record<Outcome, number> = { success: 1, partial: 0.5, failure: 0 };
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
const bad = (d: string) => siraError('SIRA_ERR_EXPERIENCE_QUERY_INVALID', d);
// Index keys carry the agent (ids have no '/'), so an agent filter needs no document reads.
const keyOf = (e: { agent_id: string; id: string }) => `${e.agent_id}/${e.id}`;
const idOfKey = (k: string) => k.slice(k.indexOf('/') + 1);

/** Experiences of every tenant of a service. */
export class Experiences {
  readonly embedder: Embedder;
  readonly #store: Store;
  readonly #query: QueryEmbedder;
  readonly #indexes: VectorIndexes;
  readonly #clock: Clock;
  readonly #writer: LessonWriter | undefined;
  readonly #opts: ExperiencesOptions;
  readonly #terms: TermMatcher;

  constructor(store: Store, embedder: Embedder, indexes: VectorIndexes, clock: Clock, writer?: LessonWriter, opts: Partial<ExperiencesOptions> = {}) {
    this.#store = store;
    this.embedder = embedder;
    this.#query = new QueryEmbedder(embedder);
    this.#indexes = indexes;
    this.#clock = clock;
    this.#writer = writer;
    this.#opts = { ...DEFAULTS, ...opts };
    this.#terms = new TermMatcher(embedder);
  }

  #index(tenant: string): Promise<VectorIndex> {
    return this.#indexes.open(tenant, SCOPE, this.embedder.dim, () => this.#source(tenant));
  }

  /** Every stored experience's key and vector (re-embedding those stored under another model). */
  async *#source(tenant: string): AsyncIterable<{ key: string; vector: ArrayLike<number> }> {
    let cursor: string | undefined;
    do {
      const page = await this.#store.listDocs(tenant, EXPERIENCES_COLLECTION, { limit: 500, ...(cursor === undefined ? {} : { cursor }) });
      const stale: Experience[] = [];
      for (const d of page.items) {
        const { experience, model, vector } = decodeExperience(d.value);
        if (model === this.embedder.id && vector.length === this.embedder.dim) yield { key: keyOf(experience), vector };
        else stale.push(experience);
      }
      if (stale.length > 0) {
        const vecs = await this.embedder.embed(stale.map((e) => e.task));
        for (let i = 0; i < stale.length; i++) {
          const owner = await this.#owner(tenant, stale[i]!);
          await this.#store.putDoc(tenant, EXPERIENCES_COLLECTION, stale[i]!.id, encodeExperience(stale[i]!, this.embedder.id, vecs[i]!), undefined, owner);
          yield { key: keyOf(stale[i]!), vector: vecs[i]! };
        }
      }
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** The cluster's similarity cut (the split of {@link clusterThreshold}) and size cap (`maxCluster` when there is no split). */
  #cut(sims: readonly number[]): { threshold: number; cap: number } {
    const { threshold, split } = clusterSplit(sims, this.#opts.minSimilarity, this.#opts.minSeparation);
    return { threshold, cap: split ? Infinity : this.#opts.maxCluster };
  }

  /**
   * The user a run is derived from: `metadata.user_id`, else the user of the session `metadata.session_id` names.
   * The store seals the run under that user's key, so erasing the user erases it even from freed pages.
   */
  async #owner(tenant: string, e: Experience): Promise<string | undefined> {
    const m = e.metadata;
    if (typeof m.user_id === 'string' && isValidId(m.user_id)) return m.user_id;
    if (typeof m.session_id !== 'string' || !isValidId(m.session_id)) return undefined;
    return (await this.#store.getSession(tenant, m.session_id))?.user_id ?? undefined;
  }

  /** Validate, embed and store a run; throws SIRA_ERR_EXPERIENCE_INVALID / SIRA_ERR_EXPERIENCE_EXISTS / SIRA_ERR_EMBEDDER_FAILED. */
  async put(tenant: string, input: unknown): Promise<Experience> {
    const e = checkExperience(input, this.#clock(), () => newId('exp_', this.#clock()));
    let vector: Float32Array;
    try {
      [vector] = (await this.embedder.embed([e.task])) as [Float32Array];
    } catch (err) {
      throw siraError('SIRA_ERR_EMBEDDER_FAILED', `embedding the task failed: ${(err as Error).message}`, { cause: err });
    }
    try {
      await this.#store.putDoc(tenant, EXPERIENCES_COLLECTION, e.id, encodeExperience(e, this.embedder.id, vector), 0, await this.#owner(tenant, e));
    } catch (err) {
      if ((err as { code?: string }).code === 'SIRA_ERR_DOC_VERSION_CONFLICT') throw siraError('SIRA_ERR_EXPERIENCE_EXISTS', `experience ${e.id} exists`);
      throw err;
    }
    await this.#indexes.change(tenant, SCOPE, this.embedder.dim, (idx) => idx.add(keyOf(e), vector));
    return e;
  }

  /** The run; throws SIRA_ERR_EXPERIENCE_NOT_FOUND. */
  async get(tenant: string, id: string): Promise<Experience> {
    const d = isValidId(id) ? await this.#store.getDoc(tenant, EXPERIENCES_COLLECTION, id) : undefined;
    if (d === undefined) throw siraError('SIRA_ERR_EXPERIENCE_NOT_FOUND');
    return decodeExperience(d.value).experience;
  }

  /**
   * Delete every run derived from a user (its `metadata.user_id` is the user, or its `metadata.session_id` one of
   * `sessions`), then drop the index so its file, which keeps the vectors of removed entries, is rebuilt without
   * them. Returns how many runs were deleted.
   */
  async eraseDerived(tenant: string, user: string | undefined, sessions: ReadonlySet<string>): Promise<number> {
    const doomed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#store.listDocs(tenant, EXPERIENCES_COLLECTION, { limit: 500, ...(cursor === undefined ? {} : { cursor }) });
      for (const d of page.items) {
        const m = decodeExperience(d.value).experience.metadata;
        if ((user !== undefined && m.user_id === user) || (typeof m.session_id === 'string' && sessions.has(m.session_id))) doomed.push(d.id);
      }
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined);
    for (const id of doomed) await this.#store.deleteDoc(tenant, EXPERIENCES_COLLECTION, id);
    if (doomed.length > 0) {
      await this.#indexes.drop(tenant, SCOPE);
      // Written lessons may quote the runs they were mined from: they are rewritten from what is left.
      await this.#store.deleteDocs(tenant, LESSONS_COLLECTION);
    }
    return doomed.length;
  }

  /** Delete at most `limit` runs created before `cutoff` (ms; a retention policy), then rebuild the index; returns how many. */
  async eraseOlderThan(tenant: string, cutoff: number, limit: number): Promise<number> {
    const doomed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#store.listDocs(tenant, EXPERIENCES_COLLECTION, { limit: 500, ...(cursor === undefined ? {} : { cursor }) });
      for (const d of page.items) if (doomed.length < limit && decodeExperience(d.value).experience.created_at < cutoff) doomed.push(d.id);
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined && doomed.length < limit);
    for (const id of doomed) await this.#store.deleteDoc(tenant, EXPERIENCES_COLLECTION, id);
    if (doomed.length > 0) await this.#indexes.drop(tenant, SCOPE);
    return doomed.length;
  }

  /** Delete a run (from the store, then the index); throws SIRA_ERR_EXPERIENCE_NOT_FOUND. */
  async delete(tenant: string, id: string): Promise<void> {
    const e = await this.get(tenant, id);
    if (!(await this.#store.deleteDoc(tenant, EXPERIENCES_COLLECTION, id))) throw siraError('SIRA_ERR_EXPERIENCE_NOT_FOUND');
    await this.#indexes.change(tenant, SCOPE, this.embedder.dim, (idx) => idx.remove(keyOf(e)));
  }

  async #neighbours(tenant: string, vector: ArrayLike<number>, n: number, agent?: string): Promise<{ e: Experience; sim: number }[]> {
    const idx = await this.#index(tenant);
    const hits = idx.search(vector, n, agent === undefined ? undefined : (k) => k.startsWith(`${agent}/`));
    const docs = await Promise.all(hits.map((h) => this.#store.getDoc(tenant, EXPERIENCES_COLLECTION, idOfKey(h.key))));
    const out: { e: Experience; sim: number }[] = [];
    docs.forEach((d, i) => {
      if (d !== undefined) out.push({ e: decodeExperience(d.value).experience, sim: hits[i]!.score });
    });
    return out;
  }

  /** Each neighbour's {@link ExperienceHit.match}; throws SIRA_ERR_EMBEDDER_FAILED. */
  async #match(task: string, near: readonly { e: Experience; sim: number }[]): Promise<number[]> {
    if (!this.#opts.termMatch) return near.map((x) => x.sim);
    try {
      return (await this.#terms.scores(task, near.map((x) => x.e.task))) ?? near.map((x) => x.sim);
    } catch (err) {
      throw siraError('SIRA_ERR_EMBEDDER_FAILED', `embedding the task's words failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The most useful past runs for `q.task`, its cluster's statistics and lessons. Throws SIRA_ERR_EXPERIENCE_QUERY_INVALID. */
  async search(tenant: string, q: ExperienceQuery): Promise<ExperienceSearchResult> {
    if (typeof q !== 'object' || q === null) throw bad('the body must be a JSON object');
    if (typeof q.task !== 'string' || q.task.trim() === '' || q.task.length > 8000) throw bad('task must be a non-empty string of at most 8000 characters');
    const k = q.k ?? 5;
    if (!Number.isSafeInteger(k) || k < 1 || k > 100) throw bad('k must be an integer from 1 to 100');
    if (q.agent_id !== undefined && !isValidId(q.agent_id)) throw bad('agent_id is not a valid id');
    if (q.cluster_threshold !== undefined && !(Number.isFinite(q.cluster_threshold) && q.cluster_threshold >= -1 && q.cluster_threshold <= 1)) throw bad('cluster_threshold must be from -1 to 1');
    let vector: Float32Array;
    try {
      vector = await this.#query.embed(q.task);
    } catch (err) {
      throw siraError('SIRA_ERR_EMBEDDER_FAILED', `embedding the task failed: ${(err as Error).message}`, { cause: err });
    }
    const near = await this.#neighbours(tenant, vector, Math.max(this.#opts.neighbors, k * 4), q.agent_id);
    const match = await this.#match(q.task, near);
    // The cluster is cut on the same score the list is ranked by: whole-text cosine mixes families that share filler.
    const byMatch = near.map((x, i) => ({ ...x, m: match[i]! })).sort((a, b) => b.m - a.m);
    const { threshold, cap } = q.cluster_threshold === undefined ? this.#cut(byMatch.map((x) => x.m)) : { threshold: q.cluster_threshold, cap: Infinity };
    const cluster = byMatch.filter((x) => x.m >= threshold).slice(0, cap).map((x) => x.e);
    const ranked = near
      .map((x, i) => ({ ...x.e, similarity: r4(x.sim), match: r4(match[i]!), usefulness: r4(match[i]! * (0.5 + 0.5 * OUTCOME_VALUE[x.e.outcome])) }))
      .sort((a, b) => b.usefulness - a.usefulness || b.similarity - a.similarity || (a.id < b.id ? -1 : 1))
      .slice(0, k);
    const mined = mineLessons(cluster);
    const written = this.#writer !== undefined && cluster.length > 0 ? await this.#writer.lessons(tenant, cluster, mined) : undefined;
    return {
      experiences: ranked,
      cluster: { ...runStats(cluster), threshold: r4(threshold), ids: cluster.map((e) => e.id) },
      lessons: { ...mined, ...(written === undefined ? {} : { written }) },
      embedding: { model: this.embedder.id },
    };
  }

  /**
   * The agent's past runs as context candidates for `query`: the best `k` (by usefulness), each a line with its
   * outcome and strategy, then one line of its cluster's statistics and lessons. Never throws (an empty list).
   */
  async candidates(tenant: string, agentId: string, query: string, k = 3): Promise<ExternalCandidate[]> {
    if (query.trim() === '' || !isValidId(agentId)) return [];
    try {
      const r = await this.search(tenant, { task: query, k, agent_id: agentId });
      const out: ExternalCandidate[] = r.experiences.map((e) => ({
        source: 'experience',
        id: e.id,
        score: e.usefulness,
        text: `Task "${e.task.slice(0, 200)}" → ${e.outcome} (reward ${e.reward}) via ${strategyOf(e)}`,
        ref: { experience_id: e.id, similarity: e.similarity },
      }));
      const lessons = r.lessons.written?.status === 'ready' ? r.lessons.written.lessons : r.lessons.text;
      if (r.cluster.runs > 1 && out.length > 0) {
        out.push({
          source: 'experience',
          id: `cluster:${r.cluster.ids.length}`,
          score: out[0]!.score,
          text: `Similar tasks: ${r.cluster.runs} runs, success rate ${Math.round(r.cluster.success_rate * 100)}%, mean reward ${r.cluster.mean_reward}. ${lessons.slice(0, 3).join(' ')}`.trim(),
          ref: { cluster_runs: r.cluster.runs, ids: r.cluster.ids.slice(0, 20) },
        });
      }
      return out;
    } catch {
      return [];
    }
  }

  /**
   * Cluster the tenant's runs (greedy: each unassigned run in id order gathers its unassigned neighbours with
   * similarity ≥ `threshold`) and count cluster → strategy → outcome. Reads at most `limit` runs.
   */
  async graph(tenant: string, opts: { agent_id?: string; threshold?: number; limit?: number } = {}): Promise<ExperienceGraph> {
    const threshold = opts.threshold ?? 0.7;
    const limit = opts.limit ?? 5000;
    if (!(Number.isFinite(threshold) && threshold > 0 && threshold <= 1)) throw bad('threshold must be in (0, 1]');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000) throw bad('limit must be an integer from 1 to 100000');
    if (opts.agent_id !== undefined && !isValidId(opts.agent_id)) throw bad('agent_id is not a valid id');
    const idx = await this.#index(tenant);
    const runs: { e: Experience; v: Float32Array }[] = [];
    let cursor: string | undefined;
    let truncated = false;
    do {
      const page = await this.#store.listDocs(tenant, EXPERIENCES_COLLECTION, { limit: 500, ...(cursor === undefined ? {} : { cursor }) });
      for (const d of page.items) {
        const { experience, vector } = decodeExperience(d.value);
        if (opts.agent_id !== undefined && experience.agent_id !== opts.agent_id) continue;
        if (runs.length >= limit) {
          truncated = true;
          break;
        }
        runs.push({ e: experience, v: vector });
      }
      cursor = truncated ? undefined : (page.cursor ?? undefined);
    } while (cursor !== undefined);
    const byId = new Map(runs.map((r) => [r.e.id, r]));
    const clusterOf = new Map<string, number>();
    const clusters: Experience[][] = [];
    for (const r of runs) {
      if (clusterOf.has(r.e.id)) continue;
      const c = clusters.length;
      const members = [r.e];
      clusterOf.set(r.e.id, c);
      const near = idx.search(r.v.length === this.embedder.dim ? r.v : new Float32Array(this.embedder.dim), 200, opts.agent_id === undefined ? undefined : (k) => k.startsWith(`${opts.agent_id}/`));
      for (const h of near) {
        const id = idOfKey(h.key);
        const m = byId.get(id);
        if (h.score >= threshold && m !== undefined && !clusterOf.has(id)) {
          clusterOf.set(id, c);
          members.push(m.e);
        }
      }
      clusters.push(members);
    }
    const nodes: ExperienceGraph['nodes'] = (['success', 'partial', 'failure'] as const).map((o) => ({ id: `outcome:${o}`, kind: 'outcome' as const, label: o, runs: runs.filter((r) => r.e.outcome === o).length }));
    const edges = new Map<string, { from: string; to: string; runs: number }>();
    const edge = (from: string, to: string) => {
      const k = `${from}\u0000${to}`;
      const x = edges.get(k);
      if (x === undefined) edges.set(k, { from, to, runs: 1 });
      else x.runs++;
    };
    clusters.forEach((members, c) => {
      const st = runStats(members);
      nodes.push({ id: `cluster:${c}`, kind: 'cluster', label: members[0]!.task.slice(0, 120), runs: st.runs, success_rate: st.success_rate });
      const strategies = new Map<string, Experience[]>();
      for (const m of members) strategies.set(strategyOf(m), [...(strategies.get(strategyOf(m)) ?? []), m]);
      [...strategies].forEach(([s, ms], j) => {
        const sid = `strategy:${c}.${j}`;
        const ss = runStats(ms);
        nodes.push({ id: sid, kind: 'strategy', label: s, runs: ss.runs, success_rate: ss.success_rate });
        for (const m of ms) {
          edge(`cluster:${c}`, sid);
          edge(sid, `outcome:${m.outcome}`);
        }
      });
    });
    return { nodes, edges: [...edges.values()], clusters: clusters.length, runs: runs.length, truncated };
  }
}
