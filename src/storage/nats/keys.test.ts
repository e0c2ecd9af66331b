import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNatsUrl } from './connect.ts';
import { hexId, parseHeadKey, token, unhexId, headKey } from './keys.ts';
import { joinBatch, splitBatch } from './session-data.ts';

const FC_SEED = Number(process.env.SIRA_FC_SEED ?? 20261202);

describe('NATS key tokens', () => {
  it('token() keeps plain ids and hex-encodes ids a KV token cannot hold', () => {
    expect(token('acme_1-x')).toBe('acme_1-x');
    expect(token('a.b:c')).toBe(`=${Buffer.from('a.b:c').toString('hex')}`);
    expect(parseHeadKey(headKey('t.1', 's:2'))).toEqual({ tenant: 't.1', id: 's:2' });
    expect(parseHeadKey('a.b.c')).toBeUndefined();
  });
  it('tokens round-trip and never collide, and are valid KV tokens (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}$/), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}$/), (a, b) => {
        expect(token(a)).toMatch(/^[-=_A-Za-z0-9]+$/);
        expect(parseHeadKey(headKey(a, b))).toEqual({ tenant: a, id: b });
        if (a !== b) expect(token(a)).not.toBe(token(b));
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
  it('hex document ids sort like their UTF-8 bytes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), { minLength: 2, maxLength: 20 }), (ids) => {
        const byBytes = [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        expect(ids.map(hexId).sort().map(unhexId)).toEqual(byBytes);
      }),
      { seed: FC_SEED, numRuns: 200 },
    );
  });
  it('turn batches split back into the records joined (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (recs) => {
        expect(splitBatch(joinBatch(recs)).map((r) => Array.from(r))).toEqual(recs.map((r) => Array.from(r)));
      }),
      { seed: FC_SEED, numRuns: 200 },
    );
  });
});

describe('parseNatsUrl', () => {
  it('reads seed nodes and credentials', () => {
    expect(parseNatsUrl('nats://127.0.0.1:4222')).toEqual({ servers: ['127.0.0.1:4222'] });
    expect(parseNatsUrl('nats://a:4222,b.example:4223/')).toEqual({ servers: ['a:4222', 'b.example:4223'] });
    expect(parseNatsUrl('nats://u:p%40ss@h:1')).toEqual({ servers: ['h:1'], user: 'u', pass: 'p@ss' });
  });
  it('refuses what is not nats://host:port[,…] with SIRA_ERR_CONFIG_INVALID', () => {
    for (const bad of ['redis://h:1', 'nats://', 'nats://host', 'nats://h:1,nope', 'nats://h:1/x']) {
      expect(() => parseNatsUrl(bad)).toThrow(expect.objectContaining({ code: 'SIRA_ERR_CONFIG_INVALID' }) as Error);
    }
  });
});
console.info(`nats keys properties: fast-check seed ${FC_SEED}`);
