/**
 * @module storage/crypto/opened-values
 * A bounded cache of opened (decrypted) sealed values by record key, so a value read again is not deciphered again:
 * one AES-256-GCM open costs a cipher context (~3 µs with Node 24's OpenSSL 3), which is most of what sealing adds to
 * a read of many small records (a session's last turns, a context build over its history). An entry is reused only
 * while the stored value is the very one it was opened from: its GCM tag (16 bytes, a MAC over the key id, nonce,
 * ciphertext and database) must match. Any rewrite draws a new random nonce, so its tag differs. Plaintext in memory
 * is live data only: the owner deletes an entry with its record (erasure included).
 */

/** Opened values by key, least recently written evicted first past `maxBytes` (plaintext bytes plus ~100 per entry). */
export class OpenedValues {
  readonly maxBytes: number;
  readonly #maxEntry: number;
  readonly #entries = new Map<string, { tag: Buffer; plain: Buffer }>();
  #bytes = 0;

  /** `maxBytes` 0 turns the cache off (every read opens); values over `maxEntryBytes` are never kept. */
  constructor(maxBytes: number, maxEntryBytes = maxBytes) {
    this.maxBytes = maxBytes;
    this.#maxEntry = Math.min(maxBytes, maxEntryBytes);
  }

  /** Bytes held now (approximate). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The plaintext opened from `sealed` (the cache's own buffer: do not modify it), or undefined. */
  get(key: string, sealed: Buffer): Buffer | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    // A loop over 16 bytes: cheaper than a call into Buffer.compare with offsets, on every read of every record.
    const tag = e.tag;
    const at = sealed.byteLength - 16;
    for (let i = 0; i < 16; i++) if (tag[i] !== sealed[at + i]) return undefined;
    return e.plain;
  }

  /** Remember that `sealed` opens to `plain` (both kept: the caller must not modify them afterwards). */
  set(key: string, sealed: Buffer, plain: Buffer): void {
    const cost = plain.byteLength + key.length * 2 + 100;
    if (cost > this.#maxEntry) return;
    this.delete(key);
    // A copy of the tag: `sealed` may be a view of a larger buffer that the cache should not pin.
    this.#entries.set(key, { tag: Buffer.from(sealed.subarray(sealed.byteLength - 16)), plain });
    this.#bytes += cost;
    for (const [k] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.delete(k);
    }
  }

  /** Forget `key` (its record was removed or rewritten). */
  delete(key: string): void {
    const e = this.#entries.get(key);
    if (e === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= e.plain.byteLength + key.length * 2 + 100;
  }

  /** Forget everything. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
