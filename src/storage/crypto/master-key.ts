/**
 * @module storage/crypto/master-key
 * The master key (key-encryption key) that wraps every data key: 32 bytes, given as 64 hex digits, as base64 of 32
 * bytes, or as a passphrase of at least 32 characters (stretched with HKDF-SHA-256). It comes from one of
 * `SIRA_MASTER_KEY` (the value), `SIRA_MASTER_KEY_FILE` (a file holding it) or `SIRA_MASTER_KEY_COMMAND` (a shell
 * command printing it, e.g. a KMS or vault client); older keys still accepted for unwrapping during a rotation
 * come from `SIRA_MASTER_KEY_PREVIOUS` (comma-separated). A given key never touches the data directory; without one,
 * LMDB seals under a generated key kept in a file (storage/crypto/at-rest).
 */
import { execSync } from 'node:child_process';
import { createHash, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { siraError } from '../../core/errors.ts';

/** A master key with its public id (a hash prefix recorded beside every key it wraps). */
export interface MasterKey {
  /** 16 hex digits of SHA-256 over a domain tag and the key. */
  id: string;
  /** The 32 key bytes. */
  key: Buffer;
}

/** Where the master key comes from (at most one of value, file, command). */
export interface MasterKeySource {
  value?: string | undefined;
  file?: string | undefined;
  command?: string | undefined;
  /** Older master keys (same forms as `value`), for unwrapping data keys not yet re-wrapped. */
  previous?: string[] | undefined;
}

const invalid = (detail: string, cause?: unknown) => siraError('SIRA_ERR_MASTER_KEY_INVALID', detail, cause === undefined ? undefined : { cause });

/** Parse one master key from its text form; throws SIRA_ERR_MASTER_KEY_INVALID. */
export function parseMasterKey(text: string): MasterKey {
  const s = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(s)) key = Buffer.from(s, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=$/.test(s)) key = Buffer.from(s, 'base64');
  else if (s.length >= 32) key = Buffer.from(hkdfSync('sha256', Buffer.from(s, 'utf8'), 'sira-session', 'master-key-v1', 32));
  if (key === undefined || key.byteLength !== 32) throw invalid('a master key is 64 hex digits, base64 of 32 bytes, or a passphrase of at least 32 characters');
  const id = createHash('sha256').update('sira-kek-id\u0000').update(key).digest('hex').slice(0, 16);
  return { id, key };
}

/**
 * Resolve the master keys from a source: the current one first, then the previous ones; an empty list when the
 * source names none (encryption off). Throws SIRA_ERR_MASTER_KEY_INVALID when more than one of value, file and
 * command is given, the file cannot be read, the command fails, or a key is malformed.
 */
export function resolveMasterKeys(src: MasterKeySource): MasterKey[] {
  const given = [src.value, src.file, src.command].filter((x) => x !== undefined && x !== '');
  if (given.length > 1) throw invalid('give one of SIRA_MASTER_KEY, SIRA_MASTER_KEY_FILE and SIRA_MASTER_KEY_COMMAND');
  let text: string | undefined;
  if (src.value !== undefined && src.value !== '') text = src.value;
  else if (src.file !== undefined && src.file !== '') {
    try {
      text = readFileSync(src.file, 'utf8');
    } catch (e) {
      throw invalid(`cannot read the master key file ${src.file}`, e);
    }
  } else if (src.command !== undefined && src.command !== '') {
    try {
      text = execSync(src.command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    } catch (e) {
      throw invalid('the master key command failed', e);
    }
  }
  if (text === undefined) {
    if ((src.previous ?? []).length > 0) throw invalid('SIRA_MASTER_KEY_PREVIOUS needs a current master key');
    return [];
  }
  return [parseMasterKey(text), ...(src.previous ?? []).filter((p) => p.trim() !== '').map(parseMasterKey)];
}
