/** @module storage — the Store contract and its backends. */
import type { Clock, SiraOptions } from '../core/index.ts';
import type { Store } from './store.ts';
import { LmdbStore } from './lmdb/lmdb-store.ts';
import { RedisStore } from './redis/redis-store.ts';
import { isRedisUrl } from './redis/connect.ts';
import { resolveLmdbAtRest, resolveRedisAtRest } from './crypto/at-rest.ts';
import { FileKeyring, type DataKeyring } from './crypto/keyring.ts';
import type { MasterKey } from './crypto/master-key.ts';
import { mkdirSync } from 'node:fs';
import { NatsStore } from './nats/nats-store.ts';
import { isNatsUrl } from './nats/connect.ts';

export type { Store, StoreStats, ListSessionsOptions, EventPage, EventLogOptions } from './store.ts';
export { DEFAULT_EVENT_RETENTION } from './store.ts';
export { EventHub, type EventHubOptions, type EventSubscriber, type EventWakeSource, type Subscription, type WakeFn } from './event-hub.ts';
export { LmdbStore } from './lmdb/lmdb-store.ts';
export { RedisStore, type RedisStoreOptions } from './redis/redis-store.ts';
export { isRedisUrl, parseRedisUrl, redactUrl } from './redis/connect.ts';
export { resolveLmdbAtRest, resolveRedisAtRest, generatedKeyPath, readOrCreateKeyFile, type AtRest, type AtRestReport } from './crypto/at-rest.ts';
export { resolveMasterKeys, parseMasterKey, type MasterKey, type MasterKeySource } from './crypto/master-key.ts';
export { FileKeyring, userScope, tenantScope, type DataKeyring, type DataKey } from './crypto/keyring.ts';
export type { TenantErasure } from './store.ts';

/** The keyring of an LMDB data directory (`<dataDir>/keyring.jsonl`, created when missing). */
export function openKeyring(dataDir: string, masters: MasterKey[]): DataKeyring {
  mkdirSync(dataDir, { recursive: true });
  return new FileKeyring(dataDir, masters);
}
export { NatsStore, type NatsStoreOptions } from './nats/nats-store.ts';
export { isNatsUrl, parseNatsUrl } from './nats/connect.ts';

/**
 * Open the store `options.store` names: the embedded LMDB store under `dataDir` (`lmdb`), or Redis standalone
 * (`redis://…`) or Cluster (`redis-cluster://…`), or NATS JetStream (`nats://…`). Throws SIRA_ERR_CONFIG_INVALID
 * for a malformed URL and SIRA_ERR_STORE_FAILED when the server cannot be reached. Values are sealed as
 * storage/crypto/at-rest decides (on LMDB by default, under a generated master key when none is given).
 */
export async function openStore(options: SiraOptions, clock: Clock): Promise<Store> {
  if (isNatsUrl(options.store)) {
    return NatsStore.open({
      url: options.store,
      bucketPrefix: options.natsBucketPrefix,
      replicas: options.natsReplicas,
      clock,
      compressMinBytes: options.compressMinBytes,
      maxTensorsPerSession: options.limits.maxTensorsPerSession,
      eventRetention: options.eventRetention,
    });
  }
  if (isRedisUrl(options.store)) {
    return RedisStore.open({
      url: options.store,
      keyPrefix: options.redisKeyPrefix,
      clock,
      compressMinBytes: options.compressMinBytes,
      maxTensorsPerSession: options.limits.maxTensorsPerSession,
      eventRetention: options.eventRetention,
      durability: options.durability,
      replicas: options.durabilityReplicas,
      replicaTimeoutMs: options.durabilityTimeoutMs,
      masterKeys: resolveRedisAtRest(options).masters,
    });
  }
  const atRest = resolveLmdbAtRest(options);
  return LmdbStore.open({
    keyring: atRest.masters.length === 0 ? undefined : openKeyring(options.dataDir, atRest.masters),
    atRest: atRest.report,
    path: options.dataDir,
    sync: options.sync,
    clock,
    compressMinBytes: options.compressMinBytes,
    encryptionKey: options.encryptionKey,
    mapSize: options.mapSize,
    maxTensorsPerSession: options.limits.maxTensorsPerSession,
    eventRetention: options.eventRetention,
  });
}
