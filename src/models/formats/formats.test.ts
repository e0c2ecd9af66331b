import { describe, expect, it } from 'vitest';
import type { Part } from '../../core/types.ts';
import { fromAnthropic, toAnthropic } from './anthropic.ts';
import type { FormatTurn } from './media.ts';
import { fromOpenAiChat, toOpenAiChat } from './openai-chat.ts';
import { fromResponses, toResponses } from './openai-responses.ts';

const blob = { sha256: 'a'.repeat(64), size: 10, mime: 'video/mp4' };
const odd: Part[] = [
  { type: 'video', mime: 'video/mp4', blob, caption: 'the demo', transcript: 'hello there' },
  { type: 'image', mime: 'image/png', blob: { ...blob, mime: 'image/png' }, caption: 'a cat' },
  { type: 'location', lat: 38.7, lon: -9.1, name: 'Lisbon' },
  { type: 'reasoning', text: 'secret thoughts' },
];
const user: FormatTurn = { role: 'user', parts: odd };

describe('models/formats text fallbacks', () => {
  it('toOpenAiChat(turns) sends blob references, video and locations as text, and leaves reasoning out', () => {
    expect(toOpenAiChat([user])).toEqual([{ role: 'user', content: '[video: the demo]\nhello there\n[image: a cat]\n[location: Lisbon (38.7, -9.1)]' }]);
  });

  it('toResponses(turns) does the same in an input_text per part', () => {
    expect(toResponses([user])).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: '[video: the demo]\nhello there' }, { type: 'input_text', text: '[image: a cat]' }, { type: 'input_text', text: '[location: Lisbon (38.7, -9.1)]' }] },
    ]);
  });

  it('toAnthropic(turns) sends audio as its transcript and unsigned reasoning never as thinking', () => {
    const turns: FormatTurn[] = [
      { role: 'user', parts: [{ type: 'audio', mime: 'audio/wav', data: new Uint8Array([1]), transcript: 'call me' }] },
      { role: 'assistant', parts: [{ type: 'reasoning', text: 'hmm' }, { type: 'text', text: 'ok' }] },
    ];
    expect(toAnthropic(turns, { includeReasoning: true }).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: '[audio: audio/wav]\ncall me' }] },
      { role: 'assistant', content: [{ type: 'text', text: '[reasoning] hmm' }, { type: 'text', text: 'ok' }] },
    ]);
  });

  it('an unpaired tool call or result is text in every format (providers refuse one)', () => {
    const turns: FormatTurn[] = [
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: '{}' }] },
      { role: 'tool', parts: [{ type: 'tool_result', tool_call_id: 'c2', content: 'late' }] },
    ];
    expect(toOpenAiChat(turns)).toEqual([
      { role: 'assistant', content: '[tool call f({})]' },
      { role: 'user', content: '[tool] [tool result c2] late' },
    ]);
    expect(toResponses(turns).map((i) => i.type)).toEqual(['message', 'message']);
    expect(toAnthropic(turns).messages).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: '[tool call f({})]' }] },
      { role: 'user', content: [{ type: 'text', text: '[tool result c2] late' }] },
    ]);
  });

  it('tool arguments that are not a JSON object reach Anthropic as {arguments} and come back as that JSON', () => {
    const turns: FormatTurn[] = [
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: 'not json' }] },
      { role: 'tool', parts: [{ type: 'tool_result', tool_call_id: 'c1', content: 'x', is_error: true }] },
    ];
    const conv = toAnthropic(turns);
    expect(conv.messages[0]!.content[0]).toEqual({ type: 'tool_use', id: 'c1', name: 'f', input: { arguments: 'not json' } });
    expect(conv.messages[1]!.content[0]).toEqual({ type: 'tool_result', tool_use_id: 'c1', content: 'x', is_error: true });
    expect(fromAnthropic(conv)[0]!.parts[0]).toEqual({ type: 'tool_call', id: 'c1', name: 'f', arguments: '{"arguments":"not json"}' });
  });

  it('fromX reads what providers send beyond the canonical form: developer role, string system, citations, file ids', () => {
    expect(fromOpenAiChat([{ role: 'developer', content: 'be brief' }])).toEqual([{ role: 'system', parts: [{ type: 'text', text: 'be brief' }] }]);
    expect(fromOpenAiChat([{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1', filename: 'a.pdf' } }] }])[0]!.parts).toEqual([{ type: 'file', mime: 'application/octet-stream', url: 'openai-file:file-1', name: 'a.pdf' }]);
    const conv = fromAnthropic({
      system: 'be brief',
      messages: [{ role: 'assistant', content: [{ type: 'text', text: 'Lisbon', citations: [{ type: 'web_search_result_location', url: 'https://w.test', title: 'W', cited_text: 'capital' }] }] }],
    });
    expect(conv).toEqual([
      { role: 'system', parts: [{ type: 'text', text: 'be brief' }] },
      { role: 'assistant', parts: [{ type: 'text', text: 'Lisbon' }, { type: 'citation', url: 'https://w.test', title: 'W', snippet: 'capital' }] },
    ]);
    expect(fromResponses([{ type: 'message', role: 'developer', content: [{ type: 'input_image', file_id: 'file-2', detail: 'low' }] }])).toEqual([
      { role: 'system', parts: [{ type: 'image', mime: 'application/octet-stream', url: 'openai-file:file-2', detail: 'low' }] },
    ]);
  });
});
