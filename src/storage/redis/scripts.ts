/**
 * @module storage/redis/scripts
 * The Lua scripts that make each session change atomic. A session script takes the session's keys in the order of
 * {@link SessionKeys} (all in one hash slot) and `ARGV[1]` = now on the injected clock (ms); write scripts also
 * take `ARGV[2]` = the garbage-collection base (real ms, see docs/internals.md) for PEXPIREAT. Scripts answer a
 * table whose first element is a status: `ok`, `nf` (session missing or expired), `exists`, `conflict`, `limit`,
 * `gone`, `live` or `purged`. Numbers travel as strings formatted with `%.17g` (exact for any double).
 *
 * Scripts are sent with EVALSHA and loaded with EVAL on NOSCRIPT (a fresh or restarted node, a failover).
 */
import { createHash } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import { siraError } from '../../core/errors.ts';

/** A client of either kind. */
export type RedisClient = Redis | Cluster;

/** A script with its SHA-1. */
export interface Script {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

const PRELUDE = `
local function fmt(x) return string.format('%.17g', x) end
local function expire_all(ttl, gc_base)
  if not ttl then return end
  local at = fmt(tonumber(gc_base) + tonumber(ttl) * 1000)
  for i = 1, 6 do redis.call('PEXPIREAT', KEYS[i], at) end
end
local function persist_all()
  for i = 1, 6 do redis.call('PERSIST', KEYS[i]) end
end
-- Slide the expiry (updated_at = now, expires_at = now + ttl, PEXPIREAT on every key), setting the session
-- fields in extra in the same HSET. Keys only ever get an expiry from a TTL, so without one there is nothing to
-- undo here (UPDATE, which can clear a TTL, persists the keys itself).
local function touch(now, ttl, gc_base, extra)
  local f = extra or {}
  f[#f + 1] = 'ua'
  f[#f + 1] = now
  if ttl then
    f[#f + 1] = 'exp'
    f[#f + 1] = fmt(tonumber(now) + tonumber(ttl) * 1000)
  end
  redis.call('HSET', KEYS[1], unpack(f))
  expire_all(ttl, gc_base)
end
-- Wake the subscribers of other instances: PUBLISH '<session hash tag> <event id>[ <type> <at> <data>]' on
-- '<key prefix>events' (a Cluster broadcasts it to every node). Only a wake-up: the stream stays the source of
-- truth, so a lost message costs latency (the hub's fallback poll), never an event; the event it carries is
-- delivered only to subscribers whose last id is the one before. Id 0: the session was purged.
local function wake(id, typ, now, data)
  local p, tag = string.match(KEYS[1], '^([^{]*){([^}]*)}')
  local msg = tag .. ' ' .. id
  if typ then msg = msg .. ' ' .. typ .. ' ' .. now .. ' ' .. data end
  redis.call('PUBLISH', p .. 'events', msg)
end
-- Append the session's next event (id = HINCRBY of field ev) to its stream with the explicit entry id
-- '<id>-0', trimming it to exactly the retention, which every write script takes as its last ARGV.
local function event(now, typ, data)
  local id = redis.call('HINCRBY', KEYS[1], 'ev', 1)
  redis.call('XADD', KEYS[6], 'MAXLEN', ARGV[#ARGV], fmt(id) .. '-0', 't', typ, 'at', now, 'd', data or '{}')
  wake(fmt(id), typ, now, data or '{}')
end
local function live(now)
  local f = redis.call('HMGET', KEYS[1], 'ca', 'exp', 'ttl', 'tc', 'sv')
  if not f[1] then return nil end
  if f[2] and tonumber(f[2]) <= tonumber(now) then return nil end
  return f
end
local function purge()
  local f = redis.call('HMGET', KEYS[1], 'ca', 'uid', 'exp', 'tc', 'rb', 'wb')
  local n = redis.call('HLEN', KEYS[5])
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
  wake('0')
  return {f[1] or '', f[2] or '', f[3] or '', f[4] or '0', tostring(n), f[5] or '0', f[6] or '0'}
end
`;

/** A script of `body` (after the session prelude unless `prelude` is false), with its SHA-1. */
export function script(name: string, body: string, prelude = true): Script {
  const lua = prelude ? `${PRELUDE}\n${body}` : body;
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * ARGV: now, gc, id, tenant, metadata JSON, user ('' = none), agent ('' = none), ttl seconds ('' = none), retention.
 * A live session with the id → {exists}. An expired one is purged first → {ok, <purge fields>}; else {ok}.
 */
export const CREATE = script(
  'create',
  `
local old = nil
if redis.call('EXISTS', KEYS[1]) == 1 then
  local exp = redis.call('HGET', KEYS[1], 'exp')
  if not exp or tonumber(exp) > tonumber(ARGV[1]) then return {'exists'} end
  old = purge()
else
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
end
local f = {'id', ARGV[3], 'tenant', ARGV[4], 'md', ARGV[5], 'ca', ARGV[1], 'ua', ARGV[1], 'tc', '0', 'sv', '0', 'rb', '0', 'wb', '0'}
if ARGV[6] ~= '' then f[#f + 1] = 'uid'; f[#f + 1] = ARGV[6] end
if ARGV[7] ~= '' then f[#f + 1] = 'aid'; f[#f + 1] = ARGV[7] end
local ttl = false
if ARGV[8] ~= '' then
  ttl = ARGV[8]
  f[#f + 1] = 'ttl'; f[#f + 1] = ttl
  f[#f + 1] = 'exp'; f[#f + 1] = fmt(tonumber(ARGV[1]) + tonumber(ttl) * 1000)
end
redis.call('HSET', KEYS[1], unpack(f))
event(ARGV[1], 'session.created')
expire_all(ttl, ARGV[2])
if old then return {'ok', unpack(old)} end
return {'ok'}
`,
);

/**
 * ARGV: now, gc, then an (op, value) pair for each of uid, aid, md, ttl: op `k` keeps, `d` clears, `s` sets; retention.
 * Slides the expiry. → {ok, previous uid or '', <the new session hash, flat>} or {nf}.
 */
export const UPDATE = script(
  'update',
  `
if not live(ARGV[1]) then return {'nf'} end
local olduid = redis.call('HGET', KEYS[1], 'uid') or ''
local names = {'uid', 'aid', 'md', 'ttl'}
for i = 1, 4 do
  local op = ARGV[1 + 2 * i]
  if op == 's' then redis.call('HSET', KEYS[1], names[i], ARGV[2 + 2 * i])
  elseif op == 'd' then redis.call('HDEL', KEYS[1], names[i]) end
end
event(ARGV[1], 'session.updated')
local ttl = redis.call('HGET', KEYS[1], 'ttl')
if not ttl then
  redis.call('HDEL', KEYS[1], 'exp')
  persist_all()
end
touch(ARGV[1], ttl, ARGV[2])
return {'ok', olduid, unpack(redis.call('HGETALL', KEYS[1]))}
`,
);

/** ARGV: now. → {ok, live 1|0, <purge fields>} (the session was there, expired or not) or {nf}. */
export const DELETE = script(
  'delete',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'nf'} end
local exp = redis.call('HGET', KEYS[1], 'exp')
local alive = '0'
if not exp or tonumber(exp) > tonumber(ARGV[1]) then alive = '1' end
return {'ok', alive, unpack(purge())}
`,
);

/**
 * The sweeper's step for one expiry entry. ARGV: now, created_at of the entry. → {gone} (no such incarnation),
 * {live, expires_at or ''} (moved on: re-score the entry) or {purged, <purge fields>}.
 */
export const SWEEP_ONE = script(
  'sweep_one',
  `
local f = redis.call('HMGET', KEYS[1], 'ca', 'exp')
if not f[1] or f[1] ~= ARGV[2] then return {'gone'} end
if not f[2] then return {'live', ''} end
if tonumber(f[2]) > tonumber(ARGV[1]) then return {'live', f[2]} end
return {'purged', unpack(purge())}
`,
);

/**
 * ARGV: now, gc, n, text raw bytes, stored bytes, record 1 … record n, retention. Assigns seqs turn_count + 1 … and slides
 * the expiry. → {ok, first seq, created_at} or {nf}.
 */
export const APPEND = script(
  'append',
  `
local f = live(ARGV[1])
if not f then return {'nf'} end
local tc = tonumber(f[4])
local n = tonumber(ARGV[3])
local i = 1
while i <= n do
  local j = math.min(n, i + 499)
  local args = {}
  for k = i, j do
    args[#args + 1] = fmt(tc + k)
    args[#args + 1] = ARGV[5 + k]
  end
  redis.call('HSET', KEYS[2], unpack(args))
  i = j + 1
end
redis.call('HINCRBY', KEYS[1], 'rb', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'wb', ARGV[5])
event(ARGV[1], 'turns.appended', '{"first_seq":' .. fmt(tc + 1) .. ',"count":' .. fmt(n) .. '}')
touch(ARGV[1], f[3], ARGV[2], {'tc', fmt(tc + n)})
return {'ok', fmt(tc + 1), f[1]}
`,
);

/**
 * Read-only; KEYS: session, turns. ARGV: now, mode (`last` | `range`), last N or after_seq, before_seq, limit
 * ('' = absent), and the tail-cache version the caller holds (`created_at:turn_count`, or ''). → {cached} when that
 * version is current (the caller serves the range from its cache), else {ok, first seq, created_at, turn_count,
 * record …}; {nf} when the session is missing or expired.
 */
export const GET_TURNS = script(
  'get_turns',
  `
local f = redis.call('HMGET', KEYS[1], 'ca', 'exp', 'tc')
if not f[1] or (f[2] and tonumber(f[2]) <= tonumber(ARGV[1])) then return {'nf'} end
if ARGV[6] ~= '' and ARGV[6] == f[1] .. ':' .. f[3] then return {'cached'} end
local tc = tonumber(f[3])
local from, to
if ARGV[2] == 'last' then
  to = tc
  from = math.max(1, tc - tonumber(ARGV[3]) + 1)
else
  from = math.max(1, (tonumber(ARGV[3]) or 0) + 1)
  to = tc
  if ARGV[4] ~= '' then to = math.min(to, tonumber(ARGV[4]) - 1) end
  if ARGV[5] ~= '' then to = math.min(to, from + tonumber(ARGV[5]) - 1) end
end
local out = {'ok', fmt(from), f[1], f[3]}
local i = from
while i <= to do
  local j = math.min(to, i + 999)
  local fields = {}
  for s = i, j do fields[#fields + 1] = fmt(s) end
  local recs = redis.call('HMGET', KEYS[2], unpack(fields))
  for k = 1, #recs do out[#out + 1] = recs[k] end
  i = j + 1
end
return out
`,
);

/** Read-only; KEYS: session, state. ARGV: now. → {ok, version, updated_at, value JSON} (0, 0, {} if never written) or {nf}. */
export const GET_STATE = script(
  'get_state',
  `
if not live(ARGV[1]) then return {'nf'} end
local st = redis.call('HMGET', KEYS[2], 'v', 'at', 'val')
return {'ok', st[1] or '0', st[2] or '0', st[3] or '{}'}
`,
);

/**
 * ARGV: now, gc, expected version ('' = any), value JSON, retention. Writes version + 1 only if the current version is the
 * expected one. → {ok, new version}, {conflict, current version} or {nf}.
 */
export const PUT_STATE = script(
  'put_state',
  `
local f = live(ARGV[1])
if not f then return {'nf'} end
local v = tonumber(f[5]) or 0
if ARGV[3] ~= '' and tonumber(ARGV[3]) ~= v then return {'conflict', fmt(v)} end
v = v + 1
redis.call('HSET', KEYS[3], 'v', fmt(v), 'at', ARGV[1], 'val', ARGV[4])
event(ARGV[1], 'state.changed', '{"version":' .. fmt(v) .. '}')
touch(ARGV[1], f[3], ARGV[2], {'sv', fmt(v)})
return {'ok', fmt(v)}
`,
);

/** ARGV: now, gc, name, record, record header, tensor limit, retention. → {ok, 1 if new else 0}, {limit} or {nf}. */
export const PUT_TENSOR = script(
  'put_tensor',
  `
local f = live(ARGV[1])
if not f then return {'nf'} end
local fresh = redis.call('HEXISTS', KEYS[5], ARGV[3]) == 0
if fresh and redis.call('HLEN', KEYS[5]) >= tonumber(ARGV[6]) then return {'limit'} end
redis.call('HSET', KEYS[4], ARGV[3], ARGV[4])
redis.call('HSET', KEYS[5], ARGV[3], ARGV[5])
if string.sub(ARGV[3], 1, 1) ~= '_' then event(ARGV[1], 'tensor.written', cjson.encode({name = ARGV[3]})) end
touch(ARGV[1], f[3], ARGV[2])
if fresh then return {'ok', '1'} end
return {'ok', '0'}
`,
);

/** Read-only; KEYS: session, tensors (or tinfo). ARGV: now, name. → {ok, record or nil} or {nf}. */
export const GET_FIELD = script(
  'get_field',
  `
if not live(ARGV[1]) then return {'nf'} end
return {'ok', redis.call('HGET', KEYS[2], ARGV[2])}
`,
);

/** Read-only; KEYS: session, tinfo. ARGV: now. → {ok, {name, header, …}} or {nf}. */
export const GET_ALL = script(
  'get_all',
  `
if not live(ARGV[1]) then return {'nf'} end
return {'ok', redis.call('HGETALL', KEYS[2])}
`,
);

/** ARGV: now, gc, name, retention. → {ok, 1 if removed else 0} or {nf}; slides the expiry only when it removed one. */
export const DELETE_TENSOR = script(
  'delete_tensor',
  `
local f = live(ARGV[1])
if not f then return {'nf'} end
local n = redis.call('HDEL', KEYS[4], ARGV[3])
redis.call('HDEL', KEYS[5], ARGV[3])
if n == 1 then
  event(ARGV[1], 'tensor.deleted', cjson.encode({name = ARGV[3]}))
  touch(ARGV[1], f[3], ARGV[2])
end
return {'ok', tostring(n)}
`,
);

/**
 * Read-only; KEYS: session, events. ARGV: now, after id, limit. → {ok, last id, (id, type, at, data JSON) …},
 * {gap, first retained id} when events after the id were trimmed, or {nf}.
 */
export const READ_EVENTS = script(
  'read_events',
  `
local f = redis.call('HMGET', KEYS[1], 'ca', 'exp', 'ev')
if not f[1] or (f[2] and tonumber(f[2]) <= tonumber(ARGV[1])) then return {'nf'} end
local last = tonumber(f[3] or '0')
local after = tonumber(ARGV[2])
local first = last + 1
local head = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
if #head > 0 then first = tonumber(string.match(head[1][1], '^(%d+)')) end
if after + 1 < first then return {'gap', fmt(first)} end
local out = {'ok', fmt(last)}
local page = redis.call('XRANGE', KEYS[2], fmt(after + 1) .. '-0', '+', 'COUNT', ARGV[3])
for i = 1, #page do
  local e = page[i]
  local h = {}
  for j = 1, #e[2], 2 do h[e[2][j]] = e[2][j + 1] end
  out[#out + 1] = string.match(e[1], '^(%d+)')
  out[#out + 1] = h['t']
  out[#out + 1] = h['at']
  out[#out + 1] = h['d']
end
return out
`,
);

/** A script argument: strings, numbers and bytes (sent as they are, never base64). */
export type ScriptArg = string | number | Buffer;

/** Bytes as a Buffer sharing their memory (no copy). */
export function buf(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/**
 * Run `s` with EVALSHA; on NOSCRIPT (not loaded on that node yet) send it once with EVAL, which also loads it.
 * Bulk replies come back as Buffers, integers as numbers.
 */
export async function runScript(client: RedisClient, s: Script, keys: readonly string[], args: readonly ScriptArg[], wait?: ReplicaWait): Promise<unknown[]> {
  if (wait !== undefined) return runScriptReplicated(client, s, keys, args, wait);
  try {
    return (await client.callBuffer('EVALSHA', s.sha, keys.length, ...keys, ...args)) as unknown[];
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return (await client.callBuffer('EVAL', s.lua, keys.length, ...keys, ...args)) as unknown[];
  }
}

/** `WAIT numreplicas timeout` after a write (durability `replicated`). */
export interface ReplicaWait {
  /** Replicas that must acknowledge the write. */
  replicas: number;
  /** Longest wait in ms. */
  timeoutMs: number;
}

/**
 * {@link runScript}, then `WAIT` in the same pipeline: a Cluster pipeline goes whole to the node that owns the keys'
 * slot, on one connection, so WAIT counts the replicas that acknowledged this script's effects (WAIT covers every
 * write sent before it on its connection). Throws SIRA_ERR_STORE_NOT_REPLICATED when fewer replicas acknowledged
 * in time: the write is applied on the master but may be lost if it fails now.
 */
async function runScriptReplicated(client: RedisClient, s: Script, keys: readonly string[], args: readonly ScriptArg[], wait: ReplicaWait): Promise<unknown[]> {
  const once = async (cmd: 'EVALSHA' | 'EVAL'): Promise<unknown[]> => {
    const res = await client
      .pipeline()
      .callBuffer(cmd, cmd === 'EVALSHA' ? s.sha : s.lua, keys.length, ...keys, ...args)
      .call('WAIT', wait.replicas, wait.timeoutMs)
      .exec();
    const [script, acked] = res ?? [];
    if (script === undefined || acked === undefined) throw new Error('redis: the pipeline was discarded');
    if (script[0] !== null) throw script[0];
    if (acked[0] !== null) throw acked[0];
    if (Number(acked[1]) < wait.replicas) {
      throw siraError('SIRA_ERR_STORE_NOT_REPLICATED', `${String(acked[1])} of ${wait.replicas} replicas acknowledged the write within ${wait.timeoutMs} ms`, {
        details: { replicas_acknowledged: Number(acked[1]), replicas_required: wait.replicas },
      });
    }
    return script[1] as unknown[];
  };
  for (let redirects = 0; ; redirects++) {
    try {
      try {
        return await once('EVALSHA');
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        return await once('EVAL');
      }
    } catch (err) {
      // ioredis follows MOVED for a pipeline only when every command in it failed alike; WAIT (keyless) answers
      // anyway, so after a failover or resharding the redirect comes back here: refresh the slot map, go again.
      if (!(client instanceof Cluster) || !(err instanceof Error) || !err.message.startsWith('MOVED') || redirects >= 2) throw err;
      await new Promise<void>((resolve) => client.refreshSlotsCache(() => resolve()));
    }
  }
}
