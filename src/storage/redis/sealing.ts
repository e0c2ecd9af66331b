/**
 * @module storage/redis/sealing
 * Value sealing on Redis: one data key per tenant (AES-256-GCM, storage/crypto/envelope), wrapped by the master key
 * and kept in Redis itself, in the hash `<prefix>{keyring}` (`s:<scope>` → key id, `k:<id>` → the wrapped key,
 * `next` → the id counter), so every instance shares them. Deleting a field is real on the server (RDB/AOF
 * copies are the operator's, as for all data). Sealed: turn records, state values, tensor records, document
 * values and session metadata (as `~` + base64, the session hash being text). Plain: ids, counters, tensor
 * headers (dtype, shape) and event records. A value without the seal's magic byte is read as plain, so a store
 * written before sealing was turned on stays readable. Opened turn records are cached by their GCM tag
 * (storage/crypto/opened-values) and the cache is emptied whenever a session is deleted, swept or erased.
 */
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { openValue, SEAL_MAGIC, SEAL_OVERHEAD, sealValue } from '../crypto/envelope.ts';
import { tenantScope, unwrapDataKey, wrapDataKey, type WrappedKey } from '../crypto/keyring.ts';
import type { MasterKey } from '../crypto/master-key.ts';
import { OpenedValues } from '../crypto/opened-values.ts';
import type { KeySpace } from './keys.ts';
import type { RedisClient } from './scripts.ts';

const AAD: Record<string, Buffer> = Object.fromEntries(['sessions', 'turns', 'state', 'tensors', 'docs'].map((n) => [n, Buffer.from(n)]));

/** True when `raw` is a sealed value: the magic byte and a length that matches (a plain value may start with 0xE5). */
const isSealed = (raw: Buffer): boolean => raw.byteLength >= SEAL_OVERHEAD && raw[0] === SEAL_MAGIC && raw.readUInt32LE(5) + SEAL_OVERHEAD === raw.byteLength;
/** The cache key of a sealed value: its GCM tag. */
const tagOf = (sealed: Buffer): string => sealed.toString('latin1', sealed.byteLength - 16);

/** Seals and opens values of one Redis store under per-tenant data keys. */
export class RedisSealer {
  readonly #r: RedisClient;
  readonly #ring: string;
  readonly #masters: MasterKey[];
  readonly #byScope = new Map<string, { id: number; key: KeyObject }>();
  readonly #byId = new Map<number, KeyObject | null>();
  readonly #opened: OpenedValues;

  /** `openedTurnBytes`: bytes of opened turn records kept in memory (0 = none). */
  constructor(client: RedisClient, keys: KeySpace, masters: MasterKey[], openedTurnBytes = 32 * 1024 * 1024) {
    this.#opened = new OpenedValues(openedTurnBytes);
    this.#r = client;
    this.#ring = `${keys.prefix}{keyring}`;
    this.#masters = masters;
  }

  async #keyFor(tenant: string): Promise<{ id: number; key: KeyObject }> {
    const scope = tenantScope(tenant);
    const held = this.#byScope.get(scope);
    if (held !== undefined) return held;
    for (;;) {
      const known = await this.#r.hget(this.#ring, `s:${scope}`);
      if (known !== null) {
        const key = await this.lookup(Number(known));
        if (key !== undefined) {
          const k = { id: Number(known), key };
          this.#byScope.set(scope, k);
          return k;
        }
      }
      const id = await this.#r.hincrby(this.#ring, 'next', 1);
      const raw = randomBytes(32);
      await this.#r.hset(this.#ring, `k:${id}`, JSON.stringify(wrapDataKey(this.#masters[0]!, id, scope, raw)));
      // Two instances may race for a tenant's first key: the first to claim the scope wins, the loser's key is unused.
      if ((await this.#r.hsetnx(this.#ring, `s:${scope}`, String(id))) === 1) {
        const k = { id, key: createSecretKey(raw) };
        this.#byScope.set(scope, k);
        this.#byId.set(id, k.key);
        return k;
      }
      await this.#r.hdel(this.#ring, `k:${id}`);
    }
  }

