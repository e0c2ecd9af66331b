/**
 * @module storage/nats/open
 * The connection and the four KV buckets of a store: `<prefix>_heads`, `<prefix>_data`, `<prefix>_docs`,
 * `<prefix>_keys`, each a JetStream stream replicated over `replicas` nodes with Raft (file storage, one value
 * kept per key, reads from the leader only). A bucket that exists is opened as it is (its replica count is not
 * changed here).
 */
import { jetstream, jetstreamManager, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { siraError } from '../../core/errors.ts';
import { resilient, retrying, type Bucket } from './blobs.ts';
import { connectNats, parseNatsUrl } from './connect.ts';
import { FENCE_KEY, firstAck, LeaderFence, watchLeaders } from './fence.ts';

/** What {@link openBuckets} returns. */
export interface NatsParts {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  heads: Bucket;
  data: Bucket;
  docs: Bucket;
  keys: Bucket;
  replicas: number;
}

/**
 * The replica count to use: `requested` when 1..5; else (0, auto) 3 when the server is part of a cluster and 1
 * when it runs alone.
 */
export function resolveReplicas(requested: number, nc: NatsConnection): number {
  if (requested >= 1) return requested;
  return nc.info?.cluster === undefined ? 1 : 3;
}

/** Connect to `url` and open (creating when missing) the buckets under `prefix`. */
export async function openBuckets(url: string, prefix: string, requestedReplicas: number): Promise<NatsParts> {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(prefix)) throw siraError('SIRA_ERR_CONFIG_INVALID', 'nats bucket prefix must be 1..40 of [A-Za-z0-9_-]');
  const nc = await connectNats(parseNatsUrl(url));
  try {
    // Short request timeouts, resent (./blobs.ts `retrying`, `casPublish`): between stream leaders a request
    // gets no answer at all, and a long timeout would be the whole of the outage a client sees.
    const js = jetstream(nc, { timeout: 1_000 });
    const jsm = await jetstreamManager(nc, { timeout: 10_000 });
    const replicas = resolveReplicas(requestedReplicas, nc);
    // Creating a replicated stream takes a while on a busy cluster: that goes through a client with a long
    // timeout (and is resent: creating with the same config is idempotent); the bucket is then bound to the fast one.
    const slowJs = jetstream(nc, { timeout: 10_000 });
    const slow = new Kvm(slowJs);
    const fast = new Kvm(js);
    const fences = new Map<string, LeaderFence>();
    const open = async (suffix: string): Promise<Bucket> => {
      const name = `${prefix}_${suffix}`;
      // allow_direct off: a direct get may be answered by any replica, a follower that has not applied the
      // latest write among them (a read right after an acknowledged append saw the turn count before it on R3).
      // Without it every get goes to the stream leader, which answers from what it applied.
      await retrying(() => slow.create(name, { replicas, history: 1, storage: StorageType.File, allow_direct: false }), 60_000);
      const kv = await fast.open(name, { allow_direct: false });
      // The barrier (./fence.ts): any copy acknowledged will do, so copies are sent until one is (each may wait long).
      const barrier = () => slowJs.publish(`$KV.${name}.${FENCE_KEY}`, new Uint8Array(0));
      const fence: LeaderFence = new LeaderFence(() => firstAck(barrier, fence));
      fences.set(`KV_${name}`, fence);
      return { kv: resilient(kv, fence), jsm, name, fence };
    };
    const [heads, data, docs, keys] = await Promise.all([open('heads'), open('data'), open('docs'), open('keys')]);
    watchLeaders(nc, fences);
    return { nc, js, jsm, heads, data, docs, keys, replicas };
  } catch (err) {
    await nc.close().catch(() => undefined); // the open failed already; this error is the one to report
    throw siraError('SIRA_ERR_STORE_FAILED', `nats: cannot open buckets ${prefix}_*: ${(err as Error).message}`, { cause: err });
  }
}

/** Remove a store's buckets (tests, tools). */
export async function destroyBuckets(jsm: JetStreamManager, prefix: string): Promise<void> {
  // A bucket that is already gone is what the caller wants: false from a failed delete is fine.
  await Promise.all(['heads', 'data', 'docs', 'keys'].map((s) => jsm.streams.delete(`KV_${prefix}_${s}`).catch(() => false)));
}
