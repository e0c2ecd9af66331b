/**
 * @module core/background
 * Errors of background work that the service survives (a sweep, an index save, a compaction, a prefetch): never
 * thrown and never lost silently. Each is counted by `where` (exposed as `sira_background_errors_total` on
 * `/metrics`) and handed to the registered sinks — the HTTP app registers one that logs at warn.
 */

/** Receives a swallowed background error; `where` names the task (a stable, low-cardinality label). */
export type BackgroundErrorSink = (where: string, err: unknown) => void;

const sinks = new Set<BackgroundErrorSink>();
const counts = new Map<string, number>();

/** Register a sink; returns the function that removes it again. */
export function addBackgroundErrorSink(sink: BackgroundErrorSink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

/** Count and report `err` from the background task `where`. A throwing sink is ignored (it must not break the task). */
export function reportBackgroundError(where: string, err: unknown): void {
  counts.set(where, (counts.get(where) ?? 0) + 1);
  for (const sink of sinks) {
    try {
      sink(where, err);
    } catch {
      // A broken logger must not turn a survived background error into a crash.
    }
  }
}

/** A `.catch` handler for the background task `where`: `promise.catch(backgroundError('sweep'))`. */
export function backgroundError(where: string): (err: unknown) => void {
  return (err) => reportBackgroundError(where, err);
}

/** Errors counted so far, by task (a copy). */
export function backgroundErrorCounts(): ReadonlyMap<string, number> {
  return new Map(counts);
}
