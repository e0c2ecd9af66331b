/**
 * @module storage/store
 * The one storage contract every backend implements (LMDB embedded, Redis standalone or Cluster). All methods are
 * tenant-scoped: a session of another tenant is indistinguishable from a missing one. Times are ms since the epoch.
 * An expired session is never returned, even before the sweeper removed it. A write resolves only once it is
 * durable under the configured sync mode (see {@link SyncMode}; on Redis, under the server's own persistence).
 */
import type {
  ApiKeyRecord,
  JsonObject,
  NewSession,
  NewTurn,
  Page,
  Session,
  SessionEvent,
  SessionPatch,
  StateRecord,
  Tensor,
  TensorInfo,
  Turn,
  TurnRange,
} from '../core/types.ts';

/** Options for listing sessions. */
export interface ListSessionsOptions {
  /** Only this user's sessions (otherwise all of the tenant's). */
  user_id?: string;
  /** Opaque cursor from the previous page. */
  cursor?: string;
  /** Page size, 1..limits.maxPageSize. @default 100 */
  limit?: number;
}

/** Counters a backend reports for /metrics and benchmarks. */
export interface StoreStats {
  sessions: number;
  turns: number;
  tensors: number;
  /** Bytes the backend occupies on disk or in memory (backend-defined, best effort). */
  bytes: number;
  /** Raw text bytes (UTF-8) of stored text parts before compression, and the bytes they take stored. */
  text_raw_bytes: number;
  text_stored_bytes: number;
}

/** Options every backend takes for its event log. */
export interface EventLogOptions {
  /** Events kept per session (older ones are trimmed as new ones are appended). @default 10000 */
  eventRetention?: number;
}

/** Default of {@link EventLogOptions.eventRetention}. */
export const DEFAULT_EVENT_RETENTION = 10_000;

/** A page of a session's event log. */
export interface EventPage {
  /** Events with id > the requested one, ascending, no gaps. */
  events: SessionEvent[];
  /** Id of the session's newest event (0 when it has none): a subscriber "from now" resumes after it. */
  last_id: number;
}

/**
 * A versioned document in a tenant-scoped collection: the generic record that experiences, profiles, trained
 * tenant models, workspace members and the like are built on (the memory layer owns each value's encoding).
 */
export interface DocRecord {
  /** Id within the collection (1..200 chars, no NUL). */
  id: string;
  /** 1 after the first put, +1 on every put. */
  version: number;
  /** ms since the epoch of the last put. */
  updated_at: number;
  /** The value's bytes, copied out (the caller owns them). */
  value: Uint8Array;
}

/** Options for listing a collection. */
export interface ListDocsOptions {
  /** Only ids that start with this prefix. */
  prefix?: string;
  /** Opaque cursor from the previous page. */
  cursor?: string;
  /** Page size, 1..1000. @default 100 */
  limit?: number;
}

/** Document collections whose documents belong to the user their id names: erased with the user, sealed under the user's key. */
export const USER_DOC_COLLECTIONS: ReadonlySet<string> = new Set(['profiles']);

/** What {@link Store.eraseTenant} removed. */
export interface TenantErasure {
  sessions: number;
  /** Documents of every collection (profiles, experiences, indexes' counters, models…). */
  docs: number;
  api_keys: number;
  /** Data keys destroyed (0 where the backend seals nothing). */
  data_keys: number;
}

/** The storage contract. */
export interface Store {
  /** Backend name, e.g. `lmdb`. */
  readonly kind: string;

  /** Create a session; throws SIRA_ERR_SESSION_EXISTS if the id is taken (by a live session of this tenant). */
  createSession(tenant: string, input: NewSession): Promise<Session>;
  /** The session, or undefined when missing or expired. */
  getSession(tenant: string, id: string): Promise<Session | undefined>;
  /** Apply a patch; returns the new session, or undefined when missing or expired. */
  updateSession(tenant: string, id: string, patch: SessionPatch): Promise<Session | undefined>;
  /** Delete a session with its turns, state and tensors; false when it did not exist. */
  deleteSession(tenant: string, id: string): Promise<boolean>;
  /** Live sessions of a tenant (or of one user), newest first, paged. */
  listSessions(tenant: string, opts?: ListSessionsOptions): Promise<Page<Session>>;

  /** Append turns atomically (all or none), assigning dense seqs; throws SIRA_ERR_SESSION_NOT_FOUND. */
  appendTurns(tenant: string, sessionId: string, turns: NewTurn[]): Promise<Turn[]>;
  /** Turns in ascending seq, or undefined when the session is missing or expired. */
  getTurns(tenant: string, sessionId: string, range?: TurnRange): Promise<Turn[] | undefined>;

