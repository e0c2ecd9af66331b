import { describe, expect, it } from 'vitest';
import type { Part, Turn } from '../core/types.ts';
import { everyPart } from '../../test/helpers/parts.ts';
import { turnText, turnToMessages } from './chat.ts';
import { imageTokens } from './media-tokens.ts';
import { partScoringText, partWindowText } from './part-text.ts';
import { countTurnTokens, loadTokenizer } from './tokens.ts';

const turn = (parts: Part[], role: Turn['role'] = 'assistant'): Turn => ({ seq: 1, role, parts, name: null, agent_id: null, metadata: null, created_at: 0, importance: null, pinned: false });
const windowText = (t: Turn, includeReasoning = false) => JSON.stringify(turnToMessages(t, { includeReasoning }));

describe('part renderings', () => {
  it('every part type shows up in an assistant window as text (reasoning only when asked)', () => {
    const rendered = windowText(turn(everyPart()), true);
    for (const needle of ['look 👀', 'a cat on a mat', 'hello there', 'the demo', 'welcome', 'Invoice, 3 pages', 'Total 10 EUR', '[file: x.zip]', '{\\"order\\":42', '```typescript src/x.ts', '"tool_calls"', '"tool_call_id":"c1"', '[reasoning] The user wants the total.', '[citation: A page](https://example.com/page)', 'Eiffel Tower, Champ de Mars, Paris (48.8584, 2.2945)', '[ui_event: click #buy = {\\"qty\\":2}]', '[time series imu: ax (m/s2), ay (m/s2), az (m/s2); from 2026-01-01T00:00:00.000Z every 10 ms]', '[tensor: emb]']) {
      expect(rendered).toContain(needle);
    }
  });

  it('reasoning is left out of windows and scoring text unless includeReasoning', () => {
    const t = turn([{ type: 'text', text: 'The answer is 4.' }, { type: 'reasoning', text: 'secret chain of thought' }]);
    expect(windowText(t)).not.toContain('secret');
    expect(turnText(t)).toBe('The answer is 4.');
    expect(windowText(t, true)).toContain('[reasoning] secret chain of thought');
    expect(turnText(t, { includeReasoning: true })).toContain('secret chain of thought');
    expect(partWindowText({ type: 'reasoning', text: 'x' })).toBeUndefined();
  });

  it('scoring text holds the words a part is searched by', () => {
    const words = everyPart().map((p) => partScoringText(p)).join(' ');
    for (const w of ['cat', 'hello', 'welcome', 'Invoice', 'order', 'const', 'search', 'result', 'snippet', 'Eiffel', 'click', 'ax']) expect(words).toContain(w);
    expect(words).not.toContain('The user wants');
  });

  it('in a user message an image with a URL is an image_url part (with its detail); a blob-only image is its caption', () => {
    const [m] = turnToMessages(turn([{ type: 'image', mime: 'image/png', url: 'https://x/i.png', detail: 'low' }, { type: 'image', mime: 'image/png', blob: { sha256: 'a'.repeat(64), size: 1, mime: 'image/png' }, caption: 'chart' }], 'user'));
    expect(m?.content).toEqual([{ type: 'image_url', image_url: { url: 'https://x/i.png', detail: 'low' } }, { type: 'text', text: '[image: chart]' }]);
  });

  it('a user document with extracted text goes in as the text, without it as a file part', () => {
    const doc = { type: 'document', mime: 'application/pdf', data: Uint8Array.of(1), name: 'a.pdf' } as const;
    expect(JSON.stringify(turnToMessages(turn([{ ...doc, text: 'page one' }], 'user')))).toContain('[document: a.pdf]\\npage one');
    expect(turnToMessages(turn([doc], 'user'))[0]?.content).toEqual([{ type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,AQ==' } }]);
  });
});

describe('imageTokens()', () => {
  it("follows OpenAI's tile rule (the vision guide's examples)", () => {
    expect(imageTokens(1024, 1024, 'high')).toBe(765);
    expect(imageTokens(2048, 4096, 'high')).toBe(1105);
    expect(imageTokens(4096, 8192, 'low')).toBe(85);
    expect(imageTokens(512, 512)).toBe(255);
    expect(imageTokens(100, 100, 'auto')).toBe(255);
  });

  it('a user image with its size is counted by tiles, one without by the fixed estimate', async () => {
    const tok = await loadTokenizer('o200k_base');
    const img = (extra: object) => turn([{ type: 'image', mime: 'image/png', url: 'https://x/i.png', ...extra } as Part], 'user');
    const base = countTurnTokens(img({ width: 1, height: 1, detail: 'low' }), tok);
    expect(countTurnTokens(img({ width: 2048, height: 4096, detail: 'high' }), tok) - base).toBe(1105 - 85);
    expect(countTurnTokens(img({}), tok) - base).toBe(765 - 85);
  });
});
