/**
 * @module api/turn-pages
 * The one reading of `GET …/turns` for sessions and workspaces: the newest `last` turns, or a page in ascending seq
 * order with a cursor, as the JSON text the route sends.
 */
import { siraError } from '../core/errors.ts';
import type { Turn, TurnRange } from '../core/types.ts';
import { turnsResponseJson } from './wire.ts';

/** Turns per page when `limit` is not given (at most `maxPageSize`). */
export const DEFAULT_TURN_PAGE = 100;

/** The query of a turns read (validated by `TurnsQuerySchema`). */
export interface TurnsQuery {
  after_seq?: number;
  before_seq?: number;
  limit?: number;
  last?: number;
}

/**
 * The JSON text of `{turns, next_cursor}` for `query`, read with `read`; `next_cursor` is the last seq of a full
 * page that has more before `before_seq`. Throws SIRA_ERR_TURN_RANGE_INVALID when `last` is combined with a range.
 */
export async function turnsPage(query: TurnsQuery, maxPageSize: number, read: (range: TurnRange) => Promise<Turn[]>): Promise<string> {
  const { after_seq, before_seq, limit, last } = query;
  if (last !== undefined) {
    if (after_seq !== undefined || before_seq !== undefined || limit !== undefined) {
      throw siraError('SIRA_ERR_TURN_RANGE_INVALID', 'last cannot be combined with after_seq, before_seq or limit');
    }
    return turnsResponseJson(await read({ last }), null);
  }
  const pageSize = limit ?? Math.min(DEFAULT_TURN_PAGE, maxPageSize);
  const turns = await read({ after_seq, before_seq, limit: pageSize });
  const lastSeq = turns.at(-1)?.seq;
  const more = lastSeq !== undefined && turns.length === pageSize && (before_seq === undefined || lastSeq + 1 < before_seq);
  return turnsResponseJson(turns, more ? String(lastSeq) : null);
}
