/**
 * Golden turn records (test/fixtures/vectors/turn-record.json for v1 and turn-record-v2.json for v2, from
 * scripts/gen-turn-vectors.ts): every case must decode to its turn; uncompressed cases must also re-encode to
 * exactly their bytes (so a turn that only uses v1 parts is still written as v1).
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

function load(file: string): { version: number; cases: Case[] } {
  return JSON.parse(readFileSync(new URL(`../fixtures/vectors/${file}`, import.meta.url), 'utf8'), (_k, v: unknown) =>
    v !== null && typeof v === 'object' && 'hex' in v && Object.keys(v).length === 1 ? Uint8Array.from(Buffer.from((v as { hex: string }).hex, 'hex')) : v,
  ) as { version: number; cases: Case[] };
}

for (const [file, version, minCases] of [['turn-record.json', 1, 4], ['turn-record-v2.json', 2, 14]] as const) {
  const doc = load(file);
  describe(`turn record v${version} golden vectors`, () => {
    it(`the file is version ${version} and has cases, each record tagged v${version}`, () => {
      expect(doc.version).toBe(version);
      expect(doc.cases.length).toBeGreaterThanOrEqual(minCases);
      for (const c of doc.cases) expect(bytesOf(c)[0]).toBe(version);
    });
    for (const c of doc.cases) {
      it(`${c.name}: decodes to its turn`, () => {
        const t = decodeTurn(bytesOf(c), 7);
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
      if (bytesOf(c)[1] === 0) {
        it(`${c.name}: re-encodes byte for byte`, () => {
          expect(Buffer.from(encodeTurn(c.turn, c.created_at, c.compress_min_bytes)).toString('hex')).toBe(c.hex);
        });
      }
    }
  });
}

function bytesOf(c: Case): Uint8Array {
  return Uint8Array.from(Buffer.from(c.hex, 'hex'));
}
