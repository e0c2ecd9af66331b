/**
 * @module memory/workspaces/model
 * The workspace data model and how it maps onto the store (see docs/internals.md "Workspaces").
 *
 * A workspace is backed by one store session with a reserved id, `_ws:<workspace id>`: a leading `_` is never a
 * valid client session id, so the session routes cannot reach it, and {@link WORKSPACE_OWNER} as its `user_id`
 * makes `listSessions(tenant, {user_id})` the (newest first, paged, expiry-aware) list of workspaces. Everything a
 * session has comes for free on both backends: the shared turn log, the CAS-versioned JSON state, TTL, the durable
 * event log and, on Redis, the `{session}` hash tag that keeps every key of the workspace on one shard so that each
 * write and its event are one atomic step.
 *
 * Members and CRDT updates are service-owned tensors of the backing session (names start with `~`, which client
 * tensor names cannot; not `_`, whose writes the stores keep out of the event log): `~m/<kind>:<id>` (one byte) is a
 * member, `~u/<doc>/<update id>` (u8[n], a Yjs v1 update) is one not yet compacted CRDT update. Tensors were chosen over document collections because a tensor write appends
 * its `tensor.written` / `tensor.deleted` event in the same atomic step, so member.joined/left and crdt.updated
 * land in the workspace's one event log, with one monotonic id sequence, with no separate (non-atomic) publish step.
 * CRDT snapshots live in the `ws-crdt` document collection (id `<workspace>/<incarnation>/<doc>`), because
 * compaction needs a compare-and-set write, which documents have and tensors do not.
 */
import type { JsonObject, Session, SessionEvent } from '../../core/types.ts';

/** `user_id` of every backing session: lists the workspaces of a tenant. Not a valid client user id. */
export const WORKSPACE_OWNER = '_workspaces';
/** Prefix of a backing session id. */
export const BACKING_PREFIX = '_ws:';
/** Tensor-name prefix of members. */
export const MEMBER_PREFIX = '~m/';
/** Tensor-name prefix of CRDT updates. */
export const UPDATE_PREFIX = '~u/';
/** Document collection of CRDT snapshots. */
export const SNAPSHOT_COLLECTION = 'ws-crdt';

/** What a member is: an agent (by agent id) or a session of the same tenant. */
export type MemberKind = 'agent' | 'session';
export const MEMBER_KINDS: readonly MemberKind[] = ['agent', 'session'];

/** A workspace as the library returns it. Times are ms since the epoch. */
export interface Workspace {
  id: string;
  /** The agent that created it, or null. */
  created_by: string | null;
  metadata: JsonObject;
  created_at: number;
  updated_at: number;
  /** Sliding expiry (every write moves it to now + ttl_seconds), or null for never. */
  expires_at: number | null;
  ttl_seconds: number | null;
  /** Turns in the shared turn log. */
  turn_count: number;
  /** Version of the shared CAS state. */
  state_version: number;
}

/** A member of a workspace. */
export interface Member {
  kind: MemberKind;
  id: string;
  /** ms since the epoch. */
  joined_at: number;
}

/**
 * What changed in a workspace: `workspace.created|updated|deleted`, `turns.appended {first_seq, count}`,
 * `state.changed {version}`, `member.joined|left {kind, member_id}`, `crdt.updated {doc, update_id, bytes,
 * update?}` (`update`: the Yjs update in base64 when small enough to inline, else fetch it with your state vector).
 */
export type WorkspaceEventType =
  | 'workspace.created'
  | 'workspace.updated'
  | 'workspace.deleted'
  | 'turns.appended'
  | 'state.changed'
  | 'member.joined'
  | 'member.left'
  | 'crdt.updated'
  | 'tensor.written'
  | 'tensor.deleted';

/**
 * One change to a workspace. `id` comes from the backing session's log: monotonic, but not dense (compaction's
 * own events are not shown), so resume with the last id you saw, never by counting.
 */
export interface WorkspaceEvent {
  id: number;
  type: WorkspaceEventType;
  workspace_id: string;
  at: number;
  data: JsonObject;
}

/** Backing session id of a workspace. */
export function backingId(workspaceId: string): string {
  return BACKING_PREFIX + workspaceId;
}

/** True for an id of a backing session (hidden from session listings). */
export function isBackingId(sessionId: string): boolean {
  return sessionId.startsWith(BACKING_PREFIX);
}

/** Tensor name of a member. */
export function memberTensor(kind: MemberKind, id: string): string {
  return `${MEMBER_PREFIX}${kind}:${id}`;
}

/** Tensor-name prefix of a doc's pending updates. */
export function updatePrefix(doc: string): string {
  return `${UPDATE_PREFIX}${doc}/`;
}

/** The workspace view of a backing session. */
export function toWorkspace(s: Session): Workspace {
  return {
    id: s.id.slice(BACKING_PREFIX.length),
    created_by: s.agent_id,
    metadata: s.metadata,
    created_at: s.created_at,
    updated_at: s.updated_at,
    expires_at: s.expires_at,
    ttl_seconds: s.ttl_seconds,
    turn_count: s.turn_count,
    state_version: s.state_version,
  };
}

/** A member parsed from its tensor name, or undefined for another tensor. */
export function parseMember(name: string): { kind: MemberKind; id: string } | undefined {
  if (!name.startsWith(MEMBER_PREFIX)) return undefined;
  const rest = name.slice(MEMBER_PREFIX.length);
  const colon = rest.indexOf(':');
  const kind = rest.slice(0, colon) as MemberKind;
  if (colon < 0 || !MEMBER_KINDS.includes(kind)) return undefined;
  return { kind, id: rest.slice(colon + 1) };
}

/** `{doc, update_id}` of an update tensor name, or undefined for another tensor. */
export function parseUpdate(name: string): { doc: string; update_id: string } | undefined {
  if (!name.startsWith(UPDATE_PREFIX)) return undefined;
  const rest = name.slice(UPDATE_PREFIX.length);
  const slash = rest.lastIndexOf('/');
  if (slash <= 0) return undefined;
  return { doc: rest.slice(0, slash), update_id: rest.slice(slash + 1) };
}

/**
 * The workspace event of a backing session's event, or null for an event clients do not see (compaction deleting
 * merged updates). A `crdt.updated` comes without `update`; the caller inlines the bytes when it has them.
 */
export function translateEvent(e: SessionEvent, workspaceId: string): WorkspaceEvent | null {
  const base = { id: e.id, workspace_id: workspaceId, at: e.at };
  switch (e.type) {
    case 'session.created':
      return { ...base, type: 'workspace.created', data: {} };
    case 'session.updated':
      return { ...base, type: 'workspace.updated', data: {} };
    case 'session.deleted':
      return { ...base, type: 'workspace.deleted', data: e.data };
    case 'turns.appended':
    case 'state.changed':
      return { ...base, type: e.type, data: e.data };
    case 'tensor.written':
    case 'tensor.deleted': {
      const name = String(e.data.name ?? '');
      const m = parseMember(name);
      if (m !== undefined) return { ...base, type: e.type === 'tensor.written' ? 'member.joined' : 'member.left', data: { kind: m.kind, member_id: m.id } };
      const u = parseUpdate(name);
      if (u !== undefined) return e.type === 'tensor.written' ? { ...base, type: 'crdt.updated', data: { doc: u.doc, update_id: u.update_id } } : null;
      if (name.startsWith('_') || name.startsWith('~')) return null;
      return { ...base, type: e.type, data: e.data };
    }
  }
}
