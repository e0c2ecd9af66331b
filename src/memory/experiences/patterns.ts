/**
 * @module memory/experiences/patterns
 * What a group of similar runs teaches without an LLM: success statistics, and contrastive step patterns. A
 * run's steps become tokens (`tool:action`, or `action`); every contiguous 1..3-gram a run contains is counted
 * once per run. A pattern is a lesson to follow when it is in at least `minSupport` of the successful runs and
 * its share there exceeds its share of the failed runs by `minLift`; one to avoid in the mirror case. Failed
 * steps (`ok: false`) of failed runs are reported as where runs broke.
 */
import type { Experience, Outcome } from './record.ts';

/** Outcome counts and rewards of a group of runs. */
export interface RunStats {
  runs: number;
  success: number;
  partial: number;
  failure: number;
  /** success / runs (0 with no runs). */
  success_rate: number;
  mean_reward: number;
}

/** A contrastive step pattern. */
export interface StepPattern {
  /** Step tokens in order, e.g. ["search:query", "browser:open"]. */
  pattern: string[];
  /** Share of successful runs that contain it. */
  success_support: number;
  /** Share of failed runs that contain it. */
  failure_support: number;
  /** Success rate of the runs that contain it, and of those that do not. */
  success_rate_with: number;
  success_rate_without: number;
  runs_with: number;
}

/** Lessons mined from a group of runs. */
export interface MinedLessons {
  /** Patterns successful runs share and failed runs lack, best first. */
  do: StepPattern[];
  /** Patterns failed runs share and successful runs lack. */
  avoid: StepPattern[];
  /** The steps that failed in failed runs, most frequent first. */
  failed_steps: { step: string; runs: number }[];
  /** The same as sentences. */
  text: string[];
}

/** Thresholds of {@link mineLessons}. */
export interface MineOptions {
  /** Longest n-gram. @default 3 */
  maxN: number;
  /** Smallest share of the runs on the pattern's side. @default 0.5 */
  minSupport: number;
  /** Smallest difference of the two shares. @default 0.3 */
  minLift: number;
  /** Most patterns per list. @default 5 */
  top: number;
}

export const DEFAULT_MINE_OPTIONS: Readonly<MineOptions> = Object.freeze({ maxN: 3, minSupport: 0.5, minLift: 0.3, top: 5 });

/** The token of a step: `tool:action` or `action`, lower-cased, whitespace collapsed. */
export function stepToken(s: { tool?: string; action: string }): string {
  const norm = (x: string) => x.trim().toLowerCase().replace(/\s+/g, '_');
  return s.tool === undefined ? norm(s.action) : `${norm(s.tool)}:${norm(s.action)}`;
}

/** A run's strategy: its step tokens with repeats collapsed, at most 6 (the graph's middle layer). */
export function strategyOf(e: Experience): string {
  const out: string[] = [];
  for (const s of e.steps) {
    const t = stepToken(s);
    if (out[out.length - 1] !== t) out.push(t);
  }
  return out.length === 0 ? '(no steps)' : out.slice(0, 6).join(' → ') + (out.length > 6 ? ' → …' : '');
}

/** Outcome counts and the mean reward. */
export function runStats(runs: readonly Experience[]): RunStats {
  const c: Record<Outcome, number> = { success: 0, partial: 0, failure: 0 };
  let reward = 0;
  for (const r of runs) {
    c[r.outcome]++;
    reward += r.reward;
  }
  const n = runs.length;
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return { runs: n, ...c, success_rate: n === 0 ? 0 : r4(c.success / n), mean_reward: n === 0 ? 0 : r4(reward / n) };
}

function grams(e: Experience, maxN: number): Set<string> {
  const toks = e.steps.map(stepToken);
  const out = new Set<string>();
  for (let n = 1; n <= maxN; n++) for (let i = 0; i + n <= toks.length; i++) out.add(toks.slice(i, i + n).join('\u0001'));
  return out;
}

