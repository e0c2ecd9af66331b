import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTinyBert } from '../../training/make-tiny-bert.ts';
import { isSiraError } from '../core/errors.ts';
import { buildContext } from '../memory/context/engine.ts';
import type { Turn } from '../core/types.ts';
import { loadHfTokenizer } from './hf-tokenizer.ts';
import { countChatTokens, loadTokenizer, registerModel, resolveModel, TOKENS_PER_MESSAGE } from './tokens.ts';

// A WordPiece tokenizer.json written by training/make-tiny-bert.ts: specials, single letters/digits, `##` pieces
// and a few whole words (the, meeting, moved, to, window, seat, hotel, prefer). Nothing is downloaded.
const root = mkdtempSync(join(tmpdir(), 'sira-hftok-'));
const dir = makeTinyBert(join(root, 'tiny'), 8);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('models/hf-tokenizer', () => {
  it('counts WordPiece tokens exactly, without the [CLS]/[SEP] the post-processor adds', () => {
    const t = loadHfTokenizer(dir);
    expect(t.count('the hotel window seat')).toBe(4); // four whole words
    expect(t.count('hotels')).toBe(2); // hotel ##s
    expect(t.count('xyz')).toBe(3); // x ##y ##z
    expect(t.count('the meeting moved.')).toBe(4); // the meeting moved .
    expect(t.count('')).toBe(0);
    expect(t.ids('the')).toEqual([t.ids('the the')[0]]);
  });

  it('a registered model resolves to its tokenizer, exact (not approximate), by longest prefix', async () => {
    const info = registerModel({ id: 'tiny-llm', tokenizer: dir, context_window: 300 });
    expect(info).toMatchObject({ id: 'tiny-llm', encoding: `hf:${dir}`, contextWindow: 300, maxOutputTokens: 75, approximate: false });
    expect(resolveModel('Tiny-LLM-2026-01')).toMatchObject({ id: 'tiny-llm', encoding: `hf:${dir}` });
    const tok = await loadTokenizer(info.encoding);
    expect(tok.count('the hotel window seat')).toBe(4);
    expect(countChatTokens([{ role: 'user', content: 'the hotel' }], tok)).toBe(3 + TOKENS_PER_MESSAGE + tok.count('user') + 2);
  });

  it('the context engine budgets with the registered tokenizer', async () => {
    registerModel({ id: 'tiny-ctx', tokenizer: join(dir, 'tokenizer.json'), context_window: 4000, max_output_tokens: 100 });
    const turns: Turn[] = Array.from({ length: 40 }, (_, i) => ({
      seq: i + 1,
      role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
      parts: [{ type: 'text', text: i === 3 ? 'I prefer the window seat in the hotel' : `note ${i} about something else entirely` }],
      name: null,
      agent_id: null,
      metadata: null,
      created_at: Date.UTC(2026, 0, 1) + i * 60_000,
      importance: null,
      pinned: false,
    }));
    const r = await buildContext({ turns, query: 'which seat do I prefer', model: 'tiny-ctx', budgetTokens: 400 });
    expect(r.usage.encoding).toBe(`hf:${join(dir, 'tokenizer.json')}`);
    expect(r.usage.approximate).toBe(false);
    const tok = await loadTokenizer(r.usage.encoding);
    expect(countChatTokens(r.messages, tok)).toBeLessThanOrEqual(r.usage.used);
    expect(r.usage.used).toBeLessThanOrEqual(400);
    expect(r.selected.map((s) => s.seq)).toContain(4);
  });

  it('a missing or malformed tokenizer is a configuration error', async () => {
    expect(() => loadHfTokenizer(join(root, 'nope'))).toThrow();
    try {
      loadHfTokenizer(join(root, 'nope'));
    } catch (e) {
      expect(isSiraError(e, 'SIRA_ERR_CONFIG_INVALID')).toBe(true);
    }
    writeFileSync(join(root, 'bad.json'), '{"model": 1}');
    const info = registerModel({ id: 'broken-llm', tokenizer: join(root, 'bad.json'), context_window: 100 });
    await expect(loadTokenizer(info.encoding)).rejects.toThrow();
  });
});
