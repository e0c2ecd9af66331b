/**
 * @module memory/policy/policy
 * The service side of the adaptive context policy: remembers which arm served each context response (a bounded
 * in-memory map keyed by tenant and context id), turns feedback into a reward, and keeps each tenant's bandit
 * statistics in the Store's document collection `policy` (document `bandit`, JSON), updated with compare-and-set
 * and retried on a version conflict, so several instances sharing a store add up their feedback.
 */
import { siraError } from '../../core/errors.ts';
import type { Store } from '../../storage/store.ts';
import { Lru } from '../../models/lru.ts';
import { chooseArm, DEFAULT_ARMS, updateStats, type Arm, type BanditStats, type Choice } from './bandit.ts';

export const POLICY_COLLECTION = 'policy';
export const BANDIT_DOC = 'bandit';

/** Feedback on one context response: exactly one of the three. */
export interface FeedbackInput {
  context_id: string;
  /** Thumbs up (reward 1) or down (0). */
  thumbs?: 'up' | 'down';
  /** Task succeeded (1) or failed (0). */
  success?: boolean;
  /** An explicit score in [0, 1]. */
  score?: number;
}

/** What a context response was served with. */
interface Served {
  session: string;
  arm: string;
  context: string;
  adaptive: boolean;
  at: number;
  rated: boolean;
}

/** The answer to a feedback request. */
export interface FeedbackResult {
  context_id: string;
  arm: string;
  context: string;
  reward: number;
  /** The arm's statistics in that context after this feedback. */
  arm_stats: { mean: number; plays: number };
}

/** Options of {@link ContextPolicy}. */
export interface ContextPolicyOptions {
  /** Context responses remembered for feedback (per process). @default 100000 */
  maxServed?: number;
  /** Ms a tenant's statistics are read from cache before being re-read from the store. @default 2000 */
  statsTtlMs?: number;
  arms?: readonly Arm[];
  clock?: () => number;
  /** Random source in [0, 1) for Thompson sampling. @default Math.random */
  rng?: () => number;
}

/** The adaptive context policy of one service. */
export class ContextPolicy {
  readonly arms: readonly Arm[];
  readonly #store: Store;
  readonly #served: Lru<string, Served>;
  readonly #cache = new Map<string, { stats: BanditStats; at: number }>();
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #ttl: number;
  readonly #clock: () => number;
  readonly #rng: () => number;

  constructor(store: Store, opts: ContextPolicyOptions = {}) {
    this.#store = store;
    this.arms = opts.arms ?? DEFAULT_ARMS;
    this.#served = new Lru(opts.maxServed ?? 100_000);
    this.#ttl = opts.statsTtlMs ?? 2000;
    this.#clock = opts.clock ?? Date.now;
    this.#rng = opts.rng ?? Math.random;
  }

  /** The arm by name. */
  arm(name: string): Arm | undefined {
    return this.arms.find((a) => a.name === name);
  }

