/**
 * @module storage/crypto/envelope
 * The sealed form of one stored value (AES-256-GCM, Node's crypto), codec `SEAL1`:
 *
 *   0xE5 | key id u32 LE | ciphertext length u32 LE | nonce (12) | ciphertext | tag (16)
 *
 * The key id names the data key in the keyring; the length lets a forensic scanner (and the canary test) find
 * sealed values in raw pages. The additional data is the database name, so a value cannot be moved to a database
 * of another kind. Nonces are random (drawn 12 KiB at a time from the CSPRNG).
 */
import { createCipheriv, createDecipheriv, randomFillSync, type KeyObject } from 'node:crypto';
import { siraError } from '../../core/errors.ts';

/** First byte of a sealed value. */
export const SEAL_MAGIC = 0xe5;
/** Bytes a sealed value adds to its plaintext. */
export const SEAL_OVERHEAD = 1 + 4 + 4 + 12 + 16;

const pool = Buffer.allocUnsafe(12 * 1024);
let poolAt = pool.length;

function nonce(): Buffer {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const n = pool.subarray(poolAt, poolAt + 12);
  poolAt += 12;
  return n;
}

/** Seal `plain` under data key `key` (id `keyId`); returns a new buffer, the caller owns it. */
export function sealValue(keyId: number, key: KeyObject, plain: Uint8Array, aad: Buffer): Buffer {
  const out = Buffer.allocUnsafe(SEAL_OVERHEAD + plain.byteLength);
  out[0] = SEAL_MAGIC;
  out.writeUInt32LE(keyId, 1);
  out.writeUInt32LE(plain.byteLength, 5);
  const iv = nonce();
  iv.copy(out, 9);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const n = c.update(plain).copy(out, 21);
  c.final();
  c.getAuthTag().copy(out, 21 + n);
  return out;
}

/** The key id of a sealed value, or undefined when `raw` is not one. */
export function sealedKeyId(raw: Uint8Array): number | undefined {
  if (raw.byteLength < SEAL_OVERHEAD || raw[0] !== SEAL_MAGIC) return undefined;
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).readUInt32LE(1);
}

/**
 * Open a sealed value with the key `lookup` returns for its id: the plaintext (a new buffer), or undefined when
 * the key no longer exists (the value was crypto-shredded). Throws SIRA_ERR_CODEC_CORRUPT when `raw` is not a
 * sealed value or fails authentication (corruption, tampering, or a value moved between databases).
 */
export function openValue(raw: Uint8Array, lookup: (keyId: number) => KeyObject | undefined, aad: Buffer): Buffer | undefined {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const id = sealedKeyId(b);
  if (id === undefined) throw siraError('SIRA_ERR_CODEC_CORRUPT', 'a stored value is not sealed (was the store created without a master key?)');
  const len = b.readUInt32LE(5);
  if (SEAL_OVERHEAD + len !== b.byteLength) throw siraError('SIRA_ERR_CODEC_CORRUPT', 'a sealed value has a wrong length');
  const key = lookup(id);
  if (key === undefined) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', key, b.subarray(9, 21));
    d.setAAD(aad);
    d.setAuthTag(b.subarray(21 + len));
    const head = d.update(b.subarray(21, 21 + len));
    const tail = d.final();
    return tail.byteLength === 0 ? head : Buffer.concat([head, tail]);
  } catch (e) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', 'a sealed value failed authentication', { cause: e });
  }
}
