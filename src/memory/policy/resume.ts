/**
 * @module memory/policy/resume
 * Resume prediction (issue 7 (a)): from a user's usage time series, the probability that a session is resumed
 * within a horizon. {@link ActivityLog} keeps a bounded per-process history (session events, each user's
 * hour-of-week histogram); {@link resumeFeatures} turns it into features relative to the user's own habits, so
 * one model fits users with different rhythms; {@link LogisticModel} is the classifier (standardised inputs,
 * weights trained offline by training/tasks/policy.ts and stored in data/models/resume/vN).
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK_HOURS = 168;

/** Feature names, in model order. */
export const RESUME_FEATURES = [
  'log_hours_since_session',
  'log_hours_since_user',
  'log_session_events_7d',
  'rhythm_match',
  'session_share_14d',
  'inv_recency_rank',
  'open_task',
  'log_session_age_days',
  'log_user_events_7d',
  'log_expected_visits',
  'open_x_inv_rank',
  'log_gap_ratio',
  'pull_share',
  'p_pick',
] as const;

/** One session's history as the features need it. */
export interface SessionHistory {
  /** Event times (ms), ascending. */
  events: number[];
  /** The last turn asked for something not yet answered (a user turn last). */
  open: boolean;
  createdAt: number;
}
/** One user's history: their sessions' and an hour-of-week histogram of all their events. */
export interface UserHistory {
  sessions: Map<string, SessionHistory>;
  /** 168 counts (Sunday 00:00 UTC first), possibly decayed. */
  hourOfWeek: Float64Array;
  last: number;
}

/** Hour of week (0..167) of a time, UTC. */
export const hourOfWeek = (t: number) => Math.floor(((t / HOUR) + 4 * 24) % WEEK_HOURS); // 1970-01-01 was a Thursday

/** Features of `session` of `user` at time `now` for a horizon of `horizonMs`. */
export function resumeFeatures(user: UserHistory, session: string, now: number, horizonMs: number): Float64Array {
  const s = user.sessions.get(session)!;
  const last = s.events.at(-1) ?? s.createdAt;
  const countSince = (evs: number[], since: number) => {
    let n = 0;
    for (let i = evs.length - 1; i >= 0 && evs[i]! > since; i--) if (evs[i]! <= now) n++;
    return n;
  };
  // Share of the user's habitual activity that falls inside [now, now + horizon).
  let total = 0;
  for (const c of user.hourOfWeek) total += c;
  let inWindow = 0;
  const h0 = hourOfWeek(now);
  const hours = Math.min(WEEK_HOURS, Math.max(1, Math.round(horizonMs / HOUR)));
  for (let k = 0; k < hours; k++) inWindow += user.hourOfWeek[(h0 + k) % WEEK_HOURS]!;
  const rhythm = total > 0 ? inWindow / total / (hours / WEEK_HOURS) : 1;
  let userEvents14 = 0;
  let userEvents7 = 0;
  const lasts: number[] = [];
  for (const x of user.sessions.values()) {
    userEvents14 += countSince(x.events, now - 14 * DAY);
    userEvents7 += countSince(x.events, now - 7 * DAY);
    lasts.push(x.events.at(-1) ?? x.createdAt);
  }
  const rank = 1 + lasts.filter((l) => l > last).length;
  // Habit pull of a session: open tasks, recent and busy sessions draw the user back; its share among the user's.
  const pull = (x: SessionHistory) => (x.open ? 3 : 0.3) * Math.exp(-Math.max(0, now - (x.events.at(-1) ?? x.createdAt)) / (2 * DAY)) * Math.log2(2 + x.events.length) + 0.002;
  let pullSum = 0;
  for (const x of user.sessions.values()) pullSum += pull(x);
  const share = pull(s) / pullSum;
  const visits = (userEvents7 / 7) * rhythm * (horizonMs / DAY);
  return Float64Array.from([
    Math.log1p(Math.max(0, now - last) / HOUR),
    Math.log1p(Math.max(0, now - user.last) / HOUR),
    Math.log1p(countSince(s.events, now - 7 * DAY)),
    Math.log(rhythm + 0.05),
    userEvents14 > 0 ? countSince(s.events, now - 14 * DAY) / userEvents14 : 0,
    1 / rank,
    s.open ? 1 : 0,
    Math.log1p(Math.max(0, now - s.createdAt) / DAY),
    Math.log1p(userEvents7),
    // Visits the user's habit predicts inside the horizon: rate × rhythm × length (the multiplicative core, in log).
    Math.log((userEvents7 / 7) * rhythm * (horizonMs / DAY) + 0.01),
    (s.open ? 1 : 0) / rank,
    // Idle time against the session's own mean gap between events.
    Math.log(((now - last) / HOUR + 0.1) / (meanGapHours(s.events) + 0.1)),
    share,
    // A visit count of `visits` (≈ events / 2.5 per visit) each picking this session with probability `share`.
    1 - Math.exp(-(visits / 2.5) * share),
  ]);
}

function meanGapHours(evs: readonly number[]): number {
  if (evs.length < 2) return 24;
  return (evs.at(-1)! - evs[0]!) / (evs.length - 1) / HOUR;
}

/** A logistic regression over standardised features. */
export class LogisticModel {
  readonly weights: Float64Array;
  readonly bias: number;
  readonly mean: Float64Array;
  readonly std: Float64Array;

  constructor(weights: ArrayLike<number>, bias: number, mean: ArrayLike<number>, std: ArrayLike<number>) {
    this.weights = Float64Array.from(weights);
    this.bias = bias;
    this.mean = Float64Array.from(mean);
    this.std = Float64Array.from(std);
  }

