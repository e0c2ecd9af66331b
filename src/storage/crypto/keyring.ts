/**
 * @module storage/crypto/keyring
 * Per-scope data keys (AES-256, one per user and one per tenant), each wrapped by the master key, kept in a file
 * beside the database (`keyring.jsonl`) and never in the database itself: a key deleted from LMDB would stay
 * readable in its freed pages, while a key removed from this file is gone once the file is rewritten (a new file
 * renamed over the old one). Destroying a scope's key is what erases its data (crypto-shredding): every value
 * sealed under it, including copies in freed database pages, becomes noise.
 *
 * File: a header line `{"format":"sira-keyring","v":1,"next":N}`, then one line per key
 * `{"id","scope","kek","iv","w"}` (w = wrapped key ‖ tag, base64; additional data = `<id>\0<scope>`). New keys are
 * appended (fsync before use); destroying and re-wrapping rewrite the file atomically. Writers (the service and
 * the CLI) serialize on `keyring.lock`; a reader that meets an unknown key id reloads what was appended.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { siraError } from '../../core/errors.ts';
import type { MasterKey } from './master-key.ts';

/** A data key of one scope. */
export interface DataKey {
  id: number;
  key: KeyObject;
}

/** The data keys of a store: what a backend seals its values with. */
export interface DataKeyring {
  /** The key of `scope`, created (and durably recorded) when missing. */
  keyFor(scope: string): DataKey;
  /** The key with this id, or undefined when it was destroyed (or never existed). */
  lookup(id: number): KeyObject | undefined;
  /** Destroy the keys of every scope `match` accepts; returns how many were destroyed. */
  destroy(match: (scope: string) => boolean): number;
  /** Re-wrap every key not yet under the current master key; `progress(done, total)` after each. Returns how many were re-wrapped. */
  rewrap(progress?: (done: number, total: number) => void): number;
  /** The scopes that have a key now. */
  scopes(): string[];
  /** Read again what other processes changed (keys destroyed or re-wrapped: the file was replaced). */
  refresh?(): void;
}

/** Scope of a user's data. */
export const userScope = (tenant: string, user: string): string => `u:${tenant}\u0000${user}`;
/** Scope of a tenant's data that belongs to no user. */
export const tenantScope = (tenant: string): string => `t:${tenant}`;
/** True when `scope` belongs to `tenant` (its own scope or one of its users'). */
export const inTenant = (scope: string, tenant: string): boolean => scope === tenantScope(tenant) || scope.startsWith(`u:${tenant}\u0000`);

/** A wrapped data key as the keyring stores it (w = ciphertext ‖ tag, base64). */
export interface WrappedKey {
  id: number;
  scope: string;
  kek: string;
  iv: string;
  w: string;
}

const HEADER = 'sira-keyring';
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Wrap a raw data key under `master` (AES-256-GCM, additional data `<id>\0<scope>`). */
export function wrapDataKey(master: MasterKey, id: number, scope: string, raw: Buffer): WrappedKey {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', master.key, iv);
  c.setAAD(Buffer.from(`${id}\u0000${scope}`, 'utf8'));
  const w = Buffer.concat([c.update(raw), c.final(), c.getAuthTag()]);
  return { id, scope, kek: master.id, iv: iv.toString('base64'), w: w.toString('base64') };
}

/** Unwrap with whichever of `masters` wrapped it; throws SIRA_ERR_MASTER_KEY_INVALID when none did or it fails. */
export function unwrapDataKey(masters: MasterKey[], l: WrappedKey): Buffer {
  const m = masters.find((k) => k.id === l.kek);
  if (m === undefined) throw siraError('SIRA_ERR_MASTER_KEY_INVALID', `data key ${l.id} is wrapped by master key ${l.kek}, which is not configured`);
  const w = Buffer.from(l.w, 'base64');
  try {
    const d = createDecipheriv('aes-256-gcm', m.key, Buffer.from(l.iv, 'base64'));
    d.setAAD(Buffer.from(`${l.id}\u0000${l.scope}`, 'utf8'));
    d.setAuthTag(w.subarray(w.byteLength - 16));
    return Buffer.concat([d.update(w.subarray(0, w.byteLength - 16)), d.final()]);
  } catch (e) {
    throw siraError('SIRA_ERR_MASTER_KEY_INVALID', `data key ${l.id} does not unwrap with master key ${l.kek}`, { cause: e });
  }
}

/** A {@link DataKeyring} kept in `<dir>/keyring.jsonl`. */
export class FileKeyring implements DataKeyring {
  readonly path: string;
  readonly #lock: string;
  readonly #masters: MasterKey[];
  readonly #byId = new Map<number, { scope: string; key: KeyObject }>();
  readonly #byScope = new Map<string, number>();
  #next = 1;
  #ino = -1;
  #size = 0;

