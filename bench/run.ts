/**
 * Benchmark runner. Each scenario is bench/<name>.bench.ts exporting `run()`; results land in
 * bench/results/<name>.{json,md}, which bench/RESULTS.md quotes with the command that produced them.
 *
 * usage: npm run bench                 run every scenario (one failing does not stop the others; exit 1 at the end)
 *        npm run bench -- <name> ...   run the named scenarios (store, scale, http, service-memory, peers,
 *                                      peers-growth, peers-sessions, loadtest; the peers need `cd bench && npm ci`
 *                                      first, else they are reported as not measured and only Sira and the
 *                                      floors run)
 *        npm run bench -- --quick ...  the same with BENCH_QUICK=1
 *        npm run bench -- --list       list scenarios
 *        npm run bench -- <name> --opt v   everything from the first other `--` flag on is left in process.argv
 *                                      for the scenario (e.g. context-real --split blind --conversations 3)
 * env:   BENCH_QUICK=1 for short runs (smoke-testing a benchmark, not for quoting)
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const flags = process.argv.slice(2);
if (flags.includes('--help') || flags.includes('-h') || flags.includes('--list')) {
  console.log(`usage: npm run bench [-- [--quick] <name> ...]\nscenarios: ${all.join(', ')}`);
  process.exit(0);
}
if (flags.includes('--quick')) process.env.BENCH_QUICK = '1';
const args = flags.filter((a) => a !== '--quick');
const optionsAt = args.findIndex((a) => a.startsWith('--'));
const names = optionsAt === -1 ? args : args.slice(0, optionsAt);
const chosen = names.length === 0 ? all : names;
for (const name of chosen) {
  if (!all.includes(name)) {
    console.error(`unknown benchmark "${name}"; scenarios: ${all.join(', ')}`);
    process.exit(2);
  }
}
if (chosen.some((n) => n.startsWith('peers')) && !existsSync(join(dir, 'node_modules'))) {
  console.error('bench: the peer systems are not installed (cd bench && npm ci): the peer scenarios run Sira and the floors only.');
}
const failed: string[] = [];
for (const name of chosen) {
  console.log(`\n## ${name}\n`);
  try {
    const mod = (await import(join(dir, `${name}.bench.ts`))) as { run: () => Promise<void> };
    await mod.run();
  } catch (e) {
    // One scenario's failure (a server not running, a peer crashing) must not lose the others' results.
    console.error(`bench: ${name} failed:`, e);
    failed.push(name);
  }
}
if (failed.length > 0) {
  console.error(`bench: failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
