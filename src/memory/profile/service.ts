/**
 * @module memory/profile/service
 * Profiles of one service: extraction off the request path (appended user turns are queued after the append is
 * acknowledged; a batch reads each session's user, extracts statements, and merges them into the user's profile
 * document with a compare-and-set retry), explicit changes, forgetting, and the pinned facts-and-preferences
 * block of a context window. Profiles live in the Store's `profiles` document collection (id = user id), so they
 * work on every backend.
 */
import { isSiraError, siraError } from '../../core/errors.ts';
import type { Clock } from '../../core/clock.ts';
import type { Turn } from '../../core/types.ts';
import { ANALYSIS_MAX_CHARS, textHead } from '../../core/text-limits.ts';
import { turnText } from '../../models/chat.ts';
import { countMessageTokens, type Tokenizer } from '../../models/tokens.ts';
import type { DocRecord, Store } from '../../storage/store.ts';
import type { ClassifierWeights } from './classifier.ts';
import { extractStatements } from './extract.ts';
import {
  applyChange,
  applyStatements,
  currentEntries,
  decodeProfile,
  emptyProfile,
  encodeProfile,
  forgetSession,
  type Observed,
  type ProfileChange,
  type ProfileDoc,
  type ProfileEntry,
} from './profile.ts';
import { slotOf } from './rules.ts';

/** The Store collection profiles live in. */
export const PROFILES_COLLECTION = 'profiles';

/** A stored profile with its document version. */
export interface StoredProfile {
  doc: ProfileDoc;
  version: number;
  updated_at: number;
}

/** Options of the profile service. */
export interface ProfileServiceOptions {
  /** The statement classifier; without it the rules decide alone. */
  weights?: ClassifierWeights;
  /** Most user turns waiting for extraction; beyond it new turns are skipped (counted in `dropped`). @default 10000 */
  maxQueued?: number;
  /** Compare-and-set attempts per profile write. @default 8 */
  casAttempts?: number;
}

interface Job {
  tenant: string;
  session: string;
  seq: number;
  at: number;
  text: string;
}

/** What {@link ProfileService.forget} removed. */
export interface ForgetReport {
  profile: boolean;
  queued_turns: number;
}

/** The pinned block of a context window. */
export interface ProfileBlock {
  title: string;
  content: string;
  /** Exact tokens of the block as a system message. */
  tokens: number;
  included: ProfileEntry[];
  omitted: number;
}

const LABEL: Record<string, (v: string, neg: boolean) => string> = {
  likes: (v, n) => (n ? `dislikes ${v}` : `likes ${v}`),
  eats: (v, n) => (n ? `does not eat/drink ${v}` : `eats/drinks ${v}`),
  uses: (v, n) => (n ? `does not use ${v}` : `uses ${v}`),
  home_city: (v, n) => (n ? `does not live in ${v}` : `lives in ${v}`),
  diet: (v, n) => (n ? `is not ${v}` : `is ${v}`),
  occupation: (v, n) => (n ? `is not a ${v}` : `works as: ${v}`),
  name: (v, n) => (n ? `is not called ${v}` : `name: ${v}`),
  answer_length: (v, n) => (n ? `does not want ${v} answers` : `wants ${v} answers`),
  reply_language: (v, n) => (n ? `does not want replies in ${v}` : `wants replies in ${v}`),
  format: (v, n) => (n ? `no ${v} in replies` : `wants ${v} in replies`),
  allergy: (v, n) => (n ? `not allergic to ${v}` : `allergic to ${v}`),
  speaks: (v, n) => (n ? `does not speak ${v}` : `speaks ${v}`),
};

/** One line of the block for an entry. */
export function entryLine(e: ProfileEntry): string {
  const neg = e.polarity === 'negative';
  if (e.attribute.startsWith('people/')) return `- ${e.attribute.slice(7)}: ${neg ? 'not ' : ''}${e.value}`;
  const f = LABEL[e.attribute];
  return `- ${f === undefined ? `${e.attribute}: ${neg ? 'not ' : ''}${e.value}` : f(e.value, neg)}`;
}

