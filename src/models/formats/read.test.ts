/**
 * The lenient readers of provider JSON (seed pinned and printed; FC_SEED replays one): on canonical inputs they are
 * the identity after a JSON round trip, and they read the shapes providers accept beyond the canonical form.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chatMessages, responsesItems } from '../../../test/helpers/format-inputs.ts';
import { fromOpenAiChat, toOpenAiChat } from './openai-chat.ts';
import { fromResponses } from './openai-responses.ts';
import { readChatMessage, readResponsesItem } from './read.ts';

const seed = Number(process.env.FC_SEED ?? 20261203);
const numRuns = Number(process.env.FC_RUNS ?? 150);
console.log(`formats read: seed ${seed}, ${numRuns} runs`);
const viaJson = <T>(x: T): unknown => JSON.parse(JSON.stringify(x));

describe('models/formats readers', () => {
  it('readChatMessage(json) gives back every generated chat message unchanged', () => {
    fc.assert(fc.property(chatMessages(), (messages) => {
      expect(messages.map((m, i) => readChatMessage(viaJson(m), `messages[${i}]`))).toEqual(messages);
    }), { seed, numRuns });
  });

  it('readResponsesItem(json) gives back every generated Responses item unchanged', () => {
    fc.assert(fc.property(responsesItems(), (items) => {
      expect(items.map((i) => readResponsesItem(viaJson(i)))).toEqual(items);
    }), { seed, numRuns });
  });

  it('readChatMessage reads legacy shapes and names the bad entry', () => {
    expect(readChatMessage({ role: 'user', content: [{ type: 'image_url', image_url: 'https://x/a.png' }, { type: 'mystery' }] }, 'm')).toEqual({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/a.png' } }] });
    expect(readChatMessage({ role: 'assistant', content: null, tool_calls: [{ id: 'c', function: { name: 'f' } }] }, 'm')).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '' } }] });
    expect(() => readChatMessage({ role: 'robot', content: 'x' }, 'messages[2]')).toThrow('messages[2].role "robot" is not system|developer|user|assistant|tool');
    expect(() => readChatMessage('x', 'messages[0]')).toThrow('messages[0] must be an object');
  });

  it('readResponsesItem reads a bare {role, content}, a detail-less image, a JSON output; unknown kinds are undefined', () => {
    expect(fromResponses([readResponsesItem({ role: 'user', content: [{ type: 'input_image', image_url: 'https://x/a.png' }] })!])).toEqual([{ role: 'user', parts: [{ type: 'image', mime: 'image/png', url: 'https://x/a.png' }] }]);
    expect(readResponsesItem({ type: 'function_call_output', call_id: 'c', output: [{ type: 'input_text', text: 'x' }] })).toEqual({ type: 'function_call_output', call_id: 'c', output: '[{"type":"input_text","text":"x"}]' });
    expect(readResponsesItem({ type: 'web_search_call', id: 'ws' })).toBeUndefined();
    expect(readResponsesItem(null)).toBeUndefined();
  });

  it('toOpenAiChat(turns, {verbatim, isPaired}) writes a log: names as stored, text parts apart, an unanswered call native', () => {
    const turns = [
      { role: 'user' as const, name: 'Ann Smith', parts: [{ type: 'text' as const, text: 'a' }, { type: 'text' as const, text: 'b' }] },
      { role: 'assistant' as const, parts: [{ type: 'tool_call' as const, id: 'c1', name: 'f', arguments: '{}' }] },
    ];
    const log = toOpenAiChat(turns, { verbatim: true, isPaired: () => true });
    expect(log).toEqual([
      { role: 'user', name: 'Ann Smith', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    ]);
    expect(fromOpenAiChat(log)).toEqual(turns);
    // For a model call the same turns are made acceptable: the name sanitised, the texts joined, the lone call as text.
    expect(toOpenAiChat(turns)).toEqual([
      { role: 'user', name: 'Ann_Smith', content: 'a\nb' },
      { role: 'assistant', content: '[tool call f({})]' },
    ]);
  });
});
