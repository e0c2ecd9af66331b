/**
 * Round trips of the provider formats, as fast-check properties (seed pinned and printed; FC_SEED replays one,
 * FC_RUNS runs more). For each format: sira → format → sira gives back every field the format carries (what that
 * is, per format, is the `carried` projection below), and format → sira → format is the identity on valid inputs in
 * the format's canonical form — generated directly (test/helpers/format-inputs.ts), and as what `toX` writes for generated turns.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Part, Role } from '../../core/types.ts';
import { fromAnthropic, toAnthropic } from './anthropic.ts';
import { anthropicConversations, chatMessages, responsesItems } from '../../../test/helpers/format-inputs.ts';
import type { FormatTurn } from './media.ts';
import { fromOpenAiChat, toOpenAiChat } from './openai-chat.ts';
import { fromResponses, toResponses } from './openai-responses.ts';

const seed = Number(process.env.FC_SEED ?? 20261203);
const numRuns = Number(process.env.FC_RUNS ?? 150);
console.log(`formats.property: seed ${seed}, ${numRuns} runs`);

type Format = 'chat' | 'responses' | 'anthropic';

const text = fc.string({ minLength: 1, maxLength: 12 });
const bytes = fc.uint8Array({ maxLength: 12 });
const detail = fc.option(fc.constantFrom('auto' as const, 'low' as const, 'high' as const), { nil: undefined });
const name = fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/), { nil: undefined });
const opt = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** Media a format carries natively in a user message. */
function media(format: Format): fc.Arbitrary<Part> {
  const imageData = fc.record({ mime: fc.constantFrom('image/png', 'image/jpeg'), data: bytes, detail }).map((r): Part => opt({ type: 'image', ...r, ...(format === 'anthropic' ? { detail: undefined } : {}) }));
  const imageUrl = fc.record({ n: fc.nat(999), detail }).map(({ n, detail: d }): Part => opt({ type: 'image', mime: 'image/png', url: `https://img.test/${n}.png`, detail: format === 'anthropic' ? undefined : d }));
  if (format === 'anthropic') {
    const pdf = fc.record({ data: bytes, title: fc.option(text, { nil: undefined }) }).map((r): Part => opt({ type: 'document', mime: 'application/pdf', ...r }));
    const plain = fc.record({ s: fc.string({ maxLength: 20 }), title: fc.option(text, { nil: undefined }) }).map((r): Part => opt({ type: 'document', mime: 'text/plain', data: new Uint8Array(Buffer.from(r.s, 'utf8')), title: r.title }));
    return fc.oneof(imageData, imageUrl, pdf, plain);
  }
  const audio = fc.record({ mime: fc.constantFrom('audio/wav', 'audio/mpeg'), data: bytes }).map((r): Part => ({ type: 'audio', ...r }));
  const file = fc.record({ data: bytes, name: fc.stringMatching(/^[a-z]{1,8}\.pdf$/) }).map((r): Part => ({ type: 'file', mime: 'application/pdf', ...r }));
  return fc.oneof(imageData, imageUrl, audio, file);
}

const jsonArgs = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }).map((o) => JSON.stringify(o));

/** A conversation the format can carry: system, user (text or media), assistant (reasoning, text, citations, calls) then its results. */
function conversation(format: Format): fc.Arbitrary<FormatTurn[]> {
  const system = fc.record({ t: text, name }).map(({ t, name: n }): FormatTurn[] => [opt({ role: 'system' as Role, parts: [{ type: 'text', text: t }], name: format === 'chat' ? n : undefined })]);
  const userParts = format === 'chat' ? fc.oneof(text.map((t): Part[] => [{ type: 'text', text: t }]), fc.array(fc.oneof(text.map((t): Part => ({ type: 'text', text: t })), media(format)), { minLength: 1, maxLength: 3 }).filter((ps) => ps.some((p) => p.type !== 'text'))) : fc.array(fc.oneof(text.map((t): Part => ({ type: 'text', text: t })), media(format)), { minLength: 1, maxLength: 3 });
  const user = fc.record({ parts: userParts, name }).map(({ parts, name: n }): FormatTurn[] => [opt({ role: 'user' as Role, parts, name: format === 'chat' ? n : undefined })]);
  const reasoning = fc.record({ t: format === 'anthropic' ? fc.oneof(text, fc.constant('')) : fc.string({ maxLength: 12 }), sig: format === 'anthropic' ? text : fc.option(text, { nil: undefined }) }).map(({ t, sig }): Part => opt({ type: 'reasoning', text: t, signature: sig }));
  const citation = fc.record({ n: fc.nat(99), title: fc.option(text, { nil: undefined }) }).map(({ n, title }): Part => opt({ type: 'citation', url: `https://cite.test/${n}`, title }));
  const assistant = fc
    .record({
      reasoning: format === 'chat' ? fc.constant(undefined) : fc.option(reasoning, { nil: undefined }),
      text: fc.option(text, { nil: undefined }),
      citations: format === 'responses' ? fc.array(citation, { maxLength: 2 }) : fc.constant([]),
      calls: fc.array(fc.record({ name: fc.stringMatching(/^[a-z_]{1,8}$/), args: format === 'anthropic' ? jsonArgs : fc.string({ maxLength: 10 }), result: fc.string({ maxLength: 10 }), is_error: format === 'anthropic' ? fc.option(fc.constant(true), { nil: undefined }) : fc.constant(undefined) }), { maxLength: 2 }),
      name,
    })
    .filter((a) => a.text !== undefined || a.calls.length > 0)
    .map((a): FormatTurn[] => {
      const callId = (i: number) => `call_${i}`;
      const parts: Part[] = [
        ...(a.reasoning === undefined ? [] : [a.reasoning]),
        ...(a.text === undefined ? [] : [{ type: 'text' as const, text: a.text }, ...a.citations]),
        ...a.calls.map((c, i): Part => ({ type: 'tool_call', id: callId(i), name: c.name, arguments: c.args })),
      ];
      const results = a.calls.map((c, i): FormatTurn => ({ role: 'tool', parts: [opt({ type: 'tool_result', tool_call_id: callId(i), content: c.result, is_error: c.is_error })] }));
      return [opt({ role: 'assistant' as Role, parts, name: format === 'chat' ? a.name : undefined }), ...results];
    });
  return fc.array(fc.oneof(system, user, assistant), { minLength: 1, maxLength: 6 }).map((blocks) => {
    // Call ids unique across the conversation.
    let n = 0;
    return blocks.map((turns) => {
      const base = n;
      n += 10;
      return turns.map((t) => ({ ...t, parts: t.parts.map((p) => (p.type === 'tool_call' ? { ...p, id: `${p.id}_${base}` } : p.type === 'tool_result' ? { ...p, tool_call_id: `${p.tool_call_id}_${base}` } : p)) }));
    }).flat();
  });
}

