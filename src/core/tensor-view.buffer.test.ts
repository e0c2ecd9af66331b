import { describe, expect, it } from 'vitest';
import { tensorView } from './tensor-view.ts';

describe('tensorView over a Node Buffer at an unaligned offset (a Redis reply)', () => {
  it('copies the tensor’s own bytes, not the start of the underlying pool', () => {
    const vals = Uint16Array.from([1, 2, 3, 0xabcd]);
    const pool = Buffer.alloc(64, 0xee);
    Buffer.from(vals.buffer).copy(pool, 13);
    const t = { dtype: 'f16' as const, shape: [4], data: pool.subarray(13, 21) };
    expect([...tensorView(t)]).toEqual([...vals]);
  });

});
