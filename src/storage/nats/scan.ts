/**
 * @module storage/nats/scan
 * Reads across sessions: every head of a tenant (listing) or of the deployment (sweep, stats). There is no
 * secondary index: a scan lists the heads bucket's keys (one ordered consumer, headers only) and reads the heads
 * in parallel windows. That is O(sessions) per call, fine for thousands of sessions per tenant and the
 * sweeper's period; an index bucket is the step after (docs/internals.md).
 */
import type { KvEntry } from '@nats-io/kv';
import { siraError } from '../../core/errors.ts';
import type { Page, Session } from '../../core/types.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { ListSessionsOptions } from '../store.ts';
import type { Bucket } from './blobs.ts';
import { isLive, type Head } from './head.ts';
import { parseHeadKey, token } from './keys.ts';

/** A head read by a scan, with its KV revision. */
export interface ScannedHead {
  tenant: string;
  id: string;
  head: Head;
  rev: number;
}

/** Decode a head entry; undefined for a delete marker. */
export function headOf(e: KvEntry | null): { head: Head; rev: number } | { head: undefined; rev: number } {
  if (e === null) return { head: undefined, rev: 0 };
  if (e.operation !== 'PUT') return { head: undefined, rev: e.revision };
  return { head: e.json<Head>(), rev: e.revision };
}

/** Every head under the key filter (`>` or `<tenant>.>`). */
export async function scanHeads(heads: Bucket, filter: string): Promise<ScannedHead[]> {
  // A Set: the listing is an ordered consumer, which can repeat keys when it is recreated midway.
  const seen = new Set<string>();
  // Only head keys: the bucket also holds the fence's barrier key (./fence.ts).
  for await (const k of await heads.kv.keys(filter)) if (parseHeadKey(k) !== undefined) seen.add(k);
  const keys = [...seen];
  const out: ScannedHead[] = [];
  for (let i = 0; i < keys.length; i += 128) {
    const got = await Promise.all(keys.slice(i, i + 128).map((k) => heads.kv.get(k)));
    got.forEach((e, j) => {
      const who = parseHeadKey(keys[i + j]!);
      const h = headOf(e);
      if (who !== undefined && h.head !== undefined) out.push({ ...who, head: h.head, rev: h.rev });
    });
  }
  return out;
}

/** Live sessions of a tenant, newest first (created_at, then id, descending), paged. */
export async function listSessions(heads: Bucket, tenant: string, opts: ListSessionsOptions, now: number): Promise<Page<Session>> {
  const limit = opts.limit ?? 100;
  let after: [number, string] | undefined;
  if (opts.cursor !== undefined) {
    const c = decodeCursor(opts.cursor);
    if (!Array.isArray(c) || c.length !== 2 || typeof c[0] !== 'number' || typeof c[1] !== 'string') throw siraError('SIRA_ERR_CURSOR_INVALID');
    after = [c[0], c[1]];
  }
  const before = (s: Session): boolean =>
    after === undefined || s.created_at < after[0] || (s.created_at === after[0] && s.id < after[1]);
  const all = (await scanHeads(heads, `${token(tenant)}.>`))
    .filter((x) => x.tenant === tenant && isLive(x.head, now) && (opts.user_id === undefined || x.head.s.user_id === opts.user_id))
    .map((x) => x.head.s)
    .filter(before)
    .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const items = all.slice(0, limit);
  const last = items[items.length - 1];
  return { items, cursor: all.length > limit && last !== undefined ? encodeCursor([last.created_at, last.id]) : null };
}