  /** Open (creating when missing) the keyring of `dir`; `masters[0]` wraps new keys. Throws SIRA_ERR_MASTER_KEY_INVALID. */
  constructor(dir: string, masters: MasterKey[]) {
    if (masters.length === 0) throw siraError('SIRA_ERR_MASTER_KEY_INVALID', 'a keyring needs a master key');
    this.path = join(dir, 'keyring.jsonl');
    this.#lock = join(dir, 'keyring.lock');
    this.#masters = masters;
    this.#locked(() => {
      try {
        statSync(this.path);
      } catch {
        this.#rewrite([]);
      }
      this.#reload();
    });
  }

  /** Read what changed since the last read: appended lines, or the whole file when it was replaced. */
  #reload(): void {
    const st = statSync(this.path);
    if (st.ino === this.#ino && st.size === this.#size) return;
    const full = st.ino !== this.#ino || st.size < this.#size;
    const text = readFileSync(this.path);
    const from = full ? 0 : this.#size;
    const known = new Map(this.#byId);
    if (full) {
      this.#byId.clear();
      this.#byScope.clear();
      this.#next = 1;
    }
    const lines = text.subarray(from).toString('utf8').split('\n');
    // A torn last line (a writer killed mid-append) has no newline yet: leave it for the next read.
    const complete = lines.slice(0, -1);
    let consumed = from;
    for (const s of complete) {
      consumed += Buffer.byteLength(s, 'utf8') + 1;
      if (s === '') continue;
      const o = JSON.parse(s) as Partial<WrappedKey> & { format?: string; next?: number };
      if (o.format !== undefined) {
        if (o.format !== HEADER) throw siraError('SIRA_ERR_MASTER_KEY_INVALID', `${this.path} is not a Sira keyring`);
        this.#next = Math.max(this.#next, o.next ?? 1);
        continue;
      }
      const l = o as WrappedKey;
      // A key already held keeps its unwrapped form: a running service need not know the master key that a
      // concurrent rotation re-wrapped it under (data keys themselves never change).
      const held = known.get(l.id);
      this.#byId.set(l.id, held !== undefined && held.scope === l.scope ? held : { scope: l.scope, key: createSecretKey(unwrapDataKey(this.#masters, l)) });
      this.#byScope.set(l.scope, l.id);
      this.#next = Math.max(this.#next, l.id + 1);
    }
    this.#ino = st.ino;
    this.#size = consumed;
  }

  /** Run `fn` holding the writers' lock (a file created exclusively; one older than 30 s is taken as stale). */
  #locked<T>(fn: () => T): T {
    const deadline = Date.now() + 10_000;
    let fd: number | undefined;
    while (fd === undefined) {
      try {
        fd = openSync(this.#lock, 'wx');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        try {
          if (Date.now() - statSync(this.#lock).mtimeMs > 30_000) unlinkSync(this.#lock);
        } catch {
          // the holder released it meanwhile: try again at once
        }
        if (Date.now() > deadline) throw siraError('SIRA_ERR_KEYRING_LOCKED', `${this.#lock} is held by another process`);
        Atomics.wait(sleepCell, 0, 0, 5);
      }
    }
    try {
      return fn();
    } finally {
      closeSync(fd);
      unlinkSync(this.#lock);
    }
  }

  /** Replace the file with the header and `lines` (new file, fsync, rename over, fsync the directory). */
  #rewrite(lines: WrappedKey[]): void {
    const tmp = `${this.path}.tmp`;
    const body = [JSON.stringify({ format: HEADER, v: 1, next: this.#next }), ...lines.map((l) => JSON.stringify(l))].join('\n') + '\n';
    writeFileSync(tmp, body, { mode: 0o600 });
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    const dfd = openSync(dirname(this.path), 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  }

  #lines(): WrappedKey[] {
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((s) => s !== '' && !s.startsWith('{"format"'))
      .map((s) => JSON.parse(s) as WrappedKey);
  }

  keyFor(scope: string): DataKey {
    const known = this.#byScope.get(scope);
    if (known !== undefined) return { id: known, key: this.#byId.get(known)!.key };
    return this.#locked(() => {
      this.#reload();
      const again = this.#byScope.get(scope);
      if (again !== undefined) return { id: again, key: this.#byId.get(again)!.key };
      const id = this.#next;
      const raw = randomBytes(32);
      // A torn line left by a writer that died mid-append (we hold the lock, so it is dead): cut it off first.
      if (statSync(this.path).size > this.#size) truncateSync(this.path, this.#size);
      const fd = openSync(this.path, 'a');
      try {
        writeSync(fd, JSON.stringify(wrapDataKey(this.#masters[0]!, id, scope, raw)) + '\n');
        fsyncSync(fd); // durable before any value is sealed under it
      } finally {
        closeSync(fd);
      }
      this.#reload();
      return { id, key: this.#byId.get(id)!.key };
    });
  }

  lookup(id: number): KeyObject | undefined {
    const hit = this.#byId.get(id);
    if (hit !== undefined) return hit.key;
    if (id >= this.#next) this.#reload(); // created by another process since our last read
    return this.#byId.get(id)?.key;
  }

  destroy(match: (scope: string) => boolean): number {
    return this.#locked(() => {
      this.#reload();
      const lines = this.#lines();
      const keep = lines.filter((l) => !match(l.scope));
      const n = lines.length - keep.length;
      if (n > 0) {
        this.#rewrite(keep);
        this.#reload();
      }
      return n;
    });
  }

  rewrap(progress?: (done: number, total: number) => void): number {
    return this.#locked(() => {
      this.#reload();
      const lines = this.#lines();
      const current = this.#masters[0]!;
      let n = 0;
      const out = lines.map((l, i) => {
        const fresh = l.kek === current.id ? l : wrapDataKey(current, l.id, l.scope, unwrapDataKey(this.#masters, l));
        if (fresh !== l) n++;
        progress?.(i + 1, lines.length);
        return fresh;
      });
      if (n > 0) this.#rewrite(out);
      this.#reload();
      return n;
    });
  }

  /** How many keys each master key (by id) wraps now. */
  wrappedBy(): Record<string, number> {
    return this.#locked(() => {
      const out: Record<string, number> = {};
      for (const l of this.#lines()) out[l.kek] = (out[l.kek] ?? 0) + 1;
      return out;
    });
  }

  scopes(): string[] {
    return [...this.#byScope.keys()];
  }

  refresh(): void {
    this.#reload();
  }
}
