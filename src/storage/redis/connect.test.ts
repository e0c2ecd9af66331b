import { describe, expect, it } from 'vitest';
import { isSiraError } from '../../core/errors.ts';
import { isRedisUrl, parseRedisUrl, redactUrl } from './connect.ts';

describe('storage/redis/connect', () => {
  it('parseRedisUrl() reads a standalone URL, with a database number and credentials', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ kind: 'standalone', url: 'redis://127.0.0.1:6379' });
    expect(parseRedisUrl('rediss://u:p@cache.example:6380/2').kind).toBe('standalone');
  });

  it('parseRedisUrl() reads the seed nodes of a cluster URL, IPv6 included', () => {
    expect(parseRedisUrl('redis-cluster://10.0.0.1:7000,10.0.0.2:7001,[::1]:7002')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
    expect(parseRedisUrl('redis-cluster://app:s%40cret@h1:7000')).toMatchObject({ username: 'app', password: 's@cret' });
  });

  it('parseRedisUrl() throws SIRA_ERR_CONFIG_INVALID for malformed URLs, without echoing a password', () => {
    for (const bad of ['redis://h:6379/db', 'redis-cluster://h1', 'redis-cluster://h1:99999', 'redis-cluster://', 'redis-cluster://x:secret@h1']) {
      try {
        parseRedisUrl(bad);
        throw new Error(`accepted ${bad}`);
      } catch (e) {
        expect(isSiraError(e, 'SIRA_ERR_CONFIG_INVALID')).toBe(true);
        expect((e as Error).message).not.toContain('secret');
      }
    }
  });

  it('isRedisUrl() tells Redis URLs from lmdb; redactUrl() hides passwords', () => {
    expect(['lmdb', 'redis://h:1', 'rediss://h:1', 'redis-cluster://h:1'].map(isRedisUrl)).toEqual([false, true, true, true]);
    expect(redactUrl('redis://user:pw@h:6379/0')).toBe('redis://user:***@h:6379/0');
    expect(redactUrl('redis-cluster://:pw@h:1,h:2')).toBe('redis-cluster://:***@h:1,h:2');
    expect(redactUrl('redis://h:6379')).toBe('redis://h:6379');
  });
});
