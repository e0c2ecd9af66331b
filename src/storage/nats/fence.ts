/**
 * @module storage/nats/fence
 * Fresh reads across stream leader changes. A stream leader answers a read from the messages it has applied.
 * Right after an election the new leader may not have applied yet what the old one committed and acknowledged
 * (nats-server 2.9 answers as leader as soon as its Raft node won, before it applied its predecessor's tail), and
 * a stalled old leader that resumes answers as leader until it hears of the new term. A read answered then is
 * stale: a state read older than an acknowledged write (not linearizable), a CAS decided on an old version, a
 * turn or blob the head names reported missing.
 *
 * The fence: once a leader change is suspected — a leader-elected advisory for the stream, a request that timed
 * out or found no leader, a reconnect — the next read or compare-and-set on the stream first publishes a barrier
 * message (a KV key no reader uses) and waits for its acknowledgement. A leader acknowledges a message once it
 * applied it, and applies its log in order, so by then it has applied everything committed before: reads behind
 * the barrier see every acknowledged write. A read during which a suspicion arrived is done again behind one.
 * Without suspicion a read costs nothing more (one integer compare).
 *
 * A caller may give a deadline (epoch ms): it then stops waiting for the barrier at that time with a
 * {@link FenceTimeout} (the barrier itself keeps going, for the next caller). Without it a request's retry bound
 * and the barrier's own bound added up: on a stream left leaderless for 40 s under load, one append waited on a
 * head get, two data puts and a head CAS in turn, each up to 15 s of barrier plus 15 s of resends.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';

/** The key of the barrier message in each bucket (readers skip it: not a head, doc or data key). */
export const FENCE_KEY = '_sira_fence';

/** A barrier still unanswered at the caller's deadline (a timeout: the request may be tried again, or fail). */
export class FenceTimeout extends Error {
  override readonly name = 'TimeoutError';
  constructor() {
    super('nats: timeout: no stream leader acknowledged a barrier before the deadline');
  }
}

/** `p`, unless `deadline` (epoch ms) comes first: then a {@link FenceTimeout} (p goes on unwatched by this caller). */
function beforeDeadline<T>(p: Promise<T>, deadline: number): Promise<T> {
  if (deadline === Number.POSITIVE_INFINITY) return p;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FenceTimeout()), Math.max(0, deadline - Date.now()));
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Barriers and suspicions of one stream. */
export class LeaderFence {
  readonly #barrier: () => Promise<unknown>;
  /** Suspicions so far. */
  #epoch = 0;
  /** The epoch the newest completed barrier started at: reads are fresh while it equals #epoch. */
  #fencedAt = 0;
  #running: Promise<void> | undefined;
  #election: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Barriers acknowledged, and barriers given up on (their callers failed); for tests and metrics. */
  barriers = 0;
  failures = 0;

  /** `barrier` publishes the barrier message and resolves on its acknowledgement (retrying as it must). */
  constructor(barrier: () => Promise<unknown>) {
    this.#barrier = barrier;
  }

  /** Barriers due (for tests and metrics: 0 when reads go straight through). */
  get due(): boolean {
    return this.#fencedAt < this.#epoch;
  }

  /** A leader change may have happened: the next read or CAS waits for a barrier. */
  suspect(): void {
    this.#epoch++;
  }

  /** A leader was elected (an advisory): suspect, and wake a barrier waiting for an answer to send a copy at once. */
  elected(): void {
    this.suspect();
    const e = this.#election;
    this.#election = undefined;
    e?.resolve();
  }

  /** Resolves at the next election seen (a barrier waiting for a leader sends a copy then: {@link firstAck}). */
  nextElection(): Promise<void> {
    if (this.#election === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#election = { promise, resolve };
    }
    return this.#election.promise;
  }

  /** Wait until no barrier is due (running one when needed; concurrent callers share it), at most until `deadline`. */
  async ready(deadline = Number.POSITIVE_INFINITY): Promise<void> {
    while (this.#fencedAt < this.#epoch) {
      this.#running ??= this.#run();
      await beforeDeadline(this.#running, deadline);
    }
  }

  async #run(): Promise<void> {
    const at = this.#epoch;
    try {
      await this.#barrier();
      this.#fencedAt = Math.max(this.#fencedAt, at);
      this.barriers++;
    } catch (err) {
      this.failures++;
      throw err;
    } finally {
      this.#running = undefined;
    }
  }

  /**
   * Run a read so that its answer is fresh: behind a barrier when one is due, again when a suspicion came
   * meanwhile; throws {@link FenceTimeout} when no fresh answer came by `deadline` (epoch ms).
   */
  async read<T>(fn: () => Promise<T>, deadline = Number.POSITIVE_INFINITY): Promise<T> {
    for (;;) {
      await this.ready(deadline);
      const at = this.#epoch;
      const out = await fn();
      if (this.#epoch === at) return out;
      if (Date.now() > deadline) throw new FenceTimeout();
    }
  }
}

/**
 * Publish copies of a barrier until one is acknowledged: a new copy every `resendMs` without an answer, and at
 * once when a leader is elected (a copy sent while the stream had no leader is never answered); the copies sent
 * before stay awaited, so on a slow, overloaded stream the first one still counts when it is acknowledged late
 * (resending alone would only add to the load). Rejects after `totalMs` with the last error seen.
 */
export function firstAck(send: () => Promise<unknown>, fence: LeaderFence, resendMs = 1000, totalMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    let lastError: unknown = new Error(`nats: no barrier acknowledged in ${totalMs} ms`);
    let resend: NodeJS.Timeout | undefined;
    const finish = (err?: unknown): void => {
      if (done) return;
      done = true;
      clearTimeout(resend);
      clearTimeout(deadline);
      if (err === undefined) resolve();
      else reject(err);
    };
    const copy = (): void => {
      if (done) return;
      send().then(
        () => finish(),
        (err: unknown) => void (lastError = err), // a copy that failed (timeout, no leader): the others, or the next, may not
      );
      clearTimeout(resend);
      resend = setTimeout(copy, resendMs);
      resend.unref();
    };
    const onElection = (): void => {
      if (done) return;
      copy();
      void fence.nextElection().then(onElection);
    };
    const deadline = setTimeout(() => finish(lastError), totalMs);
    deadline.unref();
    void fence.nextElection().then(onElection);
    copy();
  });
}

/**
 * Feed fences from the connection: leader-elected advisories of their streams (`KV_<bucket>` → fence), and
 * disconnects, reconnects and cluster membership updates (every fence). Ends with the connection.
 */
export function watchLeaders(nc: NatsConnection, fences: ReadonlyMap<string, LeaderFence>): Subscription {
  const prefix = '$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.';
  const sub = nc.subscribe(`${prefix}>`, {
    callback: (err, msg) => {
      if (err === null) fences.get(msg.subject.slice(prefix.length))?.elected();
    },
  });
  void (async () => {
    try {
      for await (const s of nc.status()) {
        // `update`: the server's list of cluster peers changed (a node died or came back): an election may follow,
        // and this instance may make no request that times out before the new leader answers it from behind
        // (its advisory is sent asynchronously and can come after the first replies).
        if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'staleConnection' || s.type === 'update') for (const f of fences.values()) f.elected();
      }
    } catch {
      // The status stream ends (or fails) only with the connection; a closed store reads nothing more.
    }
  })();
  return sub;
}
