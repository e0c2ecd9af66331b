/**
 * Golden turn records (test/fixtures/vectors/turn-record.json, from scripts/gen-turn-vectors.ts): every case must
 * decode to its turn; uncompressed cases must also re-encode to exactly their bytes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NewTurn } from '../../src/core/types.ts';
import { decodeTurn, encodeTurn } from '../../src/storage/codec/turn.ts';

interface Case {
  name: string;
  created_at: number;
  compress_min_bytes: number;
  turn: NewTurn;
  hex: string;
}
const doc = JSON.parse(readFileSync(new URL('../fixtures/vectors/turn-record.json', import.meta.url), 'utf8'), (_k, v: unknown) =>
  v !== null && typeof v === 'object' && 'hex' in v && Object.keys(v).length === 1 ? Uint8Array.from(Buffer.from((v as { hex: string }).hex, 'hex')) : v,
) as { version: number; cases: Case[] };

describe('turn record v1 golden vectors', () => {
  it('the file is version 1 and has cases', () => {
    expect(doc.version).toBe(1);
    expect(doc.cases.length).toBeGreaterThanOrEqual(4);
  });
  for (const c of doc.cases) {
    it(`${c.name}: decodes to its turn`, () => {
      const bytes = Uint8Array.from(Buffer.from(c.hex, 'hex'));
      const t = decodeTurn(bytes, 7);
      expect(t).toEqual({
        seq: 7,
        role: c.turn.role,
        parts: c.turn.parts,
        name: c.turn.name ?? null,
        agent_id: c.turn.agent_id ?? null,
        metadata: c.turn.metadata ?? null,
        created_at: c.created_at,
        importance: c.turn.importance ?? null,
        pinned: c.turn.pinned === true,
      });
    });
    if (bytes1(c)[1] === 0) {
      it(`${c.name}: re-encodes byte for byte`, () => {
        expect(Buffer.from(encodeTurn(c.turn, c.created_at, c.compress_min_bytes)).toString('hex')).toBe(c.hex);
      });
    }
  }
});

function bytes1(c: Case): Uint8Array {
  return Uint8Array.from(Buffer.from(c.hex, 'hex'));
}
