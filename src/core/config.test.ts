import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, optionsFromEnv, resolveConfig } from './config.ts';
import { isSiraError } from './errors.ts';

const invalid = (f: () => unknown): boolean => {
  try {
    f();
  } catch (e) {
    return isSiraError(e, 'SIRA_ERR_CONFIG_INVALID');
  }
  return false;
};

describe('core/config: store', () => {
  it('store defaults to lmdb with the sira: Redis key prefix', () => {
    expect(DEFAULT_OPTIONS.store).toBe('lmdb');
    expect(resolveConfig().redisKeyPrefix).toBe('sira:');
  });

  it('store accepts lmdb, redis://, rediss:// and redis-cluster:// and refuses anything else', () => {
    for (const store of ['lmdb', 'redis://127.0.0.1:6379', 'rediss://h:6380/1', 'redis-cluster://h1:7000,h2:7001']) {
      expect(resolveConfig({ store }).store).toBe(store);
    }
    for (const store of ['', 'mysql://h', 'redis:/h', 'LMDB']) expect(invalid(() => resolveConfig({ store }))).toBe(true);
    expect(invalid(() => resolveConfig({ redisKeyPrefix: 'a{b}' }))).toBe(true);
  });

  it('encryptionKey is refused with a Redis store (it would be silently ignored)', () => {
    expect(invalid(() => resolveConfig({ store: 'redis://h:1', encryptionKey: 'k'.repeat(40) }))).toBe(true);
    expect(resolveConfig({ encryptionKey: 'k'.repeat(40) }).store).toBe('lmdb');
  });

  it('SIRA_STORE and SIRA_REDIS_KEY_PREFIX are read from the environment', () => {
    expect(optionsFromEnv({ SIRA_STORE: 'redis://h:1', SIRA_REDIS_KEY_PREFIX: 'app1:' })).toMatchObject({ store: 'redis://h:1', redisKeyPrefix: 'app1:' });
    expect(optionsFromEnv({}).store).toBeUndefined();
  });
});

describe('core/config: events', () => {
  it('event options default to 10,000 kept, 250 ms polling, 15 s heartbeats and are read from SIRA_EVENT_*', () => {
    expect(resolveConfig()).toMatchObject({ eventRetention: 10_000, eventPollIntervalMs: 250, eventHeartbeatMs: 15_000 });
    const env = optionsFromEnv({ SIRA_EVENT_RETENTION: '50', SIRA_EVENT_POLL_INTERVAL_MS: '0', SIRA_EVENT_HEARTBEAT_MS: '1000' });
    expect(resolveConfig(env)).toMatchObject({ eventRetention: 50, eventPollIntervalMs: 0, eventHeartbeatMs: 1000 });
  });

  it('eventRetention below 1 and a heartbeat below 10 ms are refused', () => {
    expect(invalid(() => resolveConfig({ eventRetention: 0 }))).toBe(true);
    expect(invalid(() => resolveConfig({ eventHeartbeatMs: 0 }))).toBe(true);
  });
});

describe('core/config: upstream', () => {
  it('upstream options default to none and 60 s, and are read from SIRA_UPSTREAM_*', () => {
    expect(resolveConfig()).toMatchObject({ upstreamUrl: undefined, upstreamApiKey: undefined, upstreamTimeoutMs: 60_000 });
    const env = optionsFromEnv({ SIRA_UPSTREAM_URL: 'http://llm:4000/v1', SIRA_UPSTREAM_API_KEY: 'sk-up', SIRA_UPSTREAM_TIMEOUT_MS: '5000' });
    expect(resolveConfig(env)).toMatchObject({ upstreamUrl: 'http://llm:4000/v1', upstreamApiKey: 'sk-up', upstreamTimeoutMs: 5000 });
  });

  it('a non-http upstream URL and a zero timeout are refused', () => {
    expect(invalid(() => resolveConfig({ upstreamUrl: 'llm:4000' }))).toBe(true);
    expect(invalid(() => resolveConfig({ upstreamTimeoutMs: 0 }))).toBe(true);
  });
});

describe('core/config: durability and event wake-ups', () => {
  it('default to local durability (1 replica, 1 s when replicated) and pub/sub wake-ups (2 s fallback poll); read from SIRA_*', () => {
    expect(resolveConfig()).toMatchObject({ durability: 'local', durabilityReplicas: 1, durabilityTimeoutMs: 1000, eventWakeups: 'pubsub', eventFallbackPollMs: 2000 });
    const env = optionsFromEnv({
      SIRA_STORE: 'redis-cluster://h:1',
      SIRA_DURABILITY: 'replicated',
      SIRA_DURABILITY_REPLICAS: '2',
      SIRA_DURABILITY_TIMEOUT_MS: '250',
      SIRA_EVENT_WAKEUPS: 'poll',
      SIRA_EVENT_FALLBACK_POLL_MS: '0',
    });
    expect(resolveConfig(env)).toMatchObject({ durability: 'replicated', durabilityReplicas: 2, durabilityTimeoutMs: 250, eventWakeups: 'poll', eventFallbackPollMs: 0 });
  });

  it('durability replicated is refused on the lmdb store, and unknown modes anywhere', () => {
    expect(invalid(() => resolveConfig({ durability: 'replicated' }))).toBe(true);
    expect(invalid(() => resolveConfig({ store: 'redis://h:1', durability: 'fsync' as never }))).toBe(true);
    expect(invalid(() => resolveConfig({ store: 'redis://h:1', eventWakeups: 'xread' as never }))).toBe(true);
    expect(invalid(() => resolveConfig({ store: 'redis://h:1', durability: 'replicated', durabilityReplicas: 0 }))).toBe(true);
  });
});