/** Contrastive patterns and failure points of a group of runs (partial runs count on neither side). */
export function mineLessons(runs: readonly Experience[], opts: MineOptions = DEFAULT_MINE_OPTIONS): MinedLessons {
  const wins = runs.filter((r) => r.outcome === 'success');
  const losses = runs.filter((r) => r.outcome === 'failure');
  const count = new Map<string, { s: number; f: number; all: number; allWins: number }>();
  for (const r of runs) {
    for (const g of grams(r, opts.maxN)) {
      let c = count.get(g);
      if (c === undefined) count.set(g, (c = { s: 0, f: 0, all: 0, allWins: 0 }));
      c.all++;
      if (r.outcome === 'success') {
        c.s++;
        c.allWins++;
      } else if (r.outcome === 'failure') c.f++;
    }
  }
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const pat = (g: string, c: { s: number; f: number; all: number; allWins: number }): StepPattern => {
    const without = runs.length - c.all;
    return {
      pattern: g.split('\u0001'),
      success_support: r3(wins.length === 0 ? 0 : c.s / wins.length),
      failure_support: r3(losses.length === 0 ? 0 : c.f / losses.length),
      success_rate_with: r3(c.allWins / c.all),
      success_rate_without: r3(without === 0 ? 0 : (wins.length - c.allWins) / without),
      runs_with: c.all,
    };
  };
  const all = [...count].map(([g, c]) => pat(g, c));
  // Longer patterns first among equals: "a → b" says more than "a" alone with the same supports.
  const rank = (a: StepPattern, b: StepPattern, side: 'do' | 'avoid') => {
    const la = side === 'do' ? a.success_support - a.failure_support : a.failure_support - a.success_support;
    const lb = side === 'do' ? b.success_support - b.failure_support : b.failure_support - b.success_support;
    return lb - la || b.pattern.length - a.pattern.length || a.pattern.join().localeCompare(b.pattern.join());
  };
  const prune = (list: StepPattern[]) => {
    // Drop a pattern contained in a kept longer one with the same supports (its sub-grams add nothing).
    const kept: StepPattern[] = [];
    for (const p of list) {
      const j = p.pattern.join('\u0001');
      if (kept.some((k) => k.pattern.length > p.pattern.length && k.pattern.join('\u0001').includes(j) && k.success_support === p.success_support && k.failure_support === p.failure_support)) continue;
      kept.push(p);
      if (kept.length >= opts.top) break;
    }
    return kept;
  };
  const doList =
    wins.length === 0 || losses.length === 0 && wins.length < 2
      ? []
      : prune(all.filter((p) => p.success_support >= opts.minSupport && p.success_support - p.failure_support >= opts.minLift).sort((a, b) => rank(a, b, 'do')));
  const avoid =
    losses.length === 0
      ? []
      : prune(all.filter((p) => p.failure_support >= opts.minSupport && p.failure_support - p.success_support >= opts.minLift).sort((a, b) => rank(a, b, 'avoid')));
  const failedSteps = new Map<string, number>();
  for (const r of losses) for (const t of new Set(r.steps.filter((s) => !s.ok).map(stepToken))) failedSteps.set(t, (failedSteps.get(t) ?? 0) + 1);
  const failed = [...failedSteps].map(([step, n]) => ({ step, runs: n })).sort((a, b) => b.runs - a.runs || a.step.localeCompare(b.step)).slice(0, opts.top);
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const text = [
    ...doList.map((p) => `Successful runs ${p.pattern.length > 1 ? 'followed' : 'used'} ${p.pattern.join(' → ')} (${pct(p.success_support)} of successes vs ${pct(p.failure_support)} of failures; success rate ${pct(p.success_rate_with)} with it, ${pct(p.success_rate_without)} without).`),
    ...avoid.map((p) => `Failed runs ${p.pattern.length > 1 ? 'followed' : 'used'} ${p.pattern.join(' → ')} (${pct(p.failure_support)} of failures vs ${pct(p.success_support)} of successes).`),
    ...failed.slice(0, 3).map((f) => `In ${f.runs} of ${losses.length} failed runs the step ${f.step} failed.`),
  ];
  return { do: doList, avoid, failed_steps: failed, text };
}
