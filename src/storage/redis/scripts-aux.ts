/**
 * @module storage/redis/scripts-aux
 * The Lua scripts outside the session record: index maintenance (conditional sorted-set removal, counter
 * increments), API keys and documents (profiles, experiences and other JSON documents with CAS versions).
 */
import { script } from './scripts.ts';

/** KEYS: a sorted set. ARGV: member, score. Removes the member only if its score is still the one seen. */
export const ZREM_IF_SCORE = script(
  'zrem_if_score',
  `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`,
  false,
);

/** KEYS: a hash. ARGV: field, delta, … → HINCRBY each (counters). */
export const HINCR_MANY = script(
  'hincr_many',
  `
for i = 1, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`,
  false,
);

/** KEYS: key record, key set. ARGV: hash, record (put) or hash (delete, with ARGV[2] = ''). */
export const API_KEY = script(
  'api_key',
  `
if ARGV[2] == '' then
  redis.call('SREM', KEYS[2], ARGV[1])
  return redis.call('DEL', KEYS[1])
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`,
  false,
);

/**
 * KEYS: docs hash, ids zset. ARGV: id, expected version ('' = any), record (storage/docs; its version field is
 * overwritten here). → {1, new version} or {0, current version} on a version mismatch.
 */
export const DOC_PUT = script(
  'doc_put',
  `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local v = 0
if cur then v = struct.unpack('<I4', cur) end
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= v then return {0, v} end
v = v + 1
redis.call('HSET', KEYS[1], ARGV[1], struct.pack('<I4', v) .. string.sub(ARGV[3], 5))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return {1, v}
`,
  false,
);

/** KEYS: docs hash, ids zset. ARGV: ids to delete. → {number deleted}. */
export const DOC_DEL = script(
  'doc_del',
  `
local n = 0
for i = 1, #ARGV do
  n = n + redis.call('HDEL', KEYS[1], ARGV[i])
  redis.call('ZREM', KEYS[2], ARGV[i])
end
return {n}
`,
  false,
);