  /** The state ({version 0, value {}} when never written), or undefined when the session is missing. */
  getState(tenant: string, sessionId: string): Promise<StateRecord | undefined>;
  /**
   * Replace the state. With `expectedVersion`, only if the current version equals it, else throws
   * SIRA_ERR_STATE_VERSION_CONFLICT (details.current_version). Throws SIRA_ERR_SESSION_NOT_FOUND.
   */
  putState(tenant: string, sessionId: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord>;
  /** Merge-patch the state (RFC 7396) under the same version rule as putState. */
  patchState(tenant: string, sessionId: string, patch: JsonObject, expectedVersion?: number): Promise<StateRecord>;

  /** Store a named tensor (replacing one of the same name); throws SIRA_ERR_SESSION_NOT_FOUND. */
  putTensor(tenant: string, sessionId: string, name: string, tensor: Tensor): Promise<TensorInfo>;
  /** The tensor with a copy of its bytes, or undefined when it or the session is missing. */
  getTensor(tenant: string, sessionId: string, name: string): Promise<Tensor | undefined>;
  /** Tensor metadata of a session, by name; undefined when the session is missing. */
  listTensors(tenant: string, sessionId: string): Promise<TensorInfo[] | undefined>;
  /** Delete a tensor; false when it did not exist. */
  deleteTensor(tenant: string, sessionId: string, name: string): Promise<boolean>;

  /**
   * Events of the session with id > `afterId`, ascending, at most `limit` (≥ 1); undefined when the session is
   * missing or expired. Every write above appends its event in the same atomic step as the change (a refused
   * write appends none); the log goes with the session. Throws SIRA_ERR_EVENTS_GAP (details.first_retained_id)
   * when events after `afterId` were already trimmed.
   */
  readEvents(tenant: string, sessionId: string, afterId: number, limit: number): Promise<EventPage | undefined>;

  /**
   * Erase a user: every session whose user is `user` (live or expired, with turns, state, tensors and events), the
   * user's documents in user-keyed collections (`profiles`), then the user's data key where the backend seals
   * values, so copies left in freed pages or replicas are unreadable. Returns the sessions removed. Idempotent.
   * Documents of other collections that mention the user are the memory layer's to delete first.
   */
  eraseUser(tenant: string, user: string): Promise<number>;
  /** Erase a tenant: all its sessions, documents and API keys, then its data keys. Idempotent. */
  eraseTenant(tenant: string): Promise<TenantErasure>;

  /** Remove sessions whose expiry is ≤ now (injected clock), at most `limit`; returns how many were removed. */
  sweepExpired(limit?: number): Promise<number>;

  /**
   * Write a document of a tenant's collection (collection: 1..64 chars of [a-z0-9_.-]). With `expectedVersion`,
   * only if the current version equals it (0 = the document must not exist), else throws
   * SIRA_ERR_DOC_VERSION_CONFLICT (details.current_version). Documents do not expire. `owner` names the user the
   * document is derived from: a backend that seals values seals it under that user's key, so
   * {@link Store.eraseUser} makes every copy unreadable (others may ignore it; deleting the document stays the
   * caller's). Documents of {@link USER_DOC_COLLECTIONS} are owned by the user their id names.
   */
  putDoc(tenant: string, collection: string, id: string, value: Uint8Array, expectedVersion?: number, owner?: string): Promise<DocRecord>;
  /** The document, or undefined. */
  getDoc(tenant: string, collection: string, id: string): Promise<DocRecord | undefined>;
  /** Delete a document; false when it did not exist. */
  deleteDoc(tenant: string, collection: string, id: string): Promise<boolean>;
  /** Documents of a collection in ascending id order (byte order of the UTF-8 id), paged. */
  listDocs(tenant: string, collection: string, opts?: ListDocsOptions): Promise<Page<DocRecord>>;
  /** Delete every document of a collection (or those whose id starts with `prefix`); returns how many. */
  deleteDocs(tenant: string, collection: string, prefix?: string): Promise<number>;

  /** Store an API key record (by its hash). */
  putApiKey(record: ApiKeyRecord): Promise<void>;
  /** The key record with this SHA-256 hex hash, or undefined. */
  getApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /** All key records of a tenant (or all tenants when omitted). */
  listApiKeys(tenant?: string): Promise<ApiKeyRecord[]>;
  /** Delete a key by its id; false when missing. */
  deleteApiKey(id: string): Promise<boolean>;

  /** Counters for metrics. */
  stats(): Promise<StoreStats>;
  /** True when the backend can serve (for /readyz). */
  ready(): Promise<boolean>;
  /** Flush and close; further calls throw SIRA_ERR_STORE_CLOSED. */
  close(): Promise<void>;
}
