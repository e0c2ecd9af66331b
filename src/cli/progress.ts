/**
 * @module cli/progress
 * A one-line progress bar on a terminal (redrawn in place with `\r`), or a line per 10 % when the stream is not
 * a TTY (logs, tests).
 */

/** A progress callback `(done, total)` that draws on `out`; call the returned `end()` once finished. */
export function progressBar(out: { write(s: string): unknown; isTTY?: boolean }, label: string, width = 30): { tick(done: number, total: number): void; end(): void } {
  let lastShown = -1;
  return {
    tick(done, total) {
      const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
      const step = out.isTTY === true ? pct : pct - (pct % 10);
      if (step === lastShown) return;
      lastShown = step;
      const fill = Math.round((pct / 100) * width);
      const line = `${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(pct).padStart(3)}% ${done}/${total}`;
      out.write(out.isTTY === true ? `\r${line}` : `${line}\n`);
    },
    end() {
      if (out.isTTY === true && lastShown !== -1) out.write('\n');
    },
  };
}
