/**
 * @module cli/progress
 * A one-line progress bar for long CLI jobs (import, export, key rotation): done / total with a bar, the rate and
 * the time left, redrawn at most 10 times a second on a terminal (`\r`), or once every few seconds as plain lines
 * where stderr is not a terminal (logs, CI). `finish()` prints the final line.
 */

/** Where the bar is drawn: a stream with `write`, and `isTTY` on a terminal. */
export interface ProgressOut {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** A progress bar counting `unit`s (e.g. "turns") towards `total` (0 when unknown). */
export class Progress {
  readonly #out: ProgressOut;
  readonly #unit: string;
  readonly #clock: () => number;
  readonly #start: number;
  #total: number;
  #done = 0;
  #fraction: number | undefined;
  #last = 0;

  readonly #label: string;

  constructor(out: ProgressOut, unit: string, total = 0, clock: () => number = () => performance.now(), label = '') {
    this.#label = label === '' ? '' : `${label} `;
    this.#out = out;
    this.#unit = unit;
    this.#total = total;
    this.#clock = clock;
    this.#start = clock();
  }

  /** Count `n` more units; `fraction` (0..1) overrides done/total for the bar (e.g. bytes read of a file). */
  tick(n: number, fraction?: number): void {
    this.#done += n;
    if (fraction !== undefined) this.#fraction = fraction;
    const now = this.#clock();
    if (now - this.#last < (this.#out.isTTY === true ? 100 : 5000)) return;
    this.#last = now;
    this.#out.write(this.#out.isTTY === true ? `\r${this.line()}` : `${this.line()}\n`);
  }

  /** Set the total once it is known. */
  setTotal(total: number): void {
    this.#total = total;
  }

  get done(): number {
    return this.#done;
  }

  /** Units per second so far. */
  get rate(): number {
    const s = (this.#clock() - this.#start) / 1000;
    return s > 0 ? this.#done / s : 0;
  }

  /** The current line: `[█████░░░░░]  52%  52,000/100,000 turns  21,400 turns/s  ETA 2 s`. */
  line(): string {
    const f = this.#fraction ?? (this.#total > 0 ? this.#done / this.#total : undefined);
    const width = 24;
    const bar = f === undefined ? '' : `[${'█'.repeat(Math.round(Math.min(1, f) * width)).padEnd(width, '░')}] ${String(Math.floor(Math.min(1, f) * 100)).padStart(3)}%  `;
    const of = this.#total > 0 ? `/${this.#total.toLocaleString('en-US')}` : '';
    const rate = this.rate;
    const eta = f !== undefined && f > 0 && f < 1 && rate > 0 ? `  ETA ${Math.ceil(((this.#clock() - this.#start) / 1000) * ((1 - f) / f))} s` : '';
    return `${this.#label}${bar}${this.#done.toLocaleString('en-US')}${of} ${this.#unit}  ${Math.round(rate).toLocaleString('en-US')} ${this.#unit}/s${eta}`;
  }

  /** Print the final line (and end the terminal line). */
  finish(): void {
    if (this.#fraction !== undefined) this.#fraction = 1;
    this.#out.write(`${this.#out.isTTY === true ? '\r' : ''}${this.line()}\n`);
  }
}

/** A `(done, total)` progress callback over {@link Progress} (for jobs that know their total); `end()` finishes it. */
export function progressBar(out: ProgressOut, label: string, unit = 'items'): { tick(done: number, total: number): void; end(): void } {
  let bar: Progress | undefined;
  return {
    tick(done, total) {
      bar ??= new Progress(out, unit, total, undefined, label);
      bar.setTotal(total);
      bar.tick(done - bar.done);
    },
    end() {
      bar?.finish();
    },
  };
}
