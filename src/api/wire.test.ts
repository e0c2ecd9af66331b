import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSiraError } from '../core/errors.ts';
import type { Turn } from '../core/types.ts';
import { decodeBase64, encodeBase64, fromWireTurns, parseIfMatch, toWireTurn } from './wire.ts';

const turn = (parts: Turn['parts']): Turn => ({
  seq: 1,
  role: 'user',
  parts,
  name: null,
  agent_id: null,
  metadata: null,
  created_at: Date.UTC(2026, 0, 1),
  importance: null,
  pinned: false,
});

describe('decodeBase64', () => {
  it('decodeBase64(encodeBase64(bytes)) returns the bytes (standard and URL-safe), seed-pinned property', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
        expect(decodeBase64(Buffer.from(bytes).toString('base64url'))).toEqual(bytes);
      }),
      { seed: 20260101, numRuns: 300 },
    );
  });

  it('decodeBase64 returns undefined for text that is not base64', () => {
    for (const s of ['not base64!', 'a', 'abcde', 'ab=c', 'a===', '@@@@', 'YQ==YQ==']) expect(decodeBase64(s), s).toBeUndefined();
  });

  it('encodeBase64 respects the view offset of a subarray', () => {
    const b = randomBytes(32);
    expect(encodeBase64(b.subarray(5, 9))).toBe(b.subarray(5, 9).toString('base64'));
  });
});

describe('turns on the wire', () => {
  it('toWireTurn sends one text part as a string and anything else as parts; times as ISO 8601', () => {
    expect(toWireTurn(turn([{ type: 'text', text: 'hi' }]))).toMatchObject({ content: 'hi', created_at: '2026-01-01T00:00:00.000Z' });
    expect(toWireTurn(turn([{ type: 'tensor', name: 'x' }])).content).toEqual([{ type: 'tensor', name: 'x' }]);
    const media = toWireTurn(turn([{ type: 'image', mime: 'image/png', data: new Uint8Array([1, 2, 3]) }]));
    expect(media.content).toEqual([{ type: 'image', mime: 'image/png', data: 'AQID' }]);
  });

  it('fromWireTurns decodes media data and names the part whose data is not base64', () => {
    const [t] = fromWireTurns([{ role: 'user', content: [{ type: 'audio', mime: 'audio/wav', data: 'AQID' }] }]);
    expect((t?.content as Array<{ data: Uint8Array }>)[0]?.data).toEqual(new Uint8Array([1, 2, 3]));
    let err: unknown;
    try {
      fromWireTurns([{ role: 'user', content: 'ok' }, { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'file', mime: 'a/b', data: '%%' }] }]);
    } catch (e) {
      err = e;
    }
    expect(isSiraError(err, 'SIRA_ERR_TURN_INVALID')).toBe(true);
    expect((err as Error).message).toBe('turns[1].content[1].data is not valid base64');
  });
});

describe('parseIfMatch', () => {
  it('parseIfMatch reads "n", W/"n" and bare n; * and absent mean any version', () => {
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch('W/"12"')).toBe(12);
    expect(parseIfMatch(' 7 ')).toBe(7);
    expect(parseIfMatch('*')).toBeUndefined();
    expect(parseIfMatch(undefined)).toBeUndefined();
  });

  it('parseIfMatch throws SIRA_ERR_REQUEST_INVALID for anything else', () => {
    for (const h of ['"3', 'abc', '"1", "2"', '-1', '""']) {
      expect(() => parseIfMatch(h), h).toThrow(expect.objectContaining({ code: 'SIRA_ERR_REQUEST_INVALID' }));
    }
  });
});
