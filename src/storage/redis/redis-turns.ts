/**
 * @module storage/redis/redis-turns
 * A session's log on Redis: turns appended by one script (sealed first when sealing is on), read by range with
 * the tail cache's version offered to the script (which answers `cached` when it is still current), and the
 * event log read by id.
 */
import { siraError } from '../../core/errors.ts';
import type { JsonObject, NewTurn, SessionEvent, SessionEventType, Turn, TurnRange } from '../../core/types.ts';
import { decodeTurn, encodeTurn } from '../codec/turn.ts';
import { appendedTurns, eventsGap, sessionKey, turnTextBytes } from '../session-records.ts';
import type { EventPage } from '../store.ts';
import { tailVersion } from '../tail-cache.ts';
import type { RedisCore } from './redis-core.ts';
import { span, str } from './replies.ts';
import * as S from './scripts.ts';

/** {@link Store.appendTurns} on Redis. */
export async function appendTurns(c: RedisCore, tenant: string, sessionId: string, turns: NewTurn[]): Promise<Turn[]> {
  const now = c.clock();
  const records = turns.map((t) => encodeTurn(t, now, c.compressMin));
  const { raw, stored } = turnTextBytes(records);
  const reply = await c.write(S.APPEND, c.sk(tenant, sessionId), [
    String(now),
    c.gc(),
    String(records.length),
    String(raw),
    String(stored),
    ...(await Promise.all(records.map((r) => c.seal(tenant, 'turns', r)))).map(S.buf),
    c.retention,
  ]);
  if (str(reply[0]) === 'nf') throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
  const first = Number(str(reply[1]));
  const createdAt = Number(str(reply[2]));
  c.count({ turns: records.length, text_raw: raw, text_stored: stored });
  const out = appendedTurns(turns, first, now);
  // After the script: the cache only ever holds acknowledged turns, as their plain records (it copies them).
  c.tail?.appended(sessionKey(tenant, sessionId), tailVersion(createdAt, first - 1), tailVersion(createdAt, first - 1 + out.length), first, records);
  return out;
}

/** {@link Store.getTurns} on Redis; `useCache` false reads through (after the cache moved under a `cached` answer). */
export async function getTurns(c: RedisCore, tenant: string, sessionId: string, range: TurnRange, useCache: boolean): Promise<Turn[] | undefined> {
  const k = c.k.session(tenant, sessionId);
  const key = sessionKey(tenant, sessionId);
  // Offer the cached version when the cache would cover the range at that version; Redis says whether it is current.
  const entry = useCache ? c.tail?.peek(key) : undefined;
  let hint = '';
  let want: [number, number] = [0, -1];
  if (entry !== undefined) {
    want = span(range, Number(entry.version.slice(entry.version.indexOf(':') + 1)));
    if (want[0] <= want[1] && want[0] >= entry.first) hint = entry.version;
  }
  const opt = (n: number | undefined) => (n === undefined ? '' : String(n));
  const args =
    'last' in range
      ? [String(c.clock()), 'last', String(range.last), '', '', hint]
      : [String(c.clock()), 'range', opt(range.after_seq), opt(range.before_seq), opt(range.limit), hint];
  const reply = await c.run(S.GET_TURNS, [k.session, k.turns], args);
  const status = str(reply[0]);
  if (status === 'nf') return undefined;
  if (status === 'cached') {
    // Another call of this process may have moved the entry meanwhile: then read through.
    return c.tail?.range(key, hint, want[0], want[1]) ?? getTurns(c, tenant, sessionId, range, false);
  }
  const first = Number(str(reply[1]));
  const turnCount = Number(str(reply[3]));
  const out: Turn[] = [];
  const records: Uint8Array[] = [];
  for (let i = 4; i < reply.length; i++) {
    const rec = reply[i];
    const seq = first + i - 4;
    if (!Buffer.isBuffer(rec)) throw siraError('SIRA_ERR_CODEC_CORRUPT', `turn ${seq} of session ${sessionId} is missing`);
    const plain = c.sealer?.openedTurn(rec) ?? (await c.open('turns', rec));
    if (plain === undefined) return undefined; // the tenant's key was destroyed: erased
    out.push(decodeTurn(plain, seq));
    records.push(plain);
  }
  if (out.length > 0 && first + out.length - 1 === turnCount) c.tail?.filled(key, tailVersion(Number(str(reply[2])), turnCount), first, records);
  return out;
}

/** {@link Store.readEvents} on Redis. */
export async function readEvents(c: RedisCore, tenant: string, sessionId: string, afterId: number, limit: number): Promise<EventPage | undefined> {
  const k = c.k.session(tenant, sessionId);
  const reply = await c.run(S.READ_EVENTS, [k.session, k.events], [String(c.clock()), String(afterId), String(limit)]);
  const status = str(reply[0]);
  if (status === 'nf') return undefined;
  if (status === 'gap') throw eventsGap(afterId, Number(str(reply[1])));
  const events: SessionEvent[] = [];
  for (let i = 2; i + 3 < reply.length; i += 4) {
    events.push({
      id: Number(str(reply[i])),
      type: str(reply[i + 1]) as SessionEventType,
      session_id: sessionId,
      at: Number(str(reply[i + 2])),
      data: JSON.parse(str(reply[i + 3])) as JsonObject,
    });
  }
  return { events, last_id: Number(str(reply[1])) };
}