  /** The data key with this id, or undefined when it was destroyed. */
  async lookup(id: number): Promise<KeyObject | undefined> {
    const held = this.#byId.get(id);
    if (held !== undefined) return held ?? undefined;
    const w = await this.#r.hget(this.#ring, `k:${id}`);
    const key = w === null ? null : createSecretKey(unwrapDataKey(this.#masters, JSON.parse(w) as WrappedKey));
    if (key !== null) this.#byId.set(id, key);
    return key ?? undefined;
  }

  /** `plain` sealed under the tenant's key (a new buffer). */
  async seal(tenant: string, what: string, plain: Uint8Array): Promise<Buffer> {
    const { id, key } = await this.#keyFor(tenant);
    const sealed = sealValue(id, key, plain, AAD[what]!);
    if (what === 'turns') this.#opened.set(tagOf(sealed), sealed, Buffer.from(plain));
    return sealed;
  }

  /**
   * The cached plaintext of a sealed turn record (the cache's buffer: do not modify it), or undefined: then
   * {@link open} it. Synchronous, so a read of many cached turns does not wait once per record.
   */
  openedTurn(raw: Buffer): Buffer | undefined {
    if (!isSealed(raw) || (this.#byId.get(raw.readUInt32LE(1)) ?? null) === null) return undefined;
    return this.#opened.get(tagOf(raw), raw);
  }

  /** Forget every opened record (a session was deleted, swept or erased: no plaintext of it stays in memory). */
  forgetOpened(): void {
    this.#opened.clear();
  }

  /** The plaintext of a stored value (as is when it is not sealed), or undefined when its key was destroyed. */
  async open(what: string, raw: Buffer): Promise<Buffer | undefined> {
    // Not sealed (written before sealing was on): no magic, or a length that does not match (a plain binary value
    // whose first byte happens to be 0xE5).
    if (!isSealed(raw)) return raw;
    const id = raw.readUInt32LE(1);
    const key = await this.lookup(id);
    if (key === undefined) return undefined;
    const plain = openValue(raw, () => key, AAD[what]!);
    if (what === 'turns' && plain !== undefined) this.#opened.set(tagOf(raw), raw, plain);
    return plain;
  }

  /** Text sealed as `~` + base64 (for fields of a text hash). */
  async sealText(tenant: string, what: string, text: string): Promise<string> {
    return `~${(await this.seal(tenant, what, Buffer.from(text, 'utf8'))).toString('base64')}`;
  }

  /** The text of a field written by {@link sealText} (as is when it is not sealed); undefined when its key is gone. */
  async openText(what: string, s: string): Promise<string | undefined> {
    if (!s.startsWith('~')) return s;
    return (await this.open(what, Buffer.from(s.slice(1), 'base64')))?.toString('utf8');
  }

  /** Destroy the tenant's data key; returns how many keys were destroyed (0 or 1). */
  async destroy(tenant: string): Promise<number> {
    const scope = tenantScope(tenant);
    const id = await this.#r.hget(this.#ring, `s:${scope}`);
    this.#byScope.delete(scope);
    this.#opened.clear();
    if (id === null) return 0;
    this.#byId.set(Number(id), null);
    return (await this.#r.hdel(this.#ring, `s:${scope}`, `k:${id}`)) > 0 ? 1 : 0;
  }

  /** Re-wrap every data key not yet under the current master key; `progress(done, total)` after each. */
  async rewrap(progress?: (done: number, total: number) => void): Promise<number> {
    const all = await this.#r.hgetall(this.#ring);
    const entries = Object.entries(all).filter(([f]) => f.startsWith('k:'));
    let n = 0;
    for (let i = 0; i < entries.length; i++) {
      const [field, text] = entries[i]!;
      const w = JSON.parse(text) as WrappedKey;
      if (w.kek !== this.#masters[0]!.id) {
        await this.#r.hset(this.#ring, field, JSON.stringify(wrapDataKey(this.#masters[0]!, w.id, w.scope, unwrapDataKey(this.#masters, w))));
        n++;
      }
      progress?.(i + 1, entries.length);
    }
    return n;
  }
}
