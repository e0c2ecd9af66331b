/**
 * Offline training: `npm run train -- <task|all> [--seed 1] [--out data/models] [--quick]`. Each task lives in
 * training/tasks/<name>.ts and writes a versioned artifact (safetensors weights + card.json) under data/models,
 * which the service loads at start (src/models/artifact.ts). Runs are reproducible from the seed.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TrainTask } from './lib/task.ts';

const here = dirname(fileURLToPath(import.meta.url));

async function tasks(): Promise<Map<string, TrainTask>> {
  const out = new Map<string, TrainTask>();
  for (const f of readdirSync(join(here, 'tasks')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort()) {
    const mod = (await import(join(here, 'tasks', f))) as { task?: TrainTask };
    if (mod.task !== undefined) out.set(mod.task.name, mod.task);
  }
  return out;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seed: { type: 'string', default: '1' }, out: { type: 'string', default: 'data/models' }, quick: { type: 'boolean', default: false } },
});
const all = await tasks();
const which = positionals[0];
if (which === undefined || (which !== 'all' && !all.has(which))) {
  process.stderr.write(`usage: npm run train -- <${[...all.keys(), 'all'].join('|')}> [--seed N] [--out DIR] [--quick]\n`);
  for (const t of all.values()) process.stderr.write(`  ${t.name.padEnd(12)} ${t.description}\n`);
  process.exit(which === undefined ? 0 : 2);
}
const run = which === 'all' ? [...all.values()] : [all.get(which)!];
const command = `npm run train -- ${process.argv.slice(2).join(' ')}`;
for (const t of run) {
  const t0 = performance.now();
  const metrics = await t.run({ seed: Number(values.seed), out: resolve(values.out), quick: values.quick, command });
  process.stdout.write(`${t.name}: ${JSON.stringify(metrics)} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}
