/**
 * @module test/helpers/format-inputs
 * Test support: fast-check generators of valid provider inputs in each format's canonical form (what `toX` writes:
 * paired tool calls, alternating Anthropic roles, Responses `detail` always given). Used by the property tests.
 */
import fc from 'fast-check';
import type { AnthropicBlock, AnthropicConversation, AnthropicMessage } from '../../src/models/formats/anthropic.ts';
import type { ChatContentPart, ChatMessage } from '../../src/models/formats/openai-chat.ts';
import type { ResponsesContent, ResponsesItem } from '../../src/models/formats/openai-responses.ts';

const text = fc.string({ minLength: 1, maxLength: 12 });
const b64 = fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('base64'));
const imageUrl = fc.nat(999).map((n) => `https://img.test/${n}.png`);
const name = fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/), { nil: undefined });
const detail = fc.constantFrom('auto' as const, 'low' as const, 'high' as const);
const callName = fc.stringMatching(/^[a-z_]{1,8}$/);
const named = <T extends object>(o: T, n: string | undefined): T => (n === undefined ? o : { ...o, name: n });

/** Ids unique within one generated conversation. */
const ids = (prefix: string) => {
  let n = 0;
  return () => `${prefix}${n++}`;
};

/** OpenAI chat messages: system, user (a string, or parts with media), assistant (with calls, then their tool messages). */
export function chatMessages(): fc.Arbitrary<ChatMessage[]> {
  const media: fc.Arbitrary<ChatContentPart> = fc.oneof(
    fc.record({ url: fc.oneof(imageUrl, b64.map((d) => `data:image/png;base64,${d}`)), detail: fc.option(detail, { nil: undefined }) }).map(({ url, detail: d }) => ({ type: 'image_url' as const, image_url: d === undefined ? { url } : { url, detail: d } })),
    fc.record({ data: b64, format: fc.constantFrom('wav', 'mp3') }).map((a) => ({ type: 'input_audio' as const, input_audio: a })),
    fc.record({ filename: fc.stringMatching(/^[a-z]{1,8}\.pdf$/), d: b64 }).map(({ filename, d }) => ({ type: 'file' as const, file: { filename, file_data: `data:application/pdf;base64,${d}` } })),
  );
  const content = fc.oneof(text, fc.array(fc.oneof(fc.string({ maxLength: 8 }).map((t): ChatContentPart => ({ type: 'text', text: t })), media), { minLength: 1, maxLength: 3 }).filter((ps) => ps.some((p) => p.type !== 'text')));
  type Block = (next: () => string) => ChatMessage[];
  const system = fc.record({ t: text, n: name }).map(({ t, n }): Block => () => [named({ role: 'system', content: t }, n)]);
  const user = fc.record({ c: content, n: name }).map(({ c, n }): Block => () => [named({ role: 'user', content: c }, n)]);
  const assistant = fc
    .record({ t: fc.option(text, { nil: null }), n: name, calls: fc.array(fc.record({ name: callName, args: fc.string({ maxLength: 8 }), out: fc.string({ maxLength: 8 }) }), { maxLength: 2 }) })
    .filter((a) => a.t !== null || a.calls.length > 0)
    .map(({ t, n, calls }): Block => (next) => {
      const callIds = calls.map(() => next());
      const m: ChatMessage = named({ role: 'assistant', content: t }, n);
      if (calls.length > 0) m.tool_calls = calls.map((c, i) => ({ id: callIds[i]!, type: 'function', function: { name: c.name, arguments: c.args } }));
      return [m, ...calls.map((c, i): ChatMessage => ({ role: 'tool', tool_call_id: callIds[i]!, content: c.out }))];
    });
  return fc.array(fc.oneof(system, user, assistant), { minLength: 1, maxLength: 6 }).map((blocks) => {
    const next = ids('call_');
    return blocks.flatMap((b) => b(next));
  });
}

