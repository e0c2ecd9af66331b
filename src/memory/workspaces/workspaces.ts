/**
 * @module memory/workspaces/workspaces
 * Workspaces: contexts shared by several agents and sessions (DESIGN §5). {@link WorkspaceService} is shared by a
 * service process; {@link TenantWorkspaces} are the operations of one tenant. See model.ts for how a workspace maps
 * onto the store, crdt.ts for the CRDT log and events.ts for its event stream.
 */
import * as Y from 'yjs';
import type { Clock } from '../../core/clock.ts';
import type { Limits } from '../../core/config.ts';
import { isSiraError, siraError } from '../../core/errors.ts';
import { isValidId, newId } from '../../core/ids.ts';
import type { JsonObject, NewTurn, Page, StateRecord, Turn, TurnRange } from '../../core/types.ts';
import { checkMetadata, checkState, checkTtl, normalizeTurns, type TurnInput } from '../../core/validate.ts';
import type { EventHub, Subscription } from '../../storage/event-hub.ts';
import type { Store } from '../../storage/store.ts';
import {
  DEFAULT_CRDT_OPTIONS,
  appendUpdate,
  checkDocName,
  checkStateVector,
  checkUpdate,
  compactDoc,
  listDocNames,
  loadDoc,
  newUpdateName,
  pendingUpdates,
  shouldCompact,
  type CrdtOptions,
  type DocRef,
} from './crdt.ts';
import { UpdateCache, subscribeWorkspace, translatePage, updateKey, type EventContext, type WorkspaceSubscriber } from './events.ts';
import {
  MEMBER_KINDS,
  MEMBER_PREFIX,
  SNAPSHOT_COLLECTION,
  WORKSPACE_OWNER,
  backingId,
  memberTensor,
  parseMember,
  toWorkspace,
  type Member,
  type MemberKind,
  type Workspace,
  type WorkspaceEvent,
} from './model.ts';
import { backgroundError } from '../../core/background.ts';

/** Tunables of workspaces. */
export interface WorkspaceOptions extends CrdtOptions {
  /** Most members of one workspace. @default 256 */
  maxMembers: number;
  /** Largest CRDT update inlined (base64) in a `crdt.updated` event, in bytes. @default 65536 */
  inlineMaxBytes: number;
}

/** Defaults of {@link WorkspaceOptions}. */
export const DEFAULT_WORKSPACE_OPTIONS: Readonly<WorkspaceOptions> = Object.freeze({ ...DEFAULT_CRDT_OPTIONS, maxMembers: 256, inlineMaxBytes: 64 * 1024 });

/** What a workspace is created with. */
export interface NewWorkspace {
  /** Client id (1-128 chars of [A-Za-z0-9_.:-]); generated (`ws_…`) when absent. */
  id?: string;
  /** The creating agent. */
  agent_id?: string | null;
  /** Sliding TTL; null = never expires. @default the service's defaultTtlSeconds */
  ttl_seconds?: number | null;
  metadata?: JsonObject;
}

/** What {@link WorkspaceService} needs. */
export interface WorkspaceServiceDeps {
  store: Store;
  hub: EventHub;
  limits: Limits;
  defaultTtlSeconds: number | null;
  clock: Clock;
  options?: Partial<WorkspaceOptions>;
  /** Applied to validated turns before they are stored (the tenant's PII redaction). @default none */
  prepareTurns?: (tenant: string, turns: NewTurn[]) => Promise<NewTurn[]>;
}

/** The workspaces of a service process (shares the update cache across tenants). */
export class WorkspaceService {
  readonly deps: WorkspaceServiceDeps;
  readonly options: WorkspaceOptions;
  readonly cache = new UpdateCache();

  constructor(deps: WorkspaceServiceDeps) {
    this.deps = deps;
    this.options = { ...DEFAULT_WORKSPACE_OPTIONS, ...(deps.options ?? {}) };
  }

  /** Operations of one tenant (the tenant id was validated by the caller). */
  tenant(tenant: string): TenantWorkspaces {
    return new TenantWorkspaces(this, tenant);
  }

  readonly #compacting = new Map<string, Promise<void>>();

