/**
 * @module core/hash
 * Non-cryptographic string hashing shared by the feature hashers (intent, quality, profile classifier, near-duplicate
 * shingles). Changing it changes every trained artifact's features: keep it bit-for-bit stable.
 */

/** 32-bit FNV-1a over the UTF-16 code units of `s` (unsigned). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
