import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../models/tokens.ts';
import { resolveContextOptions } from './options.ts';
import { warmContextEngine } from './warmup.ts';

describe('warmContextEngine(options, tok)', () => {
  it('builds a window over its synthetic session: some turns selected, some left out, the tool pair kept whole', async () => {
    const options = resolveContextOptions();
    const r = await warmContextEngine(options, await loadTokenizer(options.defaultEncoding));
    const seqs = r.selected.map((s) => s.seq);
    expect(seqs.length).toBeGreaterThan(2);
    expect(seqs.length).toBeLessThan(30);
    expect(seqs.includes(3)).toBe(seqs.includes(4));
    expect(r.usage.used).toBeLessThanOrEqual(400);
  });
});