  /**
   * Compact a doc in the background (off the write's path), at most one compaction per doc in this process at a
   * time; other processes may compact the same doc concurrently (the snapshot CAS settles it). Returns false when
   * one was already running here.
   */
  compactInBackground(ref: DocRef, onDone: (merged: number) => void): boolean {
    const key = `${ref.tenant}\u0000${ref.session}\u0000${ref.doc}`;
    if (this.#compacting.has(key)) return false;
    const p = compactDoc(this.deps.store, ref)
      .then((n) => onDone(n ?? 0))
      .catch(() => {}) // a failed compaction leaves the log as it was; the next write tries again
      .finally(() => this.#compacting.delete(key));
    this.#compacting.set(key, p);
    return true;
  }

  /** Resolves once the background compactions running now have finished (tests, benchmarks, shutdown). */
  async idle(): Promise<void> {
    while (this.#compacting.size > 0) await Promise.all(this.#compacting.values());
  }
}

/** A store call on a backing session, with "session not found" reported as the workspace's. */
async function onWorkspace<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (isSiraError(err, 'SIRA_ERR_SESSION_NOT_FOUND')) throw siraError('SIRA_ERR_WORKSPACE_NOT_FOUND');
    throw err;
  }
}

function found<T>(v: T | undefined): T {
  if (v === undefined) throw siraError('SIRA_ERR_WORKSPACE_NOT_FOUND');
  return v;
}

/** Operations on one tenant's workspaces; every id is scoped to the tenant. */
export class TenantWorkspaces {
  readonly tenant: string;
  readonly #svc: WorkspaceService;
  readonly #store: Store;

  constructor(svc: WorkspaceService, tenant: string) {
    this.#svc = svc;
    this.#store = svc.deps.store;
    this.tenant = tenant;
  }

  /** The service's workspace tunables. */
  get options(): WorkspaceOptions {
    return this.#svc.options;
  }

  #notify(id: string): void {
    this.#svc.deps.hub.notify(this.tenant, backingId(id));
  }

