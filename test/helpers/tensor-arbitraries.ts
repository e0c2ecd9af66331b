/**
 * fast-check arbitraries shared by the tensor codec tests: random tensors of every dtype, and the damage a stored
 * or transmitted record can suffer (truncation, flipped bytes, trailing garbage).
 */
import fc from 'fast-check';
import { DTYPES, DTYPE_SIZE, elementCount } from '../../src/core/tensor.ts';
import type { Tensor } from '../../src/core/types.ts';

/** A tensor of any dtype, rank ≤ `maxRank`, dims 0..4, random bytes (0/1 for bool). */
export function tensorArb(maxRank = 4): fc.Arbitrary<Tensor> {
  return fc
    .record({ dtype: fc.constantFrom(...DTYPES), shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: maxRank }) })
    .chain(({ dtype, shape }) => {
      const n = elementCount(shape) * DTYPE_SIZE[dtype];
      const bytes =
        dtype === 'bool'
          ? fc.array(fc.constantFrom(0, 1), { minLength: n, maxLength: n }).map((a) => Uint8Array.from(a))
          : fc.uint8Array({ minLength: n, maxLength: n });
      return bytes.map((data) => ({ dtype, shape, data }));
    });
}

/** One way to damage bytes. */
export type ByteMutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: [number, number][] }
  | { kind: 'append'; at: Uint8Array };

/** Truncation, 1-3 overwritten bytes, or 1-9 bytes appended. */
export const byteMutationArb: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('append' as const), at: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
);

/** A damaged copy of `bytes` (never mutates the input). */
export function mutate(bytes: Uint8Array, m: ByteMutation): Uint8Array {
  if (m.kind === 'truncate') return bytes.slice(0, m.at % bytes.length);
  if (m.kind === 'append') return Uint8Array.from([...bytes, ...m.at]);
  const out = bytes.slice();
  for (const [i, v] of m.at) out[i % out.length] = v;
  return out;
}
