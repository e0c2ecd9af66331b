import { encodeChat } from 'gpt-tokenizer/encoding/o200k_base';
import { encodeChat as encodeChatCl } from 'gpt-tokenizer/encoding/cl100k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { isSiraError } from '../core/errors.ts';
import type { Turn } from '../core/types.ts';
import { turnToMessages } from './chat.ts';
import {
  countChatTokens,
  countMessageTokens,
  countTurnTokens,
  defaultReplyReserve,
  DEFAULT_MEDIA_TOKENS,
  knownModels,
  loadTokenizer,
  resolveModel,
  TokenCountCache,
  tokenizerForModel,
  type Tokenizer,
} from './tokens.ts';

const turn = (parts: Turn['parts'], role: Turn['role'] = 'user', extra: Partial<Turn> = {}): Turn => ({
  seq: 1, role, parts, name: null, agent_id: null, metadata: null, created_at: 1, importance: null, pinned: false, ...extra,
});

describe('models/tokens', () => {
  let o200k: Tokenizer;
  let cl100k: Tokenizer;
  beforeAll(async () => {
    o200k = await loadTokenizer('o200k_base');
    cl100k = await loadTokenizer('cl100k_base');
  });

  it('count(text) is the BPE length; special-token strings are plain text, never refused', () => {
    expect(o200k.count('')).toBe(0);
    expect(o200k.count('hello world')).toBe(2);
    expect(o200k.count('a <|endoftext|> b')).toBeGreaterThan(3);
    expect(cl100k.count('<|im_start|>')).toBeGreaterThan(1);
  });

  it('countChatTokens equals the tokens of the rendered chat (gpt-tokenizer encodeChat) for plain messages', () => {
    const chats = [
      [{ role: 'system' as const, content: 'You are terse.' }, { role: 'user' as const, content: 'What is 2+2? Explain, in détail, 日本語 too.' }],
      [{ role: 'user' as const, content: '' }],
      [{ role: 'assistant' as const, content: 'Sure.\n\n- one\n- two' }, { role: 'user' as const, content: 'ok   spaces  ' }],
    ];
    for (const chat of chats) {
      expect(countChatTokens(chat, o200k)).toBe(encodeChat(chat, 'gpt-4o').length);
      expect(countChatTokens(chat, cl100k)).toBe(encodeChatCl(chat, 'gpt-4').length);
    }
  });

  it('countMessageTokens adds the name (+1), tool calls (name + arguments + 3) and media estimates', () => {
    const plain = countMessageTokens({ role: 'user', content: 'hi' }, o200k);
    expect(countMessageTokens({ role: 'user', content: 'hi', name: 'bob' }, o200k)).toBe(plain + o200k.count('bob') + 1);
    const call = { id: 'c1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } };
    expect(countMessageTokens({ role: 'assistant', content: null, tool_calls: [call] }, o200k)).toBe(
      3 + o200k.count('assistant') + o200k.count('get_weather') + o200k.count('{"city":"Oslo"}') + 3,
    );
    const img = countMessageTokens({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }, o200k);
    expect(img).toBe(3 + 1 + DEFAULT_MEDIA_TOKENS.image);
    const low = countMessageTokens({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } }] }, o200k);
    expect(low).toBe(3 + 1 + 85);
  });

  it('resolveModel(name) takes the longest registered prefix, ignores case and vendor prefixes', () => {
    expect(resolveModel('gpt-4o-mini-2024-07-18')).toMatchObject({ id: 'gpt-4o', encoding: 'o200k_base', contextWindow: 128_000 });
    expect(resolveModel('OpenAI/GPT-4.1-nano')).toMatchObject({ id: 'gpt-4.1', contextWindow: 1_047_576 });
    expect(resolveModel('gpt-4-0613')).toMatchObject({ id: 'gpt-4', encoding: 'cl100k_base', contextWindow: 8_192 });
    expect(resolveModel('gpt-4-turbo-2024-04-09')).toMatchObject({ id: 'gpt-4-turbo', contextWindow: 128_000 });
    expect(resolveModel('gpt-3.5-turbo')).toMatchObject({ encoding: 'cl100k_base', contextWindow: 16_385 });
    expect(resolveModel('o3-mini')).toMatchObject({ id: 'o3', contextWindow: 200_000 });
    expect(resolveModel('o1-mini')).toMatchObject({ id: 'o1-mini', contextWindow: 128_000 });
    expect(resolveModel('claude-sonnet-4-20250514')).toMatchObject({ id: 'claude-sonnet-4', approximate: true });
    expect(resolveModel('anthropic/claude-3-5-haiku')).toMatchObject({ id: 'claude', approximate: true });
    expect(resolveModel('llama-3.1-70b')).toMatchObject({ id: 'llama-3.1', encoding: 'cl100k_base', approximate: true });
    for (const id of knownModels()) expect(resolveModel(id).id).toBe(id);
  });

  it('resolveModel(name) throws SIRA_ERR_CONTEXT_MODEL_UNKNOWN for an unknown model or a false prefix', () => {
    for (const bad of ['davinci-3', 'o10', 'gpt-40', '']) {
      let err: unknown;
      try {
        resolveModel(bad);
      } catch (e) {
        err = e;
      }
      expect(isSiraError(err, 'SIRA_ERR_CONTEXT_MODEL_UNKNOWN'), bad).toBe(true);
    }
  });

  it('defaultReplyReserve is min(4096, max output, window / 4)', () => {
    expect(defaultReplyReserve(resolveModel('gpt-4o'))).toBe(4096);
    expect(defaultReplyReserve(resolveModel('gpt-4'))).toBe(2048);
  });

  it('tokenizerForModel(model) loads the model family encoding', async () => {
    expect((await tokenizerForModel('gpt-3.5-turbo')).encoding).toBe('cl100k_base');
    expect((await tokenizerForModel('gpt-4o')).encoding).toBe('o200k_base');
  });

  it('countTurnTokens(turn) is the sum over the turn rendered as chat messages', () => {
    const t = turn(
      [
        { type: 'text', text: 'look at this' },
        { type: 'tool_call', id: 'c1', name: 'search', arguments: '{"q":"cats"}' },
        { type: 'tool_result', tool_call_id: 'c1', content: 'found 3 cats' },
      ],
      'assistant',
    );
    const msgs = turnToMessages(t);
    expect(msgs).toHaveLength(2);
    expect(countTurnTokens(t, o200k)).toBe(msgs.reduce((a, m) => a + countMessageTokens(m, o200k), 0));
    const unpaired = countTurnTokens(t, o200k, { isPaired: () => false });
    expect(unpaired).toBe(countMessageTokens(turnToMessages(t, { isPaired: () => false })[0]!, o200k));
    const media = turn([{ type: 'image', mime: 'image/png', url: 'https://e.x/a.png' }]);
    expect(countTurnTokens(media, o200k, { media: { image: 1000, audio: 1, file: 1 } })).toBe(3 + 1 + 1000);
  });

  it('TokenCountCache computes once per (tenant, session, seq, created_at, encoding, variant) and stays bounded', () => {
    const cache = new TokenCountCache(3);
    let calls = 0;
    const key = { tenant: 't', session: 's', seq: 1, created_at: 5 };
    const f = () => ++calls;
    expect(cache.get(key, 'o200k_base', '', f)).toBe(1);
    expect(cache.get(key, 'o200k_base', '', f)).toBe(1);
    expect(cache.get(key, 'cl100k_base', '', f)).toBe(2);
    expect(cache.get({ ...key, created_at: 6 }, 'o200k_base', '', f)).toBe(3);
    expect(cache.get(key, 'o200k_base', 'P', f)).toBe(4);
    expect(cache.size).toBe(3);
  });
});
