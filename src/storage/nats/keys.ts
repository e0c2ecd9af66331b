/**
 * @module storage/nats/keys
 * Key layout in the KV buckets. A KV key is dot-separated tokens of `[-/_=A-Za-z0-9]`; tenant and session ids
 * may also hold `.` and `:`, so a token is the id itself when it has neither, else `=` and the id's UTF-8 bytes
 * in hex (plain ids never start with `=`, so the two forms cannot collide). Document ids are always hex: the hex
 * of UTF-8 bytes sorts like the bytes, which is the order {@link Store.listDocs} pages in.
 *
 * - heads bucket: `<tenant>.<session>` → the session head (./head.ts), the commit point of every change.
 * - data bucket: `t.<tenant>.<session>.<gen>.<seq>` turn records, `e.….<gen>.<id>` events, `b.….<gen>.<write>`
 *   pending turn batches, `x.….<gen>.<write>` tensor records (each a blob: ./blobs.ts).
 * - docs bucket: `<tenant>.<collection>.<hex id>`; keys bucket: `h.<sha256 hex>` → API key record.
 */

/** The KV token for an id. */
export function token(id: string): string {
  return /^[A-Za-z0-9_-]+$/.test(id) ? id : `=${Buffer.from(id, 'utf8').toString('hex')}`;
}

/** The id a {@link token} stands for. */
export function untoken(tok: string): string {
  return tok.startsWith('=') ? Buffer.from(tok.slice(1), 'hex').toString('utf8') : tok;
}

/** Hex of the UTF-8 bytes (document ids). */
export const hexId = (id: string): string => Buffer.from(id, 'utf8').toString('hex');
/** Inverse of {@link hexId}. */
export const unhexId = (hex: string): string => Buffer.from(hex, 'hex').toString('utf8');

/** The head key of a session. */
export const headKey = (tenant: string, id: string): string => `${token(tenant)}.${token(id)}`;

/** Parse a head key back into (tenant, session id); undefined when it is not one. */
export function parseHeadKey(key: string): { tenant: string; id: string } | undefined {
  const parts = key.split('.');
  return parts.length === 2 ? { tenant: untoken(parts[0]!), id: untoken(parts[1]!) } : undefined;
}

/** Data keys of one generation of a session (a generation starts at every create). */
export class GenKeys {
  readonly #base: string;
  constructor(tenant: string, id: string, gen: string) {
    this.#base = `${token(tenant)}.${token(id)}.${gen}`;
  }
  turn(seq: number): string {
    return `t.${this.#base}.${seq}`;
  }
  event(id: number): string {
    return `e.${this.#base}.${id}`;
  }
  batch(write: string): string {
    return `b.${this.#base}.${write}`;
  }
  tensor(write: string): string {
    return `x.${this.#base}.${write}`;
  }
  /** Subject filters (inside the data bucket) covering every key of this generation. */
  filters(): string[] {
    return ['t', 'e', 'b', 'x'].map((k) => `${k}.${this.#base}.>`);
  }
  /** Filter of this generation's events. */
  eventFilter(): string {
    return `e.${this.#base}.>`;
  }
}
