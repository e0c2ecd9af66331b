import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import { PART_TYPES, type NewTurn } from '../../core/types.ts';
import { isSiraError } from '../../core/errors.ts';
import { PART_LAYOUTS } from './parts.ts';
import { decodeTurn, encodeTurn } from './turn.ts';
import { anyParts, partArbitraries } from '../../../test/helpers/parts.ts';

const FC_SEED = Number(process.env.SIRA_FC_SEED ?? 20261125);
const T = Date.UTC(2026, 10, 25, 12);
const roundTrip = (turn: NewTurn, compressMin = 1 << 30) => decodeTurn(encodeTurn(turn, T, compressMin), 1);

describe('turn codec: parts', () => {
  it('numbers every part type once, tags 0-15 in order', () => {
    expect(PART_LAYOUTS.map((l) => l.tag)).toEqual(PART_LAYOUTS.map((_, i) => i));
    expect(PART_LAYOUTS.map((l) => l.type).sort()).toEqual([...PART_TYPES].sort());
  });

  for (const type of PART_TYPES) {
    it(`a ${type} part round-trips (property, seed ${FC_SEED})`, () => {
      fc.assert(
        fc.property(partArbitraries[type], fc.boolean(), (part, compress) => {
          expect(roundTrip({ role: 'user', parts: [part] }, compress ? 0 : 1 << 30).parts).toEqual([part]);
        }),
        { seed: FC_SEED, numRuns: 150 },
      );
    });
  }

  it('mixed parts round-trip in order (property)', () => {
    fc.assert(
      fc.property(anyParts, (parts) => {
        expect(roundTrip({ role: 'assistant', parts }).parts).toEqual(parts);
      }),
      { seed: FC_SEED, numRuns: 200 },
    );
  });

  it('writes v1 when every part fits v1, v2 as soon as one does not', () => {
    expect(encodeTurn({ role: 'user', parts: [{ type: 'image', mime: 'image/png', url: 'https://x/y' }] }, T, 1 << 30)[0]).toBe(1);
    expect(encodeTurn({ role: 'user', parts: [{ type: 'image', mime: 'image/png', url: 'https://x/y', caption: 'c' }] }, T, 1 << 30)[0]).toBe(2);
    expect(encodeTurn({ role: 'user', parts: [{ type: 'text', text: 'a' }, { type: 'reasoning', text: 'b' }] }, T, 1 << 30)[0]).toBe(2);
  });

  it('a decoded media part owns its bytes (not a view into the record)', () => {
    const record = encodeTurn({ role: 'user', parts: [{ type: 'video', mime: 'video/mp4', data: Uint8Array.of(1, 2, 3) }] }, T, 1 << 30);
    const p = decodeTurn(record, 1).parts[0]!;
    record.fill(0);
    expect(p.type === 'video' && [...p.data!]).toEqual([1, 2, 3]);
  });

  it('an unknown tag, or a v2 tag in a v1 record, is SIRA_ERR_CODEC_CORRUPT', () => {
    const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true });
    const record = (version: number, part: unknown[]) => {
      const body = packr.pack([1, T, null, null, null, null, false, [part]]);
      const out = new Uint8Array(8 + body.byteLength);
      out[0] = version;
      out.set(body, 8);
      return out;
    };
    expect(decodeTurn(record(2, [11, 'x']), 1).parts).toEqual([{ type: 'reasoning', text: 'x' }]);
    for (const bytes of [record(1, [11, 'x']), record(2, [99, 'x']), record(3, [0, 'x'])]) {
      try {
        decodeTurn(bytes, 1);
        throw new Error('decoded');
      } catch (e) {
        expect(isSiraError(e, 'SIRA_ERR_CODEC_CORRUPT')).toBe(true);
      }
    }
  });
});