/** The profile service of one SiraSession. */
export class ProfileService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #weights: ClassifierWeights | undefined;
  readonly #maxQueued: number;
  readonly #casAttempts: number;
  #queue: Job[] = [];
  #running: Promise<void> | undefined;
  #closed = false;
  /** Bumped by forget(): a batch that started before must not write the profile back. */
  #generation = new Map<string, number>();
  /** Counters. */
  readonly stats = { queued: 0, processed: 0, statements: 0, dropped: 0, writes: 0, conflicts: 0, errors: 0 };

  constructor(store: Store, clock: Clock, opts: ProfileServiceOptions = {}) {
    this.#store = store;
    this.#clock = clock;
    this.#weights = opts.weights;
    this.#maxQueued = opts.maxQueued ?? 10_000;
    this.#casAttempts = opts.casAttempts ?? 8;
  }

  /** Whether a learned classifier is loaded. */
  get learned(): boolean {
    return this.#weights !== undefined;
  }

  /** Queue a session's appended turns (user turns with text) for extraction; never throws, never waits. */
  enqueue(tenant: string, session: string, turns: readonly Turn[]): void {
    if (this.#closed) return;
    for (const t of turns) {
      if (t.role !== 'user') continue;
      const text = turnText(t);
      if (text.trim() === '') continue;
      if (this.#queue.length >= this.#maxQueued) {
        this.stats.dropped++;
        continue;
      }
      this.#queue.push({ tenant, session, seq: t.seq, at: t.created_at, text: textHead(text, ANALYSIS_MAX_CHARS) });
      this.stats.queued++;
    }
    this.#kick();
  }

  #kick(): void {
    if (this.#running !== undefined || this.#queue.length === 0) return;
    this.#running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#loop())
      .finally(() => {
        this.#running = undefined;
        if (this.#queue.length > 0 && !this.#closed) this.#kick();
      });
  }

  async #loop(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, 256);
      try {
        await this.#process(batch);
      } catch {
        this.stats.errors++;
      }
    }
  }

  async #process(batch: Job[]): Promise<void> {
    const bySession = new Map<string, Job[]>();
    for (const j of batch) {
      const k = `${j.tenant}\u0000${j.session}`;
      bySession.set(k, [...(bySession.get(k) ?? []), j]);
    }
    const byUser = new Map<string, { tenant: string; user: string; obs: Observed[] }>();
    for (const jobs of bySession.values()) {
      const { tenant, session } = jobs[0]!;
      const s = await this.#store.getSession(tenant, session);
      this.stats.processed += jobs.length;
      if (s === undefined || s.user_id === null) continue;
      const k = `${tenant}\u0000${s.user_id}`;
      let g = byUser.get(k);
      if (g === undefined) byUser.set(k, (g = { tenant, user: s.user_id, obs: [] }));
      for (const j of jobs) {
        for (const st of extractStatements(j.text, { weights: this.#weights })) g.obs.push({ ...st, session, seq: j.seq, at: j.at });
      }
    }
    for (const [k, g] of byUser) {
      if (g.obs.length === 0) continue;
      const gen = this.#generation.get(k) ?? 0;
      this.stats.statements += g.obs.length;
      try {
        await this.#update(g.tenant, g.user, (doc) => applyStatements(doc, g.obs), undefined, () => (this.#generation.get(k) ?? 0) !== gen);
      } catch {
        this.stats.errors++;
      }
    }
  }

  /** Read-modify-write with CAS; `expected` pins the version (no retry); `cancelled` aborts before a write. */
  async #update(
    tenant: string,
    user: string,
    change: (doc: ProfileDoc) => ProfileDoc,
    expected?: number,
    cancelled?: () => boolean,
  ): Promise<StoredProfile | undefined> {
    for (let attempt = 0; ; attempt++) {
      const rec = await this.#store.getDoc(tenant, PROFILES_COLLECTION, user);
      const version = rec?.version ?? 0;
      if (expected !== undefined && expected !== version) {
        throw siraError('SIRA_ERR_DOC_VERSION_CONFLICT', `expected version ${expected}, current is ${version}`, { details: { current_version: version } });
      }
      const doc = change(rec === undefined ? emptyProfile(user) : decodeProfile(rec.value));
      if (cancelled?.() === true) return undefined;
      try {
        const out = await this.#store.putDoc(tenant, PROFILES_COLLECTION, user, encodeProfile(doc), version);
        this.stats.writes++;
        return toStored(out, doc);
      } catch (e) {
        if (!isSiraError(e, 'SIRA_ERR_DOC_VERSION_CONFLICT') || expected !== undefined || attempt + 1 >= this.#casAttempts) throw e;
        this.stats.conflicts++;
      }
    }
  }

  /** The user's profile, or undefined. */
  async get(tenant: string, user: string): Promise<StoredProfile | undefined> {
    const rec = await this.#store.getDoc(tenant, PROFILES_COLLECTION, user);
    return rec === undefined ? undefined : toStored(rec, decodeProfile(rec.value));
  }

  /** Apply an explicit change (set / remove slots); with `expected`, only at that version. */
  async change(tenant: string, user: string, change: ProfileChange, expected?: number): Promise<StoredProfile> {
    const at = this.#clock();
    return (await this.#update(tenant, user, (doc) => applyChange(doc, change, at, slotOf), expected))!;
  }

  /** Forget the user: the profile document and any of the user's turns still queued for extraction. */
  async forget(tenant: string, user: string, sessions: ReadonlySet<string>): Promise<ForgetReport> {
    const k = `${tenant}\u0000${user}`;
    this.#generation.set(k, (this.#generation.get(k) ?? 0) + 1);
    const before = this.#queue.length;
    this.#queue = this.#queue.filter((j) => !(j.tenant === tenant && sessions.has(j.session)));
    // A batch in flight was told (generation) not to write; wait for it so nothing lands after the delete.
    await this.#running;
    const profile = await this.#store.deleteDoc(tenant, PROFILES_COLLECTION, user);
    return { profile, queued_turns: before - this.#queue.length };
  }

  /**
   * Forget what one session taught a user (called when the session is deleted): its queued turns, its evidence,
   * and entries only it supported. No write when nothing changes.
   */
  async forgetSession(tenant: string, user: string, session: string): Promise<void> {
    this.#queue = this.#queue.filter((j) => !(j.tenant === tenant && j.session === session));
    const rec = await this.#store.getDoc(tenant, PROFILES_COLLECTION, user);
    if (rec === undefined || !forgetSession(decodeProfile(rec.value), session)) return;
    await this.#update(tenant, user, (doc) => {
      forgetSession(doc, session);
      return doc;
    });
  }

  /**
   * The pinned block for a context window: current entries, most confident first, as many as fit `maxTokens`
   * counted exactly as a system message with `tok`. Undefined when the user has no current entry or none fits.
   */
  async block(tenant: string, user: string, tok: Tokenizer, maxTokens: number): Promise<ProfileBlock | undefined> {
    const p = await this.get(tenant, user);
    if (p === undefined) return undefined;
    const entries = currentEntries(p.doc);
    if (entries.length === 0) return undefined;
    const title = 'User profile';
    const head = 'Known about the user from earlier conversations (newest statements win; do not mention unless relevant):';
    const count = (content: string) => countMessageTokens({ role: 'system', content }, tok);
    const lines: string[] = [];
    const included: ProfileEntry[] = [];
    for (const e of entries) {
      const next = [head, ...lines, entryLine(e)].join('\n');
      if (count(next) > maxTokens) continue;
      lines.push(entryLine(e));
      included.push(e);
    }
    if (included.length === 0) return undefined;
    const content = [head, ...lines].join('\n');
    return { title, content, tokens: count(content), included, omitted: entries.length - included.length };
  }

  /** Resolves once every queued turn is processed (tests, benchmarks). */
  async drain(): Promise<void> {
    while (this.#running !== undefined || this.#queue.length > 0) {
      this.#kick();
      await this.#running;
    }
  }

  /** Stop taking turns; the batch in flight finishes. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue = [];
    await this.#running;
  }
}

function toStored(rec: DocRecord, doc: ProfileDoc): StoredProfile {
  return { doc, version: rec.version, updated_at: rec.updated_at };
}
