import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseReader, cursorPage } from './openai-compat.ts';
import { decodeDataUrl } from '../models/formats/index.ts';
import { itemToTurn, normalizeInput, upstreamItems } from './openai-items.ts';

describe('api/openai-items', () => {
  it('normalizeInput(string) is one user message; bare {role, content} become typed messages with ids', () => {
    const [one] = normalizeInput('hi', 0);
    expect(one).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] });
    expect(one!.id).toMatch(/^msg_/);
    const items = normalizeInput([{ role: 'assistant', content: 'ok' }, { type: 'function_call_output', call_id: 'c1', output: '1' }, { type: 'reasoning', id: 'rs_1', summary: [] }], 0);
    expect(items[0]).toMatchObject({ type: 'message', content: [{ type: 'output_text', text: 'ok' }] });
    expect(items[1]!.id).toMatch(/^fco_/);
    expect(items[2]).toEqual({ type: 'reasoning', id: 'rs_1', summary: [] });
    expect(() => normalizeInput([{ role: 'robot', content: 'x' }], 0)).toThrow(/role/);
    expect(() => normalizeInput([{ type: 'function_call', name: 'f' }], 0)).toThrow(/call_id/);
    expect(() => normalizeInput(5, 0)).toThrow(/string or an array/);
  });

  it('upstreamItems strips the ids we assign (and output status) but keeps other kinds whole', () => {
    const out = upstreamItems([
      { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [] },
      { type: 'reasoning', id: 'rs_1', summary: [] },
    ]);
    expect(out).toEqual([{ type: 'message', role: 'assistant', content: [] }, { type: 'reasoning', id: 'rs_1', summary: [] }]);
  });

  it('itemToTurn maps messages, images (URL and base64), calls and outputs; other kinds have no turn', () => {
    const png = Buffer.from([1, 2, 3]).toString('base64');
    const turn = itemToTurn({
      type: 'message',
      id: 'msg_a',
      role: 'developer',
      content: [
        { type: 'input_text', text: 'hello' },
        { type: 'input_image', image_url: 'https://x/y.JPG?s=1' },
        { type: 'input_image', image_url: `data:image/png;base64,${png}` },
      ],
    });
    expect(turn).toEqual({
      role: 'system',
      content: [
        { type: 'text', text: 'hello' },
        { type: 'image', mime: 'image/jpeg', url: 'https://x/y.JPG?s=1' },
        { type: 'image', mime: 'image/png', data: new Uint8Array([1, 2, 3]) },
      ],
      metadata: { openai_item_id: 'msg_a', openai_type: 'message' },
    });
    expect(itemToTurn({ type: 'function_call', id: 'fc', call_id: 'c', name: 'f', arguments: '{}' })?.content).toEqual([{ type: 'tool_call', id: 'c', name: 'f', arguments: '{}' }]);
    expect(itemToTurn({ type: 'function_call_output', call_id: 'c', output: { a: 1 } })).toMatchObject({ role: 'tool', content: [{ type: 'tool_result', tool_call_id: 'c', content: '{"a":1}' }] });
    expect(itemToTurn({ type: 'reasoning', id: 'r' })).toBeUndefined();
    expect(itemToTurn({ type: 'message', role: 'user', content: [] })).toBeUndefined();
    expect(decodeDataUrl('data:,a%20b')).toEqual({ mime: 'application/octet-stream', data: new Uint8Array(Buffer.from('a b')) });
    expect(decodeDataUrl('https://x')).toBeUndefined();
  });

  it('itemToTurn keeps what the old mirror dropped: image detail, audio, URL citations, reasoning with its encrypted content', () => {
    const wav = Buffer.from([9, 8]).toString('base64');
    expect(itemToTurn({ type: 'message', role: 'user', content: [{ type: 'input_image', image_url: 'https://x/a.png', detail: 'high' }, { type: 'input_audio', input_audio: { data: wav, format: 'wav' } }] })?.content).toEqual([
      { type: 'image', mime: 'image/png', url: 'https://x/a.png', detail: 'high' },
      { type: 'audio', mime: 'audio/wav', data: new Uint8Array([9, 8]) },
    ]);
    const answer = itemToTurn({
      type: 'message',
      id: 'msg_o',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'Lisbon.', annotations: [{ type: 'url_citation', url: 'https://w.test/l', title: 'L', start_index: 0, end_index: 7 }, { type: 'file_citation', file_id: 'f' }] }],
    });
    expect(answer?.content).toEqual([{ type: 'text', text: 'Lisbon.' }, { type: 'citation', url: 'https://w.test/l', title: 'L' }]);
    expect(itemToTurn({ type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'think' }], encrypted_content: 'gAAA' })).toEqual({
      role: 'assistant',
      content: [{ type: 'reasoning', text: 'think', signature: 'gAAA' }],
      metadata: { openai_item_id: 'rs_1', openai_type: 'reasoning' },
    });
    // Legacy and odd shapes the API accepts: a string content, the `text` part type, a non-string output.
    expect(itemToTurn({ role: 'user', content: 'plain' } as never)?.content).toEqual([{ type: 'text', text: 'plain' }]);
    expect(itemToTurn({ type: 'message', role: 'user', content: [{ type: 'text', text: 'old' }, { type: 'input_text', text: '' }] })?.content).toEqual([{ type: 'text', text: 'old' }]);
    expect(itemToTurn({ type: 'web_search_call', id: 'ws_1' })).toBeUndefined();
  });

  it('SseReader splits events across arbitrary chunk boundaries (CRLF, comments, multi-line data)', () => {
    const text = 'event: a\r\ndata: {"x":1}\r\n\r\n: ping\n\ndata: one\ndata: two\n\n';
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 3, 7, bytes.length]) {
      const r = new SseReader();
      const events = [];
      for (let i = 0; i < bytes.length; i += size) events.push(...r.push(bytes.subarray(i, i + size)));
      expect(events).toEqual([{ event: 'a', data: '{"x":1}' }, { event: undefined, data: 'one\ntwo' }]);
    }
  });

  it('cursorPage orders newest first by default and continues after an id', () => {
    const items = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    expect(cursorPage(items, { limit: 2 })).toEqual({ object: 'list', data: [{ id: 'c' }, { id: 'b' }], first_id: 'c', last_id: 'b', has_more: true });
    expect(cursorPage(items, { order: 'asc', after: 'a' })).toMatchObject({ data: [{ id: 'b' }, { id: 'c' }], has_more: false });
    expect(cursorPage(items, { after: 'zz' }).data).toEqual([]);
  });
});

