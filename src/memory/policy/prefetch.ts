/**
 * @module memory/policy/prefetch
 * The prefetcher (issue 7 (a)): every `intervalMs` it scores the recently active sessions of the
 * {@link ActivityLog} with the resume model and reads the newest turns of the `top` most likely ones through the
 * store, so the store's hot tier (the tail cache of decoded session tails) holds them before the user returns.
 * Reads go through the normal `getTurns`, so a prefetch never serves anything stale: the tail cache checks each
 * session's version on every read.
 */
import { siraError } from '../../core/errors.ts';
import { defaultModelsDir, loadLatestArtifact } from '../../models/artifact.ts';
import type { Tensor } from '../../core/types.ts';
import type { Store } from '../../storage/store.ts';
import { LogisticModel, resumeFeatures, type ActivityLog } from './resume.ts';
import { backgroundError } from '../../core/background.ts';

export const RESUME_ARTIFACT = 'resume';

function f64(t: Tensor | undefined, name: string): Float64Array {
  if (t === undefined || t.dtype !== 'f64') throw siraError('SIRA_ERR_CODEC_CORRUPT', `resume artifact: ${name} missing or not f64`);
  const out = new Float64Array(t.data.byteLength / 8);
  new Uint8Array(out.buffer).set(t.data);
  return out;
}

/** The newest resume model under `root` (default data/models), or undefined when none is there. */
export function loadResumeModel(root: string = defaultModelsDir()): { model: LogisticModel; horizonMs: number } | undefined {
  const a = loadLatestArtifact(root, RESUME_ARTIFACT);
  if (a === undefined) return undefined;
  const model = new LogisticModel(f64(a.tensors.weights, 'weights'), f64(a.tensors.bias, 'bias')[0]!, f64(a.tensors.mean, 'mean'), f64(a.tensors.std, 'std'));
  return { model, horizonMs: Number(a.card.config.horizon_hours ?? 24) * 3_600_000 };
}

/** Options of {@link Prefetcher}. */
export interface PrefetcherOptions {
  /** Sessions warmed per round. @default 100 */
  top?: number;
  /** Turns read per warmed session (the tail cache keeps up to 64). @default 20 */
  turns?: number;
  /** Prediction horizon (ms). @default 24 h */
  horizonMs?: number;
  /** Only sessions active this recently are scored (ms). @default 7 days */
  lookbackMs?: number;
  clock?: () => number;
}

/** One prefetch round's result. */
export interface PrefetchRound {
  scored: number;
  warmed: { tenant: string; session: string; p: number }[];
}

/** Scores recent sessions and warms the likeliest into the store's hot tier. */
export class Prefetcher {
  readonly #store: Store;
  readonly #log: ActivityLog;
  readonly #model: LogisticModel;
  readonly #top: number;
  readonly #turns: number;
  readonly #horizon: number;
  readonly #lookback: number;
  readonly #clock: () => number;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(store: Store, log: ActivityLog, model: LogisticModel, opts: PrefetcherOptions = {}) {
    this.#store = store;
    this.#log = log;
    this.#model = model;
    this.#top = opts.top ?? 100;
    this.#turns = opts.turns ?? 20;
    this.#horizon = opts.horizonMs ?? 24 * 3_600_000;
    this.#lookback = opts.lookbackMs ?? 7 * 86_400_000;
    this.#clock = opts.clock ?? Date.now;
  }

  /** The `top` sessions by resume probability now (no reads). */
  rank(): PrefetchRound {
    const now = this.#clock();
    const all: PrefetchRound['warmed'] = [];
    for (const { tenant, user, session } of this.#log.recent(now - this.#lookback)) {
      all.push({ tenant, session, p: this.#model.predict(resumeFeatures(user, session, now, this.#horizon)) });
    }
    all.sort((a, b) => b.p - a.p || (a.session < b.session ? -1 : 1));
    return { scored: all.length, warmed: all.slice(0, this.#top) };
  }

  /** One round: rank, then read each chosen session's tail through the store (errors, e.g. a deleted session, are skipped). */
  async tick(): Promise<PrefetchRound> {
    const r = this.rank();
    for (const w of r.warmed) await this.#store.getTurns(w.tenant, w.session, { last: this.#turns }).catch(() => undefined);
    return r;
  }

  /** Run a round every `intervalMs` (rounds never overlap); `stop()` ends it. */
  start(intervalMs: number): void {
    this.stop();
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = true;
      this.tick()
        .catch(backgroundError('prefetch'))
        .finally(() => (this.#running = false));
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
