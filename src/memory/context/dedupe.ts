/**
 * @module memory/context/dedupe
 * Near-duplicate turns (word 3-gram Jaccard ≥ a threshold, 0.9 by default) are collapsed to the newest of them.
 * Only pairs whose shingle counts are within the threshold's ratio can reach it (|A ∩ B| / |A ∪ B| ≤ min/max), so
 * items are compared in size order within that window instead of all pairs.
 */
import { jaccard } from './text.ts';

/**
 * For each item, the index of the newest item it is a near-duplicate of (transitively), or -1 when it is the
 * newest of its group or has no duplicate. Items are in chronological order; `eligible[i] === false` or an empty
 * shingle set leaves item i out.
 */
export function nearDuplicates(shingleSets: readonly Uint32Array[], eligible: readonly boolean[], threshold = 0.9): Int32Array {
  const n = shingleSets.length;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const idx = [...Array(n).keys()].filter((i) => eligible[i] === true && shingleSets[i]!.length > 0);
  idx.sort((a, b) => shingleSets[a]!.length - shingleSets[b]!.length || a - b);
  for (let x = 0; x < idx.length; x++) {
    const a = idx[x]!;
    const la = shingleSets[a]!.length;
    for (let y = x + 1; y < idx.length; y++) {
      const b = idx[y]!;
      if (la < threshold * shingleSets[b]!.length) break;
      if (jaccard(shingleSets[a]!, shingleSets[b]!) >= threshold) {
        const ra = find(a);
        const rb = find(b);
        if (ra !== rb) parent[Math.min(ra, rb)] = Math.max(ra, rb);
      }
    }
  }
  // Roots are the largest index of their group (unions always point to the larger root): the newest item.
  const out = new Int32Array(n).fill(-1);
  for (const i of idx) {
    const r = find(i);
    if (r !== i) out[i] = r;
  }
  return out;
}
