/**
 * @module storage/crypto/at-rest
 * Which master keys a store seals its values with, decided once when it opens, from the options and what the data
 * directory already holds. Sealing is on by default: on LMDB with no master key given, a key is generated into a
 * file (`<dataDir>/master.key` unless `masterKeyPath` names another place: 64 hex digits, mode 0600) on first start
 * and reused after, so that erasure is physical (crypto-shredding) in the default configuration. A given master key
 * (`SIRA_MASTER_KEY`, `_FILE`, `_COMMAND`: a KMS or vault) wins; the generated one then still unwraps the data
 * keys it wrapped, until `sira-session keys rotate` re-wraps them and the file can go.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SiraOptions } from '../../core/config.ts';
import { siraError } from '../../core/errors.ts';
import { parseMasterKey, resolveMasterKeys, type MasterKey } from './master-key.ts';

/** How a store's values are kept, for the start-up log. */
export interface AtRestReport {
  /** `supplied`: a given master key; `generated`: the key file the service made; `off`: values plain. */
  mode: 'supplied' | 'generated' | 'off';
  /** The generated key's file (mode `generated`; with `supplied`, the older generated key still read to unwrap). */
  keyFile?: string;
  /** True when this open created the key file. */
  created?: boolean;
  /** Why values are plain, or what is wrong with the key file (readable by group or others): worth a warning. */
  warning?: string;
}

/** The master keys to seal with (empty: values plain) and how they were found. */
export interface AtRest {
  /** The current master key first, then older ones that still unwrap; empty when values are plain. */
  masters: MasterKey[];
  report: AtRestReport;
}

type AtRestOptions = Pick<SiraOptions, 'encryption' | 'masterKey' | 'masterKeyFile' | 'masterKeyCommand' | 'masterKeyPrevious' | 'masterKeyPath' | 'dataDir'>;

/** Where the generated master key of `options` lives. */
export function generatedKeyPath(options: Pick<SiraOptions, 'masterKeyPath' | 'dataDir'>): string {
  return options.masterKeyPath ?? join(options.dataDir, 'master.key');
}

/** `warning` when `path` can be read by group or others. */
function modeWarning(path: string): string | undefined {
  const mode = statSync(path).mode & 0o777;
  return (mode & 0o077) === 0 ? undefined : `the master key file ${path} has mode ${mode.toString(8)}: make it 600 (chmod 600)`;
}

/**
 * Read the key file at `path`, or create it (32 random bytes as 64 hex digits, mode 0600) when missing. Creation
 * is atomic: the key is written and fsynced under a unique temporary name, then hard-linked to `path`, so two
 * processes starting at once agree on one key and no reader sees half a file. Throws SIRA_ERR_MASTER_KEY_INVALID.
 */
export function readOrCreateKeyFile(path: string): { key: MasterKey; created: boolean } {
  const read = () => {
    try {
      return parseMasterKey(readFileSync(path, 'utf8'));
    } catch (e) {
      throw siraError('SIRA_ERR_MASTER_KEY_INVALID', `cannot read the master key file ${path}`, { cause: e });
    }
  };
  if (existsSync(path)) return { key: read(), created: false };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  let created = true;
  try {
    writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
    fsyncSync(fd);
    closeSync(fd);
    try {
      linkSync(tmp, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      created = false; // another process created it first: use theirs
    }
  } finally {
    unlinkSync(tmp);
  }
  const dfd = openSync(dirname(path), 'r');
  fsyncSync(dfd);
  closeSync(dfd);
  return { key: read(), created };
}

/**
 * The master keys of an LMDB store under `options.dataDir`:
 * - encryption off: none (refused with SIRA_ERR_CONFIG_INVALID when the directory holds a sealed store);
 * - a given master key: it, the previous ones, and the generated key when its file exists (it may still wrap data keys);
 * - else the generated key, created when missing — unless the directory holds a store written plain before
 *   sealing was the default (`data.mdb` without `keyring.jsonl`): that one stays plain, with a warning, since a
 *   store's values are all sealed or all plain.
 * Throws SIRA_ERR_MASTER_KEY_INVALID for a bad key, and when the store is sealed but no key is given or found.
 */
export function resolveLmdbAtRest(options: AtRestOptions): AtRest {
  const given = resolveMasterKeys({ value: options.masterKey, file: options.masterKeyFile, command: options.masterKeyCommand, previous: options.masterKeyPrevious });
  const sealedStore = existsSync(join(options.dataDir, 'keyring.jsonl'));
  const keyFile = generatedKeyPath(options);
  if (!options.encryption) {
    if (sealedStore) throw siraError('SIRA_ERR_CONFIG_INVALID', `the store in ${options.dataDir} is sealed (keyring.jsonl): it cannot be opened with encryption off`);
    return { masters: [], report: { mode: 'off' } };
  }
  if (given.length > 0) {
    if (!existsSync(keyFile)) return { masters: given, report: { mode: 'supplied' } };
    const { key } = readOrCreateKeyFile(keyFile);
    if (given.some((m) => m.id === key.id)) return { masters: given, report: { mode: 'supplied' } };
    return { masters: [...given, key], report: { mode: 'supplied', keyFile } };
  }
  if (!existsSync(keyFile)) {
    if (sealedStore) throw siraError('SIRA_ERR_MASTER_KEY_INVALID', `the store in ${options.dataDir} is sealed but no master key is given and there is no key file ${keyFile}`);
    if (existsSync(join(options.dataDir, 'data.mdb'))) {
      const warning = `the store in ${options.dataDir} was written with values plain (before sealing was the default) and stays plain: erasure cannot clear LMDB's freed pages. Export it and import it into a new data directory to seal it, or set SIRA_ENCRYPTION=off to silence this`;
      return { masters: [], report: { mode: 'off', warning } };
    }
  }
  const { key, created } = readOrCreateKeyFile(keyFile);
  const warning = modeWarning(keyFile);
  return { masters: [key], report: { mode: 'generated', keyFile, created, ...(warning === undefined ? {} : { warning }) } };
}

/**
 * The master keys of a Redis store: the given ones (values plain without: every instance must share the key, so a
 * generated local file cannot serve; deletion on Redis is real anyway), none with encryption off.
 */
export function resolveRedisAtRest(options: AtRestOptions): AtRest {
  const given = options.encryption ? resolveMasterKeys({ value: options.masterKey, file: options.masterKeyFile, command: options.masterKeyCommand, previous: options.masterKeyPrevious }) : [];
  return { masters: given, report: { mode: given.length > 0 ? 'supplied' : 'off' } };
}
