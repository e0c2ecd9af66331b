/**
 * @module training/lib/progress
 * A progress bar on stderr: redrawn in place on a terminal, a line every 10% otherwise (CI logs stay short).
 */
export class Progress {
  readonly #label: string;
  readonly #total: number;
  readonly #tty: boolean;
  readonly #t0 = performance.now();
  #done = 0;
  #lastDecile = -1;

  constructor(label: string, total: number) {
    this.#label = label;
    this.#total = Math.max(1, total);
    this.#tty = process.stderr.isTTY === true;
  }

  /** Advance by `n` steps, with an optional note (e.g. the current loss). */
  tick(n = 1, note = ''): void {
    this.#done = Math.min(this.#total, this.#done + n);
    const frac = this.#done / this.#total;
    const secs = (performance.now() - this.#t0) / 1000;
    if (this.#tty) {
      const w = 30;
      const bar = '█'.repeat(Math.round(frac * w)).padEnd(w, '░');
      process.stderr.write(`\r${this.#label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${secs.toFixed(1)}s ${note}`.padEnd(100));
      if (this.#done === this.#total) process.stderr.write('\n');
      return;
    }
    const decile = Math.floor(frac * 10);
    if (decile !== this.#lastDecile) {
      this.#lastDecile = decile;
      process.stderr.write(`${this.#label} ${(frac * 100).toFixed(0)}% ${secs.toFixed(1)}s ${note}\n`);
    }
  }
}