  /** Create a workspace; throws SIRA_ERR_WORKSPACE_EXISTS / _ID_INVALID / SIRA_ERR_REQUEST_INVALID. */
  async create(input: NewWorkspace = {}): Promise<Workspace> {
    const { limits, defaultTtlSeconds, clock } = this.#svc.deps;
    const id = input.id ?? newId('ws_', clock());
    if (!isValidId(id)) throw siraError('SIRA_ERR_WORKSPACE_ID_INVALID', 'workspace id must be 1-128 chars of [A-Za-z0-9_.:-]');
    if (input.agent_id !== undefined && input.agent_id !== null && !isValidId(input.agent_id)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'agent_id is not a valid id');
    const ttl = input.ttl_seconds === undefined ? defaultTtlSeconds : checkTtl(input.ttl_seconds);
    let s;
    try {
      s = await this.#store.createSession(this.tenant, {
        id: backingId(id),
        user_id: WORKSPACE_OWNER,
        agent_id: input.agent_id ?? null,
        ttl_seconds: ttl,
        metadata: input.metadata === undefined ? {} : checkMetadata(input.metadata, limits),
      });
    } catch (err) {
      if (isSiraError(err, 'SIRA_ERR_SESSION_EXISTS')) throw siraError('SIRA_ERR_WORKSPACE_EXISTS', `workspace ${id} exists`);
      throw err;
    }
    await this.#dropStaleSnapshots(id, s.created_at).catch(backgroundError('workspace-stale-snapshots'));
    this.#notify(id);
    return toWorkspace(s);
  }

  /** Snapshots of an earlier workspace with this id (expired: documents do not expire with it). */
  async #dropStaleSnapshots(id: string, incarnation: number): Promise<void> {
    const page = await this.#store.listDocs(this.tenant, SNAPSHOT_COLLECTION, { prefix: `${id}/`, limit: 1000 });
    for (const d of page.items) if (!d.id.startsWith(`${id}/${incarnation}/`)) await this.#store.deleteDoc(this.tenant, SNAPSHOT_COLLECTION, d.id);
  }

  /** The workspace; throws SIRA_ERR_WORKSPACE_NOT_FOUND when missing or expired. */
  async get(id: string): Promise<Workspace> {
    return toWorkspace(found(await this.#store.getSession(this.tenant, backingId(id))));
  }

  /** Workspaces of the tenant, newest first, paged with an opaque cursor. */
  async list(opts: { cursor?: string; limit?: number } = {}): Promise<Page<Workspace>> {
    const limit = opts.limit ?? Math.min(100, this.#svc.deps.limits.maxPageSize);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > this.#svc.deps.limits.maxPageSize) {
      throw siraError('SIRA_ERR_REQUEST_INVALID', `limit must be 1..${this.#svc.deps.limits.maxPageSize}`);
    }
    const page = await this.#store.listSessions(this.tenant, { user_id: WORKSPACE_OWNER, limit, ...(opts.cursor === undefined ? {} : { cursor: opts.cursor }) });
    return { items: page.items.map(toWorkspace), cursor: page.cursor };
  }

  /** Change ttl_seconds (null: never expires) or metadata (replaced). */
  async update(id: string, patch: { ttl_seconds?: number | null; metadata?: JsonObject }): Promise<Workspace> {
    const p: { ttl_seconds?: number | null; metadata?: JsonObject } = {};
    if (patch.ttl_seconds !== undefined) p.ttl_seconds = checkTtl(patch.ttl_seconds);
    if (patch.metadata !== undefined) p.metadata = checkMetadata(patch.metadata, this.#svc.deps.limits);
    const s = found(await this.#store.updateSession(this.tenant, backingId(id), p));
    this.#notify(id);
    return toWorkspace(s);
  }

  /** Delete a workspace with its turns, state, members, CRDT docs and event log. */
  async delete(id: string): Promise<void> {
    if (!(await this.#store.deleteSession(this.tenant, backingId(id)))) throw siraError('SIRA_ERR_WORKSPACE_NOT_FOUND');
    await this.#store.deleteDocs(this.tenant, SNAPSHOT_COLLECTION, `${id}/`);
    this.#svc.deps.hub.ended(this.tenant, backingId(id));
  }

  /**
   * Add a member (an agent id, or a session id of this tenant). Idempotent: `joined` is false when it was already
   * a member (no event). Throws SIRA_ERR_WORKSPACE_MEMBER_INVALID / _MEMBER_LIMIT / SIRA_ERR_WORKSPACE_NOT_FOUND.
   */
  async join(id: string, kind: MemberKind, memberId: string): Promise<{ member: Member; joined: boolean }> {
    if (!MEMBER_KINDS.includes(kind)) throw siraError('SIRA_ERR_WORKSPACE_MEMBER_INVALID', `kind must be one of ${MEMBER_KINDS.join(', ')}`);
    if (!isValidId(memberId)) throw siraError('SIRA_ERR_WORKSPACE_MEMBER_INVALID', 'member id must be 1-128 chars of [A-Za-z0-9_.:-]');
    if (kind === 'session' && (await this.#store.getSession(this.tenant, memberId)) === undefined) {
      throw siraError('SIRA_ERR_WORKSPACE_MEMBER_INVALID', `no session ${memberId}`);
    }
    const members = await this.members(id);
    const existing = members.find((m) => m.kind === kind && m.id === memberId);
    if (existing !== undefined) return { member: existing, joined: false };
    if (members.length >= this.#svc.options.maxMembers) throw siraError('SIRA_ERR_WORKSPACE_MEMBER_LIMIT', `at most ${this.#svc.options.maxMembers} members`);
    const info = await onWorkspace(this.#store.putTensor(this.tenant, backingId(id), memberTensor(kind, memberId), { dtype: 'u8', shape: [1], data: new Uint8Array([1]) }));
    this.#notify(id);
    return { member: { kind, id: memberId, joined_at: info.updated_at }, joined: true };
  }

  /** Remove a member; throws SIRA_ERR_WORKSPACE_MEMBER_NOT_FOUND / SIRA_ERR_WORKSPACE_NOT_FOUND. */
  async leave(id: string, kind: MemberKind, memberId: string): Promise<void> {
    if (!MEMBER_KINDS.includes(kind) || !isValidId(memberId)) throw siraError('SIRA_ERR_WORKSPACE_MEMBER_NOT_FOUND');
    if (!(await this.#store.deleteTensor(this.tenant, backingId(id), memberTensor(kind, memberId)))) {
      await this.get(id);
      throw siraError('SIRA_ERR_WORKSPACE_MEMBER_NOT_FOUND');
    }
    this.#notify(id);
  }

  /** Members, by kind then id. */
  async members(id: string): Promise<Member[]> {
    const infos = found(await this.#store.listTensors(this.tenant, backingId(id)));
    const out: Member[] = [];
    for (const i of infos) {
      if (!i.name.startsWith(MEMBER_PREFIX)) continue;
      const m = parseMember(i.name);
      if (m !== undefined) out.push({ ...m, joined_at: i.updated_at });
    }
    return out;
  }

  /** Append to the shared turn log atomically (give each turn its `agent_id`); returns the turns with their seqs. */
  async appendTurns(id: string, turns: TurnInput[]): Promise<Turn[]> {
    const valid = normalizeTurns(turns, this.#svc.deps.limits);
    const normalized = this.#svc.deps.prepareTurns === undefined ? valid : await this.#svc.deps.prepareTurns(this.tenant, valid);
    const stored = await onWorkspace(this.#store.appendTurns(this.tenant, backingId(id), normalized));
    this.#notify(id);
    return stored;
  }

  /** Shared turns ascending, or `{last: N}` the newest N (same rules as a session's). */
  async getTurns(id: string, range: TurnRange = {}): Promise<Turn[]> {
    const max = this.#svc.deps.limits.maxPageSize;
    const bad = (k: string, v: unknown, min: number) => v !== undefined && (!Number.isSafeInteger(v) || (v as number) < min || (k !== 'after_seq' && k !== 'before_seq' && (v as number) > max));
    for (const [k, v] of Object.entries(range)) {
      if (bad(k, v, k === 'last' || k === 'limit' ? 1 : 0)) throw siraError('SIRA_ERR_TURN_RANGE_INVALID', `${k} is out of range (page size 1..${max})`);
    }
    return found(await this.#store.getTurns(this.tenant, backingId(id), range));
  }

  /** The shared state and its version. */
  async getState(id: string): Promise<StateRecord> {
    return found(await this.#store.getState(this.tenant, backingId(id)));
  }

  /** Replace the shared state; with `expectedVersion`, only if current (else SIRA_ERR_STATE_VERSION_CONFLICT). */
  async putState(id: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    const r = await onWorkspace(this.#store.putState(this.tenant, backingId(id), checkState(value, this.#svc.deps.limits), expectedVersion));
    this.#notify(id);
    return r;
  }

  /** JSON merge-patch (RFC 7396) the shared state under the same version rule. */
  async patchState(id: string, patch: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    const r = await onWorkspace(this.#store.patchState(this.tenant, backingId(id), checkState(patch, this.#svc.deps.limits), expectedVersion));
    this.#notify(id);
    return r;
  }

  async #docRef(id: string, doc: string): Promise<DocRef> {
    checkDocName(doc);
    const s = await this.get(id);
    return { tenant: this.tenant, session: backingId(id), snapshotId: `${id}/${s.created_at}/${doc}`, doc };
  }

  /**
   * Merge a binary Yjs (v1) update into CRDT doc `doc` (created on first use). Validated first: garbage is refused
   * with SIRA_ERR_CRDT_UPDATE_INVALID and nothing is stored. Resolves once the update is durable; when the doc's
   * log is over the thresholds, a compaction starts in the background (`compacting: true`; see {@link idle}).
   */
  async applyUpdate(id: string, doc: string, update: Uint8Array): Promise<{ update_id: string; compacting: boolean }> {
    checkUpdate(update, this.#svc.options.maxUpdateBytes);
    const ref = await this.#docRef(id, doc);
    const { update_id, name } = newUpdateName(doc, this.#svc.deps.clock());
    // Cached before the write, so this process's subscribers never need a store read for it.
    if (update.byteLength <= this.#svc.options.inlineMaxBytes) this.#svc.cache.put(updateKey(this.tenant, ref.session, name), Buffer.from(update).toString('base64'));
    try {
      await onWorkspace(appendUpdate(this.#store, ref, name, update));
    } catch (err) {
      if (!isSiraError(err, 'SIRA_ERR_TENSOR_LIMIT')) throw err;
      // Too many tensors: fold every doc's pending updates into snapshots, then try once more.
      const prefix = ref.snapshotId.slice(0, ref.snapshotId.length - doc.length);
      for (const d of found(await listDocNames(this.#store, this.tenant, ref.session, prefix))) await compactDoc(this.#store, { ...ref, doc: d, snapshotId: prefix + d });
      await onWorkspace(appendUpdate(this.#store, ref, name, update));
    }
    this.#notify(id);
    const pending = await pendingUpdates(this.#store, ref);
    const compacting =
      pending !== undefined && shouldCompact(pending, this.#svc.options) && this.#svc.compactInBackground(ref, (n) => n > 0 && this.#notify(id));
    return { update_id, compacting };
  }

  /** Resolves once this service's background compactions have finished. */
  idle(): Promise<void> {
    return this.#svc.idle();
  }

  /**
   * The doc's state as one Yjs update; with `stateVector` (what the client has), only what the client lacks.
   * Throws SIRA_ERR_CRDT_STATE_VECTOR_INVALID / SIRA_ERR_CRDT_DOC_INVALID / SIRA_ERR_WORKSPACE_NOT_FOUND.
   */
  async getUpdate(id: string, doc: string, stateVector?: Uint8Array): Promise<Uint8Array> {
    if (stateVector !== undefined) checkStateVector(stateVector);
    const loaded = found(await loadDoc(this.#store, await this.#docRef(id, doc)));
    return Y.encodeStateAsUpdate(loaded.doc, stateVector);
  }

  /** The doc's Yjs state vector (send it back as `stateVector` to fetch only what is new). */
  async getStateVector(id: string, doc: string): Promise<Uint8Array> {
    const loaded = found(await loadDoc(this.#store, await this.#docRef(id, doc)));
    return Y.encodeStateVector(loaded.doc);
  }

  /** Fold the doc's pending updates into its snapshot now; returns how many were merged (0: none, or lost a race). */
  async compact(id: string, doc: string): Promise<number> {
    const n = found(await compactDoc(this.#store, await this.#docRef(id, doc)));
    if (n > 0) this.#notify(id);
    return n;
  }

  /** Names of the workspace's CRDT docs. */
  async docs(id: string): Promise<string[]> {
    const s = await this.get(id);
    return found(await listDocNames(this.#store, this.tenant, backingId(id), `${id}/${s.created_at}/`));
  }

  #eventContext(id: string): EventContext {
    return { store: this.#store, cache: this.#svc.cache, tenant: this.tenant, session: backingId(id), workspaceId: id, inlineMaxBytes: this.#svc.options.inlineMaxBytes };
  }

  /**
   * A page of the workspace's events after `afterId` (at most `limit` log entries read; hidden ones are skipped, so
   * resume after `last_read`, not after the last event shown). Throws SIRA_ERR_EVENTS_AFTER_INVALID / _GAP.
   */
  async readEvents(id: string, afterId: number, limit = 100): Promise<{ events: WorkspaceEvent[]; last_id: number; last_read: number }> {
    const max = this.#svc.deps.limits.maxPageSize;
    if (!Number.isSafeInteger(afterId) || afterId < 0) throw siraError('SIRA_ERR_EVENTS_AFTER_INVALID', 'after must be an integer ≥ 0');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) throw siraError('SIRA_ERR_EVENTS_AFTER_INVALID', `limit must be 1..${max}`);
    const page = found(await this.#store.readEvents(this.tenant, backingId(id), afterId, limit));
    if (afterId > page.last_id) {
      throw siraError('SIRA_ERR_EVENTS_GAP', `event ${afterId} is past the newest event (${page.last_id}): the workspace was re-created`, {
        details: { first_retained_id: 1, last_id: page.last_id },
      });
    }
    const events = await translatePage(this.#eventContext(id), page.events);
    return { events, last_id: page.last_id, last_read: page.events.at(-1)?.id ?? afterId };
  }

  /**
   * Subscribe to the workspace's events after `afterId` (undefined: from now). Checks the workspace and the resume
   * id first (throwing as {@link readEvents}); then delivers missed events from the log and live ones, gap-free.
   */
  async subscribe(id: string, afterId: number | undefined, subscriber: WorkspaceSubscriber): Promise<Subscription> {
    const page = await this.readEvents(id, afterId ?? 0, 1);
    return subscribeWorkspace(this.#svc.deps.hub, this.#eventContext(id), afterId ?? page.last_id, subscriber);
  }
}
