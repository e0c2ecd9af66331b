/**
 * The WordNet retrofitting of the static table (training/lib/retrofit.ts, training/lib/wordnet.ts): the numerics on
 * a hand-made graph, and the reader on a few lines in WordNet's own file format (a temp directory: the suite does
 * not need WordNet installed).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { retrofit, RowGraph } from '../../training/lib/retrofit.ts';
import { loadWordNet } from '../../training/lib/wordnet.ts';
import { tempDirs } from '../helpers/cli.ts';

const cos = (t: Float32Array, dim: number, a: number, b: number) => {
  let s = 0, na = 0, nb = 0;
  for (let d = 0; d < dim; d++) {
    s += t[a * dim + d]! * t[b * dim + d]!;
    na += t[a * dim + d]! ** 2;
    nb += t[b * dim + d]! ** 2;
  }
  return s / Math.sqrt(na * nb);
};
const norm = (t: Float32Array, dim: number, a: number) => Math.hypot(...t.subarray(a * dim, (a + 1) * dim));

describe('training/lib/retrofit', () => {
  // Rows 0 and 1 are linked synonyms pointing different ways; row 2 is unlinked; row 3 is a zero row.
  const dim = 4;
  const table = () => Float32Array.from([1, 0, 0, 0, 0, 3, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0]);
  const graph = () => {
    const g = new RowGraph();
    g.add(0, 1, 1);
    g.add(1, 0, 1);
    g.add(1, 1, 5); // self edges are ignored
    g.add(0, 3, 1); // a zero row neither moves nor pulls
    return g;
  };

  it('retrofit(table) moves linked rows together, keeps each row length, leaves unlinked rows alone', () => {
    const t = table();
    const before = table();
    const moved = retrofit(t, dim, graph(), { iterations: 10, alpha: () => 1, beta: 1, centre: false });
    expect(moved).toBe(2);
    expect(cos(t, dim, 0, 1)).toBeGreaterThan(cos(before, dim, 0, 1) + 0.5);
    expect(norm(t, dim, 0)).toBeCloseTo(1, 5);
    expect(norm(t, dim, 1)).toBeCloseTo(3, 5);
    expect(Array.from(t.subarray(8, 16))).toEqual(Array.from(before.subarray(8, 16)));
  });

  it('a smaller alpha (less trust in the original) moves a row further', () => {
    const strong = table();
    const weak = table();
    retrofit(strong, dim, graph(), { iterations: 10, alpha: () => 1, beta: 0.5, centre: false });
    retrofit(weak, dim, graph(), { iterations: 10, alpha: (r) => (r === 0 ? 0.1 : 1), beta: 0.5, centre: false });
    expect(cos(weak, dim, 0, 1)).toBeGreaterThan(cos(strong, dim, 0, 1));
  });
});

describe('training/lib/wordnet', () => {
  const dir = tempDirs();
  const licence = '  1 This software and database is being provided to you, the LICENSEE, by  \n';
  const write = (at: string, name: string, lines: string[]) => writeFileSync(join(at, name), licence + lines.join('\n') + '\n');

  it('loadWordNet(dir) reads synsets, pointers, sense order, SemCor counts and base forms', async () => {
    const wnDir = await dir();
    write(wnDir, 'data.verb', [
      '00000001 41 v 02 cancel 0 call_off 0 001 @ 00000002 v 0000 01 + 08 00 | annul something scheduled',
      '00000002 30 v 02 end 0 terminate 0 000 01 + 08 00 | bring to an end',
    ]);
    write(wnDir, 'index.verb', ['call_off v 1 1 @ 1 0 00000001', 'cancel v 1 1 @ 1 1 00000001', 'end v 1 0 1 1 00000002', 'terminate v 1 0 1 0 00000002']);
    for (const pos of ['noun', 'adj', 'adv']) {
      write(wnDir, `data.${pos}`, []);
      write(wnDir, `index.${pos}`, []);
    }
    for (const pos of ['noun', 'verb', 'adj', 'adv']) writeFileSync(join(wnDir, `${pos}.exc`), pos === 'verb' ? 'ended end\n' : '');
    writeFileSync(join(wnDir, 'cntlist.rev'), 'cancel%2:41:00:: 1 7\n');
    const wn = loadWordNet(wnDir);
    expect(wn.synsets.get('v00000001')).toMatchObject({ pos: 'v', lemmas: ['cancel', 'call off'], pointers: [{ symbol: '@', target: 'v00000002', sourceWord: 0, targetWord: 0 }] });
    expect(wn.senses.get('cancel')).toEqual(['v00000001']);
    expect(wn.tagCount.get('cancel')).toBe(1);
    expect(wn.senseCount.get('cancel v00000001')).toBe(7);
    expect(wn.morphy('ended')).toEqual(['end']);
    expect(wn.morphy('cancels')).toEqual(['cancel']);
    expect(wn.morphy('terminating')).toEqual(['terminate']);
  });

  it('loadWordNet(dir) fails with a message naming the directory when WordNet is not there', async () => {
    const empty = await dir();
    expect(() => loadWordNet(empty)).toThrow(empty);
  });
});