  /** Probability of the positive class. */
  predict(x: ArrayLike<number>): number {
    let z = this.bias;
    for (let i = 0; i < this.weights.length; i++) z += this.weights[i]! * ((x[i]! - this.mean[i]!) / this.std[i]!);
    return 1 / (1 + Math.exp(-z));
  }

  /** Fit by full-batch gradient descent on the log loss (L2 `l2`); `onEpoch` gets each epoch's loss. */
  static fit(xs: readonly ArrayLike<number>[], ys: readonly number[], opts: { epochs?: number; lr?: number; l2?: number; onEpoch?: (e: number, loss: number) => void } = {}): LogisticModel {
    const d = xs[0]?.length ?? 0;
    const n = xs.length;
    const mean = new Float64Array(d);
    const std = new Float64Array(d);
    for (const x of xs) for (let j = 0; j < d; j++) mean[j]! += x[j]! / n;
    for (const x of xs) for (let j = 0; j < d; j++) std[j]! += (x[j]! - mean[j]!) ** 2 / n;
    for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]!) || 1;
    const z = xs.map((x) => Float64Array.from({ length: d }, (_, j) => (x[j]! - mean[j]!) / std[j]!));
    const w = new Float64Array(d);
    let b = 0;
    const epochs = opts.epochs ?? 300;
    const lr = opts.lr ?? 0.5;
    const l2 = opts.l2 ?? 1e-4;
    for (let e = 0; e < epochs; e++) {
      const gw = new Float64Array(d);
      let gb = 0;
      let loss = 0;
      for (let i = 0; i < n; i++) {
        let s = b;
        for (let j = 0; j < d; j++) s += w[j]! * z[i]![j]!;
        const p = 1 / (1 + Math.exp(-s));
        const y = ys[i]!;
        loss -= y * Math.log(p + 1e-12) + (1 - y) * Math.log(1 - p + 1e-12);
        const g = p - y;
        gb += g;
        for (let j = 0; j < d; j++) gw[j]! += g * z[i]![j]!;
      }
      b -= (lr * gb) / n;
      for (let j = 0; j < d; j++) w[j] = w[j]! - lr * (gw[j]! / n + l2 * w[j]!);
      opts.onEpoch?.(e, loss / n);
    }
    return new LogisticModel(w, b, mean, std);
  }
}

/** Area under the ROC curve (ties count ½), by ranking. */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]!] === 1) {
        rankSum += avg;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = labels.length - pos;
  return pos === 0 || neg === 0 ? Number.NaN : (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Options of {@link ActivityLog}. */
export interface ActivityLogOptions {
  /** Users tracked (least recently active dropped first). @default 100000 */
  maxUsers?: number;
  /** Event times kept per session. @default 64 */
  eventsPerSession?: number;
  /** Sessions kept per user (least recently active dropped). @default 64 */
  sessionsPerUser?: number;
}

/** A bounded in-memory record of recent activity: tenant → user → sessions, fed by appends. */
export class ActivityLog {
  readonly #users = new Map<string, UserHistory & { tenant: string; user: string }>();
  readonly #maxUsers: number;
  readonly #perSession: number;
  readonly #perUser: number;

  constructor(opts: ActivityLogOptions = {}) {
    this.#maxUsers = opts.maxUsers ?? 100_000;
    this.#perSession = opts.eventsPerSession ?? 64;
    this.#perUser = opts.sessionsPerUser ?? 64;
  }

  /** Record activity on a session at `at` (ms); `open` = its last turn awaits an answer. */
  touch(tenant: string, user: string, session: string, at: number, open: boolean): void {
    const key = `${tenant}\u0000${user}`;
    let u = this.#users.get(key);
    if (u === undefined) {
      u = { tenant, user, sessions: new Map(), hourOfWeek: new Float64Array(WEEK_HOURS), last: at };
      if (this.#users.size >= this.#maxUsers) this.#users.delete(this.#users.keys().next().value!);
    } else this.#users.delete(key);
    this.#users.set(key, u);
    let s = u.sessions.get(session);
    if (s === undefined) {
      s = { events: [], open, createdAt: at };
      if (u.sessions.size >= this.#perUser) u.sessions.delete(u.sessions.keys().next().value!);
    } else u.sessions.delete(session);
    u.sessions.set(session, s);
    s.events.push(at);
    if (s.events.length > this.#perSession) s.events.splice(0, s.events.length - this.#perSession);
    s.open = open;
    u.hourOfWeek[hourOfWeek(at)]! += 1;
    u.last = Math.max(u.last, at);
  }

  /** Forget a user and all their sessions (erased). */
  forgetUser(tenant: string, user: string): void {
    this.#users.delete(`${tenant}\u0000${user}`);
  }

  /** Forget every user of a tenant (erased). */
  forgetTenant(tenant: string): void {
    for (const [k, u] of this.#users) if (u.tenant === tenant) this.#users.delete(k);
  }

  /** Forget a session (deleted). */
  forget(tenant: string, user: string, session: string): void {
    this.#users.get(`${tenant}\u0000${user}`)?.sessions.delete(session);
  }

  /** Every tracked session active since `since`, with its user's history. */
  *recent(since: number): Generator<{ tenant: string; user: UserHistory; session: string }> {
    for (const u of this.#users.values()) {
      if (u.last < since) continue;
      for (const [id, s] of u.sessions) if ((s.events.at(-1) ?? s.createdAt) >= since) yield { tenant: u.tenant, user: u, session: id };
    }
  }
}