/** Chat carries role, name, text, media and tool calls per message; a result's is_error only as an "Error: " prefix. */
function carriedChat(turns: FormatTurn[]): FormatTurn[] {
  return turns.map((t) => ({ ...t, parts: t.parts.map((p) => (p.type === 'tool_result' && p.is_error === true ? { type: 'tool_result', tool_call_id: p.tool_call_id, content: `Error: ${p.content}` } : p)) }));
}

/** Responses carries the role and parts in order but not turn boundaries or names; citations without snippets (title defaults to the URL), image detail defaults to auto. */
function carriedResponses(turns: FormatTurn[]): { role: Role; part: Part }[] {
  return turns.flatMap((t) =>
    t.parts.map((p) => {
      const part: Part = p.type === 'citation' ? { type: 'citation', url: p.url, title: p.title ?? p.url } : p.type === 'image' ? { ...p, detail: p.detail ?? 'auto' } : p;
      return { role: t.role, part };
    }),
  );
}

/** Anthropic carries system texts apart, then messages of alternating roles (a tool turn is a user message; results first), no names. */
function carriedAnthropic(turns: FormatTurn[]): { system: string[]; messages: { role: Role; parts: Part[] }[] } {
  const system = turns.filter((t) => t.role === 'system').map((t) => (t.parts[0] as { text: string }).text);
  const messages: { role: Role; parts: Part[] }[] = [];
  for (const t of turns) {
    if (t.role === 'system') continue;
    const role: Role = t.role === 'tool' ? 'user' : t.role;
    const last = messages.at(-1);
    if (last?.role === role) last.parts.push(...t.parts);
    else messages.push({ role, parts: [...t.parts] });
  }
  for (const m of messages) m.parts = [...m.parts.filter((p) => p.type === 'tool_result'), ...m.parts.filter((p) => p.type !== 'tool_result')];
  return { system, messages };
}

const opts = { includeReasoning: true };

describe('models/formats round trips (fast-check)', () => {
  it('openai chat: sira → chat → sira keeps role, name, text, media and tool calls/results', () => {
    fc.assert(fc.property(conversation('chat'), (turns) => {
      expect(fromOpenAiChat(toOpenAiChat(turns, opts))).toEqual(carriedChat(turns));
    }), { seed, numRuns });
  });
  it('openai chat: chat → sira → chat is the identity', () => {
    fc.assert(fc.property(conversation('chat'), (turns) => {
      const messages = toOpenAiChat(turns, opts);
      expect(toOpenAiChat(fromOpenAiChat(messages), opts)).toEqual(messages);
    }), { seed, numRuns });
  });
  it('responses: sira → items → sira keeps roles and parts in order (reasoning with signature, citations)', () => {
    fc.assert(fc.property(conversation('responses'), (turns) => {
      expect(carriedResponses(fromResponses(toResponses(turns, opts)))).toEqual(carriedResponses(turns));
    }), { seed, numRuns });
  });
  it('responses: items → sira → items is the identity', () => {
    fc.assert(fc.property(conversation('responses'), (turns) => {
      const items = toResponses(turns, opts);
      expect(toResponses(fromResponses(items), opts)).toEqual(items);
    }), { seed, numRuns });
  });
  it('anthropic: sira → messages → sira keeps system, merged roles, media, tool use/results and thinking signatures', () => {
    fc.assert(fc.property(conversation('anthropic'), (turns) => {
      expect(carriedAnthropic(fromAnthropic(toAnthropic(turns, opts)))).toEqual(carriedAnthropic(turns));
    }), { seed, numRuns });
  });
  it('anthropic: messages → sira → messages is the identity', () => {
    fc.assert(fc.property(conversation('anthropic'), (turns) => {
      const conv = toAnthropic(turns, opts);
      expect(toAnthropic(fromAnthropic(conv), opts)).toEqual(conv);
    }), { seed, numRuns });
  });

  it('openai chat: generated chat messages → sira → chat is the identity', () => {
    fc.assert(fc.property(chatMessages(), (messages) => {
      expect(toOpenAiChat(fromOpenAiChat(messages), opts)).toEqual(messages);
    }), { seed, numRuns });
  });
  it('responses: generated items → sira → items is the identity', () => {
    fc.assert(fc.property(responsesItems(), (items) => {
      expect(toResponses(fromResponses(items), opts)).toEqual(items);
    }), { seed, numRuns });
  });
  it('anthropic: generated conversations → sira → conversation is the identity', () => {
    fc.assert(fc.property(anthropicConversations(), (conv) => {
      expect(toAnthropic(fromAnthropic(conv), opts)).toEqual(conv);
    }), { seed, numRuns });
  });
});
