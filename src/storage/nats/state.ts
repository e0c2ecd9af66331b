/**
 * @module storage/nats/state
 * The session state on NATS: inline in the head up to {@link INLINE_STATE_BYTES}, else in a blob of the data
 * bucket the head names. A write is one compare-and-set of the head decided on the newest head, so with an
 * expected version it is a CAS of the version, and without one a merge is never lost to a concurrent write (a
 * lost race merges again on the newer state). Linearizable: the head is read from the stream leader, behind the
 * fence after a leader change (./fence.ts).
 */
import { siraError } from '../../core/errors.ts';
import { mergePatch } from '../../core/merge-patch.ts';
import type { JsonObject, StateRecord } from '../../core/types.ts';
import type { Current, HeadCommitter, Outcome } from './commit.ts';
import { slide, withEvent, type Head } from './head.ts';
import { GenKeys } from './keys.ts';
import type { SessionData } from './session-data.ts';
import { stateConflict } from '../session-records.ts';

/** State JSON up to this many bytes lives in the head; larger in a blob. */
const INLINE_STATE_BYTES = 128 * 1024;
/** Reads that found a blob a concurrent writer had just replaced retry this often before reporting corruption. */
const READ_RETRIES = 5;

const encoder = new TextEncoder();

/** What the state operations need of their store. */
export interface StateParts {
  committer: HeadCommitter;
  data: SessionData;
  /** The store's call wrapper (driver errors → SIRA_ERR_STORE_FAILED). */
  run: <T>(p: () => Promise<T>) => Promise<T>;
  load: (tenant: string, id: string) => Promise<Current>;
}

/** Get, put and patch the state of sessions. */
export class NatsState {
  readonly #o: StateParts;

  constructor(parts: StateParts) {
    this.#o = parts;
  }

  /** The state value of a head (inline, or from its blob); undefined when the blob was replaced meanwhile. */
  async #value(tenant: string, id: string, h: Head): Promise<JsonObject | undefined> {
    if (h.st.sb === undefined) return h.st.val ?? {};
    const raw = await this.#o.data.getBlob(new GenKeys(tenant, id, h.g).batch(h.st.sb));
    return raw === undefined ? undefined : (JSON.parse(Buffer.from(raw).toString('utf8')) as JsonObject);
  }

  async get(tenant: string, sessionId: string): Promise<StateRecord | undefined> {
    for (let attempt = 0; ; attempt++) {
      const { live } = await this.#o.run(() => this.#o.load(tenant, sessionId));
      if (live === undefined) return undefined;
      const value = await this.#o.run(() => this.#value(tenant, sessionId, live));
      if (value !== undefined) return { version: live.s.state_version, value, updated_at: live.st.at };
      if (attempt >= READ_RETRIES) throw siraError('SIRA_ERR_CODEC_CORRUPT', `state of session ${sessionId} is missing`);
    }
  }

  put(tenant: string, sessionId: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return this.#write(tenant, sessionId, () => value, expectedVersion);
  }

  patch(tenant: string, sessionId: string, patch: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return this.#write(tenant, sessionId, (cur) => mergePatch(cur, patch) as JsonObject, expectedVersion);
  }

  async #write(tenant: string, id: string, make: (cur: JsonObject) => JsonObject, expected: number | undefined): Promise<StateRecord> {
    const uploads: string[] = [];
    const c = this.#o.committer;
    return c.commit(
      tenant,
      id,
      async ({ live, now }): Promise<Outcome<StateRecord>> => {
        if (live === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
        const version = live.s.state_version;
        if (expected !== undefined && expected !== version) throw stateConflict(version, expected);
        const cur = await this.#value(tenant, id, live);
        if (cur === undefined) throw siraError('SIRA_ERR_CODEC_CORRUPT', `state of session ${id} is missing`);
        const value = make(cur);
        const json = JSON.stringify(value);
        let st: Head['st'] = { at: now, val: value };
        if (json.length > INLINE_STATE_BYTES) {
          st = { at: now, sb: await c.upload(tenant, id, live, 'batch', encoder.encode(json), uploads, new Map()) };
        }
        const s = { ...slide(live.s, now), state_version: version + 1 };
        return { value: { version: version + 1, value, updated_at: now }, next: withEvent({ ...live, s, st }, 'state.changed', now, { version: version + 1 }) };
      },
      uploads,
    );
  }
}
