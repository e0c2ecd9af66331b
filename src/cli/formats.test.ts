/**
 * OpenAI chat-log records both ways through models/formats: what the exporter writes beyond the canonical form
 * (media, other parts as text, verbatim names, calls without results) and how the importer names a bad message.
 */
import { describe, expect, it } from 'vitest';
import type { Session, Turn } from '../core/types.ts';
import { fromOpenAi, toOpenAi } from './formats.ts';

const session = { id: 's1', metadata: {} } as unknown as Session;
const turn = (seq: number, t: Pick<Turn, 'role' | 'parts'> & { name?: string | null }): Turn => ({ seq, created_at: 0, name: null, ...t }) as Turn;

describe('cli/formats OpenAI chat logs', () => {
  it('toOpenAi(session, turns) writes media, other parts as text, names as stored and calls without results natively', () => {
    const turns = [
      turn(1, { role: 'user', name: 'Ann Smith', parts: [{ type: 'text', text: 'see' }, { type: 'image', mime: 'image/png', data: new Uint8Array([1, 2]) }, { type: 'location', lat: 1, lon: 2 }] }),
      turn(2, { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: '{}' }] }),
      turn(3, { role: 'tool', parts: [{ type: 'tool_result', tool_call_id: 'c0', content: 'late' }] }),
    ];
    const record = toOpenAi(session, turns);
    expect(JSON.stringify(record)).toBe(
      JSON.stringify({
        id: 's1',
        messages: [
          { role: 'user', name: 'Ann Smith', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AQI=' } }, { type: 'text', text: '[location: (1, 2)]' }] },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'c0', content: 'late' },
        ],
      }),
    );
    // Read back: the image's bytes, the name and the calls come back; the location as its text.
    const back = fromOpenAi(JSON.parse(JSON.stringify(record)) as Record<string, unknown>, 'x');
    expect(back.turns[0]).toEqual({ role: 'user', name: 'Ann Smith', parts: [{ type: 'text', text: 'see' }, { type: 'image', mime: 'image/png', data: new Uint8Array([1, 2]) }, { type: 'text', text: '[location: (1, 2)]' }] });
    expect(back.turns.slice(1).map((t) => t.parts)).toEqual([turns[1]!.parts, turns[2]!.parts]);
  });

  it('fromOpenAi(record) names the bad message', () => {
    expect(() => fromOpenAi({ messages: [{ role: 'user', content: 'hi' }, { role: 'robot', content: 'x' }] }, 'x')).toThrow('messages[1].role "robot" is not system|developer|user|assistant|tool');
  });
});
