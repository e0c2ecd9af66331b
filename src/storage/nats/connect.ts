/**
 * @module storage/nats/connect
 * `nats://host:port[,host:port…]` URLs and the connection to a NATS server or cluster with JetStream. Any seed
 * node will do: the client learns the rest of a cluster from the server (`connect_urls`) and reconnects to
 * another node when the one it uses dies or stalls, for ever (`maxReconnectAttempts: -1`): a store outlives node
 * restarts.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { siraError } from '../../core/errors.ts';

/** True when `url` names a NATS store. */
export function isNatsUrl(url: string): boolean {
  return url.startsWith('nats://');
}

/** A parsed NATS store URL. */
export interface NatsTarget {
  /** `host:port` of each seed node, in the order given. */
  servers: string[];
  user?: string;
  pass?: string;
}

/** Parse `nats://[user:pass@]host:port[,host:port…]`; throws SIRA_ERR_CONFIG_INVALID when malformed. */
export function parseNatsUrl(url: string): NatsTarget {
  const m = /^nats:\/\/(?:([^:@/]+):([^@/]*)@)?([^/?#]+)\/?$/.exec(url);
  if (m === null) throw siraError('SIRA_ERR_CONFIG_INVALID', 'store: expected nats://host:port[,host:port…]');
  const servers = m[3]!.split(',').map((s) => s.trim());
  for (const s of servers) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(s) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(s)) {
      throw siraError('SIRA_ERR_CONFIG_INVALID', `store: ${JSON.stringify(s)} is not host:port`);
    }
  }
  const target: NatsTarget = { servers };
  if (m[1] !== undefined) {
    target.user = decodeURIComponent(m[1]);
    target.pass = decodeURIComponent(m[2] ?? '');
  }
  return target;
}

/** Connect; throws SIRA_ERR_STORE_FAILED (cause kept) when no seed node answers. */
export async function connectNats(target: NatsTarget, name = 'sira-session'): Promise<NatsConnection> {
  try {
    return await connect({
      servers: target.servers,
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // A stalled server (a partition, SIGSTOP) keeps its TCP connection open: without pings answered in 2 × 2 s
      // the client gives up on it and reconnects elsewhere, instead of waiting the default 2 minutes × 2.
      pingInterval: 2000,
      maxPingOut: 2,
      // A (re)connect waits this long for a server's handshake. A stalled node still accepts TCP connections (the
      // kernel does), so with nats.js's default of 20 s a reconnect that picked it sat out 20 s before trying the
      // next node (@nats-io/nats-core 3.x `dial`); a live server answers in milliseconds.
      timeout: 2000,
      // Seeds that refuse at start (a node being restarted) are skipped rather than failing the open.
      ignoreClusterUpdates: false,
      ...(target.user === undefined ? {} : { user: target.user, pass: target.pass }),
    });
  } catch (err) {
    throw siraError('SIRA_ERR_STORE_FAILED', `nats: cannot connect to ${target.servers.join(',')}: ${(err as Error).message}`, { cause: err });
  }
}
