/**
 * @module test/helpers/linearizability
 * A linearizability checker for the versioned state register (putState with an expected version, getState),
 * after Wing & Gong's search with Lowe's memoisation (the algorithm Knossos and Porcupine use): walk the history
 * in time order, try to linearize each pending call at a point where the model accepts its recorded result,
 * backtrack on a return whose call could not be placed, and never revisit a (set of linearized ops, model
 * state) pair. Ops whose outcome is unknown (a timeout, a dropped connection: the write may or may not have
 * happened) have no return: they may take effect at any point after their call, or never.
 *
 * Each session's state is an independent register, so a history is checked per register (P-compositionality).
 * Times are real (performance.now() of one process, or any clock the recorders share).
 */

/** What the register holds: its version and an opaque tag of the value (unique per write). */
export interface RegisterState {
  version: number;
  tag: string;
}

/** One operation as recorded: invoked at `start`, returned at `end` (undefined: unknown outcome). */
export type RegisterOp =
  | { kind: 'read'; start: number; end: number; out: RegisterState }
  | {
      kind: 'write';
      start: number;
      end?: number;
      /** The version the write required (undefined: unconditional). */
      expected?: number;
      tag: string;
      /** ok: the version it produced; conflict: the current version it was refused at; unknown: no answer. */
      out: { ok: number } | { conflict: number } | 'unknown';
    };

/** The check's result; `ok` false names a minimal witness window when it can. */
export interface CheckResult {
  ok: boolean;
  /** Search states explored (how hard the history was). */
  explored: number;
  /** When not ok: the op whose return could not be reached, by index. */
  stuckAt?: number;
  /** The search gave up after `maxExplored` states: neither proven nor refuted (`ok` is false). */
  exhausted?: boolean;
}

/** The register's transition for `op` from `s`: the next state, or undefined when `op`'s result is impossible. */
export function step(s: RegisterState, op: RegisterOp): RegisterState | undefined {
  if (op.kind === 'read') return op.out.version === s.version && op.out.tag === s.tag ? s : undefined;
  const allowed = op.expected === undefined || op.expected === s.version;
  if (op.out === 'unknown') return allowed ? { version: s.version + 1, tag: op.tag } : undefined;
  if ('ok' in op.out) return allowed && op.out.ok === s.version + 1 ? { version: op.out.ok, tag: op.tag } : undefined;
  // Refused: linearized where the version differed from the expected one and was the one it reported.
  return !allowed && op.out.conflict === s.version ? s : undefined;
}

interface Entry {
  op: number;
  call: boolean;
  time: number;
  prev: Entry | undefined;
  next: Entry | undefined;
  match: Entry | undefined;
}

/**
 * Check one register's history from `initial` (default version 0, tag ''). The search is exponential in the
 * worst case (a violation late in a history with much concurrency): it stops after `maxExplored` states with
 * `exhausted` set.
 */
