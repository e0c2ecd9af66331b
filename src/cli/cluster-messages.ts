/**
 * @module cli/cluster-messages
 * The IPC messages between the `serve --workers` primary and its workers. A module of its own so the primary, which
 * serves nothing, loads no more than node:cluster, pino and this (not the service, the store or the API).
 */

/** Messages on the cluster's IPC channel (JSON); `sira` tells them from anything else on it. */
export type ClusterMessage =
  /** Worker → primary → every other worker: these sessions' logs have new events (or are gone). */
  | { sira: 'wake'; keys: [tenant: string, sessionId: string][] }
  /** Worker → primary: listening on `url`. */
  | { sira: 'ready'; slot: number; url: string };

/** True when `m` is one of the service's {@link ClusterMessage}s. */
export function isClusterMessage(m: unknown): m is ClusterMessage {
  return typeof m === 'object' && m !== null && ((m as { sira?: unknown }).sira === 'wake' || (m as { sira?: unknown }).sira === 'ready');
}
