/**
 * Benchmark runner. Each scenario is bench/<name>.bench.ts exporting `run()`; results land in
 * bench/results/<name>.{json,md}, which bench/RESULTS.md quotes with the command that produced them.
 *
 * usage: npm run bench                 run every scenario
 *        npm run bench -- <name> ...   run the named scenarios (store, scale, http, service-memory, peers,
 *                                      peers-growth; the peer ones need `cd bench && npm ci` first)
 *        npm run bench -- --list       list scenarios
 * env:   BENCH_QUICK=1 for short runs (smoke-testing a benchmark, not for quoting)
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h') || args.includes('--list')) {
  console.log(`usage: npm run bench [-- <name> ...]\nscenarios: ${all.join(', ')}`);
  process.exit(0);
}
const chosen = args.length === 0 ? all : args;
for (const name of chosen) {
  if (!all.includes(name)) {
    console.error(`unknown benchmark "${name}"; scenarios: ${all.join(', ')}`);
    process.exit(2);
  }
}
for (const name of chosen) {
  console.log(`\n## ${name}\n`);
  const mod = (await import(join(dir, `${name}.bench.ts`))) as { run: () => Promise<void> };
  await mod.run();
}
