/**
 * @module memory/context/session-turns
 * The turns a context request is built from, read incrementally. A stored turn never changes once appended (seqs
 * are dense and immutable; deleting or re-creating a session changes its `created_at`), so the newest turns an
 * earlier request read stay in the session's {@link TurnCache} entry and only the turns appended since are read and
 * decoded: a 600-turn session costs one session read and a short range read per request instead of decoding all 600.
 */
import type { Session, Turn } from '../../core/types.ts';
import type { Store } from '../../storage/store.ts';
import type { TurnCache } from './analysis.ts';

/**
 * The session and its newest `max` turns (ascending), or undefined when the session is missing or expired. The
 * turns are shared with the cache: callers must not change them.
 */
export async function contextTurns(store: Store, tenant: string, sessionId: string, max: number, cache: TurnCache): Promise<{ session: Session; turns: Turn[] } | undefined> {
  const session = await store.getSession(tenant, sessionId);
  if (session === undefined) return undefined;
  const entries = cache.session({ tenant, session: sessionId });
  const to = session.turn_count;
  const from = Math.max(1, to - max + 1);
  const cached = entries.window;
  const usable = cached !== undefined && cached.createdAt === session.created_at && cached.turns.length > 0 && cached.turns[0]!.seq <= from && cached.turns.at(-1)!.seq <= to;
  const kept = usable ? cached.turns.filter((t) => t.seq >= from) : [];
  const have = kept.length > 0 ? kept.at(-1)!.seq : from - 1;
  let fresh: Turn[] = [];
  if (have < to) {
    // `limit` stops the read at `to` even when turns are appended meanwhile: the window matches the session read.
    const read = await store.getTurns(tenant, sessionId, { after_seq: have, limit: to - have });
    if (read === undefined) return undefined;
    fresh = read;
  }
  const turns = fresh.length === 0 ? kept : kept.concat(fresh);
  entries.window = { createdAt: session.created_at, turns };
  return { session, turns: [...turns] };
}
