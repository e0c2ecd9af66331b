/**
 * @module storage/redis/connect
 * Store URLs and Redis clients: `redis://[user:pass@]host:port[/db]` (or `rediss://` for TLS) is one standalone
 * server; `redis-cluster://[user:pass@]host:port,host:port,…` is a Cluster reached through any of its seed nodes.
 */
import { Cluster, Redis } from 'ioredis';
import { siraError } from '../../core/errors.ts';
import type { RedisClient } from './scripts.ts';

/** Where a Redis store lives. */
export type RedisTarget =
  | { kind: 'standalone'; url: string }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; username?: string; password?: string };

/** True when `store` names a Redis backend (rather than `lmdb`). */
export function isRedisUrl(store: string): boolean {
  return /^(rediss?|redis-cluster):\/\//.test(store);
}

/** Parse a store URL; throws SIRA_ERR_CONFIG_INVALID when it is not one of the two forms. */
export function parseRedisUrl(store: string): RedisTarget {
  const bad = (why: string) => siraError('SIRA_ERR_CONFIG_INVALID', `invalid store URL ${redactUrl(store)}: ${why}`);
  if (/^rediss?:\/\//.test(store)) {
    let u: URL;
    try {
      u = new URL(store);
    } catch {
      throw bad('not a URL');
    }
    if (u.hostname === '') throw bad('no host');
    if (u.pathname !== '' && u.pathname !== '/' && !/^\/\d+$/.test(u.pathname)) throw bad('the path must be a database number');
    return { kind: 'standalone', url: store };
  }
  const m = /^redis-cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/@]+)\/?$/.exec(store);
  if (m === null) throw bad('expected redis-cluster://host:port,host:port');
  const nodes = m[3]!.split(',').map((hp) => {
    const n = /^(\[[0-9a-fA-F:]+\]|[^:[\]]+):(\d{1,5})$/.exec(hp.trim());
    if (n === null || Number(n[2]) > 65535) throw bad(`bad node ${hp}`);
    return { host: n[1]!.replace(/^\[|\]$/g, ''), port: Number(n[2]) };
  });
  return {
    kind: 'cluster',
    nodes,
    ...(m[1] ? { username: decodeURIComponent(m[1]) } : {}),
    ...(m[2] !== undefined ? { password: decodeURIComponent(m[2]) } : {}),
  };
}

/** The URL with any password replaced by `***` (for messages and logs). */
export function redactUrl(store: string): string {
  return store.replace(/^([a-z-]+:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

/** Connect to `target`; resolves once the client is ready, throws SIRA_ERR_STORE_FAILED otherwise. */
export async function connectRedis(target: RedisTarget, label: string): Promise<RedisClient> {
  // No enableAutoPipelining: in ioredis 6.0.0 it drops the command name of `callBuffer` (EVALSHA went out as the
  // SHA itself). Commands issued together are pipelined on the socket anyway.
  const common = { lazyConnect: true } as const;
  const client: RedisClient =
    target.kind === 'standalone'
      ? new Redis(target.url, { ...common, maxRetriesPerRequest: 3 })
      : new Cluster(target.nodes, {
          ...common,
          redisOptions: {
            maxRetriesPerRequest: 3,
            ...(target.username === undefined ? {} : { username: target.username }),
            ...(target.password === undefined ? {} : { password: target.password }),
          },
        });
  // Errors surface on the commands; without a listener ioredis would also print each reconnect failure.
  client.on('error', () => {});
  try {
    await client.connect();
    return client;
  } catch (cause) {
    client.disconnect();
    throw siraError('SIRA_ERR_STORE_FAILED', `cannot connect to Redis at ${redactUrl(label)}: ${(cause as Error).message}`, { cause });
  }
}