/** Responses input items: messages (media in user ones, URL citations on output_text), calls with outputs, reasoning. */
export function responsesItems(): fc.Arbitrary<ResponsesItem[]> {
  const userContent: fc.Arbitrary<ResponsesContent> = fc.oneof(
    fc.string({ maxLength: 8 }).map((t) => ({ type: 'input_text' as const, text: t })),
    fc.record({ image_url: fc.oneof(imageUrl, b64.map((d) => `data:image/png;base64,${d}`)), detail }).map((r) => ({ type: 'input_image' as const, ...r })),
    fc.record({ file_id: fc.stringMatching(/^file-[a-z0-9]{1,6}$/), detail }).map((r) => ({ type: 'input_image' as const, ...r })),
    fc.record({ data: b64, format: fc.constantFrom('wav' as const, 'mp3' as const) }).map((a) => ({ type: 'input_audio' as const, input_audio: a })),
    fc.record({ filename: fc.stringMatching(/^[a-z]{1,8}\.pdf$/), d: b64 }).map(({ filename, d }) => ({ type: 'input_file' as const, filename, file_data: `data:application/pdf;base64,${d}` })),
    fc.stringMatching(/^file-[a-z0-9]{1,6}$/).map((file_id) => ({ type: 'input_file' as const, file_id })),
    fc.nat(99).map((n) => ({ type: 'input_file' as const, file_url: `https://doc.test/${n}.pdf`, filename: `${n}.pdf` })),
  );
  const outputText = fc.record({ t: fc.string({ maxLength: 8 }), cites: fc.array(fc.record({ n: fc.nat(99), title: text }), { maxLength: 2 }) }).map(({ t, cites }): ResponsesContent => {
    const annotations = cites.map((c) => ({ type: 'url_citation' as const, url: `https://cite.test/${c.n}`, title: c.title, start_index: 0, end_index: t.length }));
    return annotations.length === 0 ? { type: 'output_text', text: t } : { type: 'output_text', text: t, annotations };
  });
  type Block = (next: () => string) => ResponsesItem[];
  const message = (role: 'user' | 'system' | 'assistant', c: fc.Arbitrary<ResponsesContent>) => fc.array(c, { minLength: 1, maxLength: 3 }).map((content): Block => () => [{ type: 'message', role, content }]);
  const call = fc.record({ name: callName, args: fc.string({ maxLength: 8 }), out: fc.string({ maxLength: 8 }) }).map((c): Block => (next) => {
    const id = next();
    return [
      { type: 'function_call', call_id: id, name: c.name, arguments: c.args },
      { type: 'function_call_output', call_id: id, output: c.out },
    ];
  });
  const reasoning = fc.record({ t: fc.option(text, { nil: undefined }), sig: fc.option(text, { nil: undefined }) }).map(({ t, sig }): Block => () => [
    { type: 'reasoning', summary: t === undefined ? [] : [{ type: 'summary_text', text: t }], ...(sig === undefined ? {} : { encrypted_content: sig }) },
  ]);
  const blocks = fc.oneof(message('user', userContent), message('system', fc.string({ maxLength: 8 }).map((t) => ({ type: 'input_text' as const, text: t }))), message('assistant', outputText), call, reasoning);
  return fc.array(blocks, { minLength: 1, maxLength: 6 }).map((bs) => {
    const next = ids('call_');
    return bs.flatMap((b) => b(next));
  });
}

/** An Anthropic conversation: system blocks, then rounds of a user message (last round's results first) and an assistant one. */
export function anthropicConversations(): fc.Arbitrary<AnthropicConversation> {
  const source = fc.oneof(
    fc.record({ mime: fc.constantFrom('image/png', 'image/jpeg'), data: b64 }).map((s): AnthropicBlock => ({ type: 'image', source: { type: 'base64', media_type: s.mime, data: s.data } })),
    imageUrl.map((url): AnthropicBlock => ({ type: 'image', source: { type: 'url', url } })),
    fc.record({ data: b64, title: fc.option(text, { nil: undefined }) }).map(({ data, title }): AnthropicBlock => ({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data }, ...(title === undefined ? {} : { title }) })),
    fc.string({ maxLength: 12 }).map((data): AnthropicBlock => ({ type: 'document', source: { type: 'text', media_type: 'text/plain', data } })),
  );
  const userBlock = fc.oneof(text.map((t): AnthropicBlock => ({ type: 'text', text: t })), source);
  const input = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, never>);
  const thinking = fc.oneof(
    fc.record({ t: text, sig: text }).map(({ t, sig }): AnthropicBlock => ({ type: 'thinking', thinking: t, signature: sig })),
    text.map((data): AnthropicBlock => ({ type: 'redacted_thinking', data })),
  );
  const round = fc.record({
    user: fc.array(userBlock, { maxLength: 3 }),
    thinking: fc.option(thinking, { nil: undefined }),
    reply: fc.array(text, { maxLength: 2 }),
    calls: fc.array(fc.record({ name: callName, input, out: fc.string({ maxLength: 8 }), err: fc.boolean() }), { maxLength: 2 }),
  });
  return fc.record({ system: fc.array(text, { maxLength: 2 }), rounds: fc.array(round, { minLength: 1, maxLength: 4 }) }).map(({ system, rounds }) => {
    const next = ids('toolu_');
    const messages: AnthropicMessage[] = [];
    let pending: AnthropicBlock[] = [];
    rounds.forEach((r, i) => {
      const last = i === rounds.length - 1;
      const user = [...pending, ...r.user];
      messages.push({ role: 'user', content: user.length === 0 ? [{ type: 'text', text: 'go on' }] : user });
      const calls = last ? [] : r.calls.map((c) => ({ ...c, id: next() }));
      const content: AnthropicBlock[] = [
        ...(r.thinking === undefined ? [] : [r.thinking]),
        ...r.reply.map((t): AnthropicBlock => ({ type: 'text', text: t })),
        ...calls.map((c): AnthropicBlock => ({ type: 'tool_use', id: c.id, name: c.name, input: c.input })),
      ];
      messages.push({ role: 'assistant', content: content.length === 0 ? [{ type: 'text', text: 'ok' }] : content });
      pending = calls.map((c): AnthropicBlock => ({ type: 'tool_result', tool_use_id: c.id, content: c.out, ...(c.err ? { is_error: true } : {}) }));
    });
    return system.length === 0 ? { messages } : { system: system.map((t) => ({ type: 'text' as const, text: t })), messages };
  });
}