export function checkRegister(ops: readonly RegisterOp[], initial: RegisterState = { version: 0, tag: '' }, maxExplored = 500_000): CheckResult {
  // Events: calls and returns, by time; at equal times returns first (intervals are closed on the left only),
  // and unknown outcomes return at +∞ (they never constrain the order).
  const events: { op: number; call: boolean; time: number }[] = [];
  ops.forEach((op, i) => {
    events.push({ op: i, call: true, time: op.start });
    events.push({ op: i, call: false, time: op.kind === 'write' && op.out === 'unknown' ? Number.POSITIVE_INFINITY : (op.end ?? Number.POSITIVE_INFINITY) });
  });
  events.sort((a, b) => a.time - b.time || (a.call === b.call ? 0 : a.call ? 1 : -1));
  const head: Entry = { op: -1, call: false, time: -Infinity, prev: undefined, next: undefined, match: undefined };
  let tail = head;
  const calls = new Map<number, Entry>();
  for (const e of events) {
    const entry: Entry = { ...e, prev: tail, next: undefined, match: undefined };
    tail.next = entry;
    tail = entry;
    if (e.call) calls.set(e.op, entry);
    else {
      const c = calls.get(e.op)!;
      c.match = entry;
      entry.match = c;
    }
  }
  const unknown = (i: number): boolean => {
    const op = ops[i]!;
    return op.kind === 'write' && op.out === 'unknown';
  };
  const lift = (c: Entry): void => {
    c.prev!.next = c.next;
    if (c.next) c.next.prev = c.prev;
    const r = c.match!;
    r.prev!.next = r.next;
    if (r.next) r.next.prev = r.prev;
  };
  const unlift = (c: Entry): void => {
    const r = c.match!;
    r.prev!.next = r;
    if (r.next) r.next.prev = r;
    c.prev!.next = c;
    if (c.next) c.next.prev = c;
  };
  const linearized = new Uint8Array(ops.length);
  const key = (s: RegisterState): string => `${Buffer.from(linearized).toString('base64')}|${s.version}|${s.tag}`;
  const seen = new Set<string>();
  const stack: { entry: Entry; state: RegisterState }[] = [];
  let state = initial;
  let entry = head.next;
  let explored = 0;
  // Done once only calls of unknown-outcome ops are left (they may never have happened).
  const done = (): boolean => {
    for (let e = head.next; e; e = e.next) if (!unknown(e.op)) return false;
    return true;
  };
  for (;;) {
    if (entry === undefined) {
      if (done()) return { ok: true, explored };
      // Past the end with determinate ops left: backtrack.
      const top = stack.pop();
      if (top === undefined) return { ok: false, explored };
      linearized[top.entry.op] = 0;
      state = top.state;
      unlift(top.entry);
      entry = top.entry.next;
      continue;
    }
    if (entry.call) {
      if (++explored > maxExplored) return { ok: false, explored, exhausted: true };
      const next = step(state, ops[entry.op]!);
      if (next !== undefined) {
        linearized[entry.op] = 1;
        const k = key(next);
        if (!seen.has(k)) {
          seen.add(k);
          stack.push({ entry, state });
          state = next;
          lift(entry);
          entry = head.next;
          if (done()) return { ok: true, explored };
          continue;
        }
        linearized[entry.op] = 0;
      }
      entry = entry.next;
    } else {
      if (unknown(entry.op)) {
        entry = entry.next;
        continue;
      }
      // A return whose call is not linearized: some earlier choice was wrong.
      const top = stack.pop();
      if (top === undefined) return { ok: false, explored, stuckAt: entry.op };
      linearized[top.entry.op] = 0;
      state = top.state;
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
}

/** Check several registers' histories (keyed by register); ok only if every one is linearizable. */
export function checkRegisters(histories: ReadonlyMap<string, readonly RegisterOp[]>): { ok: boolean; registers: number; ops: number; explored: number; failed: string[]; exhausted: string[] } {
  const failed: string[] = [];
  const exhausted: string[] = [];
  let ops = 0;
  let explored = 0;
  for (const [k, h] of histories) {
    ops += h.length;
    const r = checkRegister(h);
    explored += r.explored;
    if (r.exhausted === true) exhausted.push(k);
    else if (!r.ok) failed.push(k);
  }
  return { ok: failed.length === 0 && exhausted.length === 0, registers: histories.size, ops, explored, failed, exhausted };
}

/** Records a history with real timestamps (performance.now()); one recorder may serve many instances. */
export class HistoryRecorder {
  readonly histories = new Map<string, RegisterOp[]>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  #list(register: string): RegisterOp[] {
    let h = this.histories.get(register);
    if (h === undefined) this.histories.set(register, (h = []));
    return h;
  }

  /** Record a read: `run` returns what it read. */
  async read(register: string, run: () => Promise<RegisterState>): Promise<RegisterState> {
    const start = this.#now();
    const out = await run();
    this.#list(register).push({ kind: 'read', start, end: this.#now(), out });
    return out;
  }

  /**
   * Record a write: `run` resolves with the new version, or rejects; `conflictOf` maps a rejection to the
   * current version it reported (undefined: the outcome is unknown). Rethrows the rejection.
   */
  async write(register: string, tag: string, expected: number | undefined, run: () => Promise<number>, conflictOf: (err: unknown) => number | undefined): Promise<number> {
    const start = this.#now();
    const h = this.#list(register);
    try {
      const v = await run();
      h.push({ kind: 'write', start, end: this.#now(), expected, tag, out: { ok: v } });
      return v;
    } catch (err) {
      const c = conflictOf(err);
      h.push(c === undefined ? { kind: 'write', start, expected, tag, out: 'unknown' } : { kind: 'write', start, end: this.#now(), expected, tag, out: { conflict: c } });
      throw err;
    }
  }
}
