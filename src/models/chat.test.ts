import { describe, expect, it } from 'vitest';
import type { Turn } from '../core/types.ts';
import { chatName, turnText, turnToMessages } from './chat.ts';

const turn = (parts: Turn['parts'], role: Turn['role'] = 'user', extra: Partial<Turn> = {}): Turn => ({
  seq: 1, role, parts, name: null, agent_id: null, metadata: null, created_at: 1, importance: null, pinned: false, ...extra,
});

describe('models/chat turnToMessages', () => {
  it('a text turn is one message with its role and a sanitised name', () => {
    expect(turnToMessages(turn([{ type: 'text', text: 'hi' }], 'user', { name: 'Ann Lee!' }))).toEqual([{ role: 'user', content: 'hi', name: 'Ann_Lee_' }]);
    expect(chatName('')).toBeUndefined();
    expect(chatName('x'.repeat(100))).toHaveLength(64);
  });

  it('tool calls become assistant tool_calls; each tool result its own tool message', () => {
    const call = turn([{ type: 'tool_call', id: 'c1', name: 'f', arguments: '{}' }], 'assistant');
    expect(turnToMessages(call)).toEqual([{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }]);
    const results = turn(
      [
        { type: 'tool_result', tool_call_id: 'c1', content: 'ok' },
        { type: 'tool_result', tool_call_id: 'c2', content: 'bad', is_error: true },
      ],
      'tool',
    );
    expect(turnToMessages(results)).toEqual([
      { role: 'tool', tool_call_id: 'c1', content: 'ok' },
      { role: 'tool', tool_call_id: 'c2', content: 'Error: bad' },
    ]);
  });

  it('an unpaired call or result is rendered as text, so the messages stay a valid request', () => {
    const call = turn([{ type: 'tool_call', id: 'c1', name: 'f', arguments: '{"a":1}' }], 'assistant');
    expect(turnToMessages(call, { isPaired: () => false })).toEqual([{ role: 'assistant', content: '[tool call f({"a":1})]' }]);
    const res = turn([{ type: 'tool_result', tool_call_id: 'c9', content: 'x' }], 'tool');
    expect(turnToMessages(res, { isPaired: () => false })).toEqual([{ role: 'user', content: '[tool] [tool result c9] x' }]);
  });

  it('media are content parts in user messages and placeholders elsewhere; tensors are placeholders', () => {
    const data = new Uint8Array([1, 2, 3]);
    const u = turn([
      { type: 'text', text: 'see' },
      { type: 'image', mime: 'image/png', data },
      { type: 'audio', mime: 'audio/wav', data },
      { type: 'file', mime: 'application/pdf', url: 'https://x/a.pdf', name: 'a.pdf' },
      { type: 'tensor', name: 'emb' },
    ]);
    expect(turnToMessages(u)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'see' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AQID' } },
          { type: 'input_audio', input_audio: { data: 'AQID', format: 'wav' } },
          { type: 'text', text: '[file: a.pdf]' },
          { type: 'text', text: '[tensor: emb]' },
        ],
      },
    ]);
    const a = turn([{ type: 'image', mime: 'image/png', url: 'https://x/c.png' }], 'assistant');
    expect(turnToMessages(a)).toEqual([{ role: 'assistant', content: '[image: https://x/c.png]' }]);
  });

  it('an empty turn renders as one empty message; turnText joins text, tool names/arguments and results', () => {
    expect(turnToMessages(turn([]))).toEqual([{ role: 'user', content: '' }]);
    const t = turn([
      { type: 'text', text: 'a' },
      { type: 'tool_call', id: 'c', name: 'f', arguments: '{"x":1}' },
      { type: 'tool_result', tool_call_id: 'c', content: 'r' },
    ]);
    expect(turnText(t)).toBe('a\nf {"x":1}\nr');
  });
});
