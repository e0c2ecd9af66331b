/**
 * Regenerates test/fixtures/preferences/expectations.json: the committed preference classifier's outputs on fixed
 * clauses, which src/memory/profile/classifier.test.ts checks on every run (so a changed artifact, feature
 * function or rule is noticed). Run after retraining: `npx node scripts/gen-preference-expectations.ts`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPreferenceClassifier } from '../src/memory/profile/classifier.ts';
import { readText } from '../src/memory/profile/extract.ts';

const CLAUSES = [
  "I'm vegetarian",
  'please keep answers short',
  'I moved to Lyon last month',
  'I no longer use Windows',
  "I don't like cilantro",
  "my daughter's name is Ana",
  "I don't eat meat anymore",
  "I don't mind meat",
  'She thinks I’m vegetarian',
  "Let's say I'm vegan — what then?",
  'Should I go keto?',
  "Imagine I'm a pilot",
  'I used to live in Porto',
  'Olives just are not my thing',
  'I love it when you use tables',
];
const weights = loadPreferenceClassifier();
if (weights === undefined) throw new Error('no committed preferences artifact');
const rows = CLAUSES.map((text) => {
  const r = readText(text, { weights })[0]!;
  return { text, match: r.match?.pattern ?? null, label: r.label, probs: r.probs?.map((p) => Math.round(p * 1e4) / 1e4) ?? null };
});
const out = join(import.meta.dirname, '..', 'test', 'fixtures', 'preferences', 'expectations.json');
writeFileSync(out, `${JSON.stringify({ generated_by: 'scripts/gen-preference-expectations.ts', artifact: 'data/models/preferences/v1', rows }, null, 2)}\n`);
console.log(`wrote ${rows.length} rows to ${out}`);