  /** The tenant's bandit statistics (cached for `statsTtlMs`). */
  async stats(tenant: string): Promise<BanditStats> {
    const hit = this.#cache.get(tenant);
    if (hit !== undefined && this.#clock() - hit.at < this.#ttl) return hit.stats;
    const doc = await this.#store.getDoc(tenant, POLICY_COLLECTION, BANDIT_DOC);
    const stats = doc === undefined ? {} : parseStats(doc.value);
    this.#cache.set(tenant, { stats, at: this.#clock() });
    return stats;
  }

  /** Choose an arm for a request in context `ctx`. */
  async choose(tenant: string, ctx: string): Promise<Choice> {
    return chooseArm(await this.stats(tenant), ctx, this.arms.map((a) => a.name), this.#rng);
  }

  /** Remember that context response `id` of `session` was served by `arm` in `ctx`. */
  served(tenant: string, id: string, session: string, arm: string, ctx: string, adaptive: boolean): void {
    this.#served.set(`${tenant}\u0000${id}`, { session, arm, context: ctx, adaptive, at: this.#clock(), rated: false });
  }

  /**
   * Record feedback on a context response of `session`; throws SIRA_ERR_REQUEST_INVALID (not exactly one signal,
   * score outside [0, 1]), SIRA_ERR_POLICY_CONTEXT_NOT_FOUND (unknown here, or another session's) or
   * SIRA_ERR_POLICY_FEEDBACK_EXISTS (already rated).
   */
  async feedback(tenant: string, session: string, input: FeedbackInput): Promise<FeedbackResult> {
    const reward = rewardOf(input);
    const key = `${tenant}\u0000${input.context_id}`;
    const s = this.#served.get(key);
    if (s === undefined || s.session !== session) {
      throw siraError('SIRA_ERR_POLICY_CONTEXT_NOT_FOUND', `no context response ${input.context_id} of this session is remembered by this instance`);
    }
    if (s.rated) throw siraError('SIRA_ERR_POLICY_FEEDBACK_EXISTS', `context response ${input.context_id} already has feedback`);
    s.rated = true;
    try {
      const stats = await this.#update(tenant, (st) => updateStats(st, s.context, s.arm, reward));
      const [succ, fail, plays] = stats[s.context]![s.arm]!;
      return { context_id: input.context_id, arm: s.arm, context: s.context, reward, arm_stats: { mean: round((1 + succ) / (2 + succ + fail)), plays } };
    } catch (e) {
      s.rated = false;
      throw e;
    }
  }

  /**
   * Read-modify-write of the tenant's statistics with CAS. Updates from this process are chained per tenant (they
   * would only conflict with each other); a conflict with another instance is retried after a short jittered wait.
   */
  #update(tenant: string, f: (s: BanditStats) => BanditStats): Promise<BanditStats> {
    const prev = this.#chains.get(tenant) ?? Promise.resolve();
    const next = prev.then(() => this.#casUpdate(tenant, f));
    const tail = next.catch(() => undefined); // the chain only orders updates: `next` carries the error to the caller
    this.#chains.set(tenant, tail);
    void tail.then(() => {
      if (this.#chains.get(tenant) === tail) this.#chains.delete(tenant);
    });
    return next;
  }

  async #casUpdate(tenant: string, f: (s: BanditStats) => BanditStats): Promise<BanditStats> {
    for (let attempt = 0; ; attempt++) {
      const doc = await this.#store.getDoc(tenant, POLICY_COLLECTION, BANDIT_DOC);
      const stats = f(doc === undefined ? {} : parseStats(doc.value));
      try {
        await this.#store.putDoc(tenant, POLICY_COLLECTION, BANDIT_DOC, new TextEncoder().encode(JSON.stringify({ v: 1, stats })), doc?.version ?? 0);
        this.#cache.set(tenant, { stats, at: this.#clock() });
        return stats;
      } catch (e) {
        if (attempt >= 20 || (e as { code?: string }).code !== 'SIRA_ERR_DOC_VERSION_CONFLICT') throw e;
        await new Promise((r) => setTimeout(r, Math.random() * 2 * (attempt + 1)));
      }
    }
  }
}

/** The reward of a feedback body: thumbs up/down → 1/0, success → 1/0, score as given. */
export function rewardOf(input: FeedbackInput): number {
  const given = [input.thumbs, input.success, input.score].filter((x) => x !== undefined).length;
  if (given !== 1) throw siraError('SIRA_ERR_REQUEST_INVALID', 'give exactly one of thumbs, success or score');
  if (input.thumbs !== undefined) {
    if (input.thumbs !== 'up' && input.thumbs !== 'down') throw siraError('SIRA_ERR_REQUEST_INVALID', "thumbs must be 'up' or 'down'");
    return input.thumbs === 'up' ? 1 : 0;
  }
  if (input.success !== undefined) {
    if (typeof input.success !== 'boolean') throw siraError('SIRA_ERR_REQUEST_INVALID', 'success must be a boolean');
    return input.success ? 1 : 0;
  }
  const s = input.score!;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > 1) throw siraError('SIRA_ERR_REQUEST_INVALID', 'score must be a number from 0 to 1');
  return s;
}

function parseStats(bytes: Uint8Array): BanditStats {
  try {
    const o = JSON.parse(new TextDecoder().decode(bytes)) as { v?: number; stats?: BanditStats };
    return o.v === 1 && typeof o.stats === 'object' && o.stats !== null ? o.stats : {};
  } catch {
    return {};
  }
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
