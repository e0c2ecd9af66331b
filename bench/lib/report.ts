/** @module bench/lib/report — machine notes and result files shared by every benchmark. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** One line describing where a benchmark ran. */
export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

/** Write `bench/results/<name>.json` and `.md` (the markdown is what RESULTS.md quotes). */
export function writeResult(name: string, data: unknown, markdown: string): void {
  const dir = join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(data, null, 2) + '\n');
  writeFileSync(join(dir, `${name}.md`), markdown + '\n');
  console.log(markdown);
}

/** A markdown table. */
export function table(head: string[], rows: (string | number)[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
