/**
 * Regenerate test/fixtures/quality/expectations.json: the committed quality artifact's scores on the fixed
 * conversations of test/fixtures/quality/conversations.ts. Run after `npm run train -- quality`:
 *   npx node scripts/regen-quality-expectations.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SessionEvaluator } from '../src/memory/evaluate/index.ts';
import { fixedConversations } from '../test/fixtures/quality/conversations.ts';

const ev = new SessionEvaluator();
const out: Record<string, unknown> = {};
for (const [name, turns] of Object.entries(fixedConversations())) {
  const r = await ev.evaluate(turns);
  out[name] = { model: r.model, quality: r.quality };
}
const file = join(import.meta.dirname, '..', 'test', 'fixtures', 'quality', 'expectations.json');
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${file}`);