describe('api/openai-items properties (seed-pinned)', () => {
  const SEED = 20261202;
  it('following cursorPage pages (after = last_id) yields every item exactly once, in the asked order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 25 }), fc.constantFrom('asc' as const, 'desc' as const), (n, limit, order) => {
        const items = Array.from({ length: n }, (_, i) => ({ id: `it_${i}` }));
        const seen: string[] = [];
        let after: string | undefined;
        for (let guard = 0; guard <= n; guard++) {
          const page = cursorPage(items, { order, limit, ...(after === undefined ? {} : { after }) });
          seen.push(...page.data.map((x) => x.id));
          if (!page.has_more) break;
          after = page.last_id ?? undefined;
        }
        const expected = items.map((x) => x.id);
        expect(seen).toEqual(order === 'asc' ? expected : expected.reverse());
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('SseReader gives the same events however the bytes are cut', () => {
    const event = fc.record({ event: fc.option(fc.constantFrom('response.created', 'response.output_text.delta'), { nil: undefined }), data: fc.string({ minLength: 1, maxLength: 40 }).filter((d) => !/[\r\n]/.test(d)) });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 20 }), (events, cuts) => {
        const text = events.map((e) => `${e.event === undefined ? '' : `event: ${e.event}\n`}data: ${e.data}\n\n`).join('');
        const bytes = new TextEncoder().encode(text);
        const r = new SseReader();
        const got = [];
        let at = 0;
        for (let i = 0; at < bytes.length; i++) {
          const size = cuts[i % cuts.length]!;
          got.push(...r.push(bytes.subarray(at, at + size)));
          at += size;
        }
        expect(got).toEqual(events.map((e) => ({ event: e.event, data: e.data })));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('an input_image given as a base64 data URL is stored as exactly its bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.constantFrom('image/png', 'image/jpeg', 'image/webp'), (bytes, mime) => {
        const turn = itemToTurn({ type: 'message', role: 'user', content: [{ type: 'input_image', image_url: `data:${mime};base64,${Buffer.from(bytes).toString('base64')}` }] });
        expect(turn?.content).toEqual([{ type: 'image', mime, data: new Uint8Array(bytes) }]);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
