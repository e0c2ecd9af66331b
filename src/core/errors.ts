/**
 * @module core/errors
 * Every error the service can answer with, in one table. Each code is stable (clients match on it), maps to one
 * HTTP status and a category, and is listed in docs/errors.md (a test checks both).
 */

/** Who caused an error: the caller (`user`), us (`system`) or a dependency (`third_party`). */
export type ErrorCategory = 'user' | 'system' | 'third_party';

interface ErrorSpec {
  readonly status: number;
  readonly title: string;
  readonly category: ErrorCategory;
}

/** All error codes: `SIRA_ERR_<AREA>_<WHAT>` → HTTP status, title and category. */
export const ERRORS = {
  SIRA_ERR_REQUEST_INVALID: { status: 400, title: 'The request is invalid', category: 'user' },
  SIRA_ERR_REQUEST_TOO_LARGE: { status: 413, title: 'The request body is too large', category: 'user' },
  SIRA_ERR_REQUEST_HEADERS_TOO_LARGE: { status: 431, title: 'The request line or headers are too large', category: 'user' },
  SIRA_ERR_REQUEST_TIMEOUT: { status: 408, title: 'The request did not arrive in time', category: 'user' },
  SIRA_ERR_REQUEST_UNSUPPORTED_MEDIA: { status: 415, title: 'Unsupported content type', category: 'user' },
  SIRA_ERR_ROUTE_NOT_FOUND: { status: 404, title: 'No such route', category: 'user' },
  SIRA_ERR_AUTH_MISSING: { status: 401, title: 'An API key is required', category: 'user' },
  SIRA_ERR_AUTH_INVALID: { status: 401, title: 'The API key is not valid', category: 'user' },
  SIRA_ERR_SESSION_NOT_FOUND: { status: 404, title: 'Session not found', category: 'user' },
  SIRA_ERR_SESSION_EXISTS: { status: 409, title: 'A session with this id already exists', category: 'user' },
  SIRA_ERR_SESSION_ID_INVALID: { status: 400, title: 'The session id is not valid', category: 'user' },
  SIRA_ERR_TURN_INVALID: { status: 400, title: 'A turn is not valid', category: 'user' },
  SIRA_ERR_PART_DATA_INVALID: { status: 400, title: 'A data part does not match its JSON Schema', category: 'user' },
  SIRA_ERR_TURN_BLOB_NOT_FOUND: { status: 400, title: 'A part refers to a blob the tenant does not hold', category: 'user' },
  SIRA_ERR_BLOB_NOT_FOUND: { status: 404, title: 'Blob not found', category: 'user' },
  SIRA_ERR_BLOB_TOO_LARGE: { status: 413, title: 'The blob is larger than one blob may be', category: 'user' },
  SIRA_ERR_BLOB_TENANT_LIMIT: { status: 413, title: 'The tenant’s blobs would exceed their byte limit', category: 'user' },
  SIRA_ERR_BLOB_RANGE_INVALID: { status: 416, title: 'The requested byte range is not satisfiable', category: 'user' },
  SIRA_ERR_TURN_BATCH_TOO_LARGE: { status: 413, title: 'Too many turns in one batch', category: 'user' },
  SIRA_ERR_TURN_TENSOR_NOT_FOUND: { status: 400, title: 'A turn refers to a tensor the session does not hold', category: 'user' },
  SIRA_ERR_REQUEST_TEXT_INVALID: { status: 400, title: 'The request holds text that is not valid Unicode', category: 'user' },
  SIRA_ERR_WS_ALREADY_AUTHENTICATED: { status: 400, title: 'The WebSocket is already authenticated', category: 'user' },
  SIRA_ERR_TURN_RANGE_INVALID: { status: 400, title: 'The turn range is not valid', category: 'user' },
  SIRA_ERR_STATE_VERSION_CONFLICT: { status: 409, title: 'The state version does not match', category: 'user' },
  SIRA_ERR_STATE_INVALID: { status: 400, title: 'The state is not valid', category: 'user' },
  SIRA_ERR_STATE_TOO_LARGE: { status: 413, title: 'The state is too large', category: 'user' },
  SIRA_ERR_TENSOR_INVALID: { status: 400, title: 'The tensor is not valid', category: 'user' },
  SIRA_ERR_TENSOR_TOO_LARGE: { status: 413, title: 'The tensor is too large', category: 'user' },
  SIRA_ERR_TENSOR_LIMIT: { status: 409, title: 'The session holds the most tensors allowed', category: 'user' },
  SIRA_ERR_TENSOR_NOT_FOUND: { status: 404, title: 'Tensor not found', category: 'user' },
  SIRA_ERR_TENSOR_NAME_INVALID: { status: 400, title: 'The tensor name is not valid', category: 'user' },
  SIRA_ERR_DOC_VERSION_CONFLICT: { status: 409, title: 'The document version does not match', category: 'user' },
  SIRA_ERR_CURSOR_INVALID: { status: 400, title: 'The cursor is not valid', category: 'user' },
  SIRA_ERR_EVENTS_GAP: { status: 410, title: 'The events after this id are no longer retained', category: 'user' },
  SIRA_ERR_EVENTS_AFTER_INVALID: { status: 400, title: 'The event id to resume after is not valid', category: 'user' },
  SIRA_ERR_CONTEXT_BUDGET_INVALID: { status: 400, title: 'The context budget is not valid', category: 'user' },
  SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL: { status: 400, title: 'The budget cannot hold the required messages', category: 'user' },
  SIRA_ERR_CONTEXT_MODEL_UNKNOWN: { status: 400, title: 'The model is not known', category: 'user' },
  SIRA_ERR_CONTEXT_TIME_EXCEEDED: { status: 503, title: 'Building the context took longer than its time budget', category: 'system' },
  SIRA_ERR_POLICY_CONTEXT_NOT_FOUND: { status: 404, title: 'No such context response to give feedback on', category: 'user' },
  SIRA_ERR_POLICY_FEEDBACK_EXISTS: { status: 409, title: 'This context response already has feedback', category: 'user' },
  SIRA_ERR_EMBEDDER_FAILED: { status: 502, title: 'The embedding provider failed', category: 'third_party' },
  SIRA_ERR_UPSTREAM_FAILED: { status: 502, title: 'The upstream model endpoint could not be reached', category: 'third_party' },
  SIRA_ERR_UPSTREAM_TIMEOUT: { status: 504, title: 'The upstream model endpoint did not answer in time', category: 'third_party' },
  SIRA_ERR_UPSTREAM_NOT_CONFIGURED: { status: 503, title: 'No upstream model endpoint is configured', category: 'system' },
  SIRA_ERR_WORKSPACE_NOT_FOUND: { status: 404, title: 'Workspace not found', category: 'user' },
  SIRA_ERR_WORKSPACE_EXISTS: { status: 409, title: 'A workspace with this id already exists', category: 'user' },
  SIRA_ERR_WORKSPACE_ID_INVALID: { status: 400, title: 'The workspace id is not valid', category: 'user' },
  SIRA_ERR_WORKSPACE_MEMBER_INVALID: { status: 400, title: 'The workspace member is not valid', category: 'user' },
  SIRA_ERR_WORKSPACE_MEMBER_NOT_FOUND: { status: 404, title: 'Not a member of the workspace', category: 'user' },
  SIRA_ERR_WORKSPACE_MEMBER_LIMIT: { status: 409, title: 'The workspace holds the most members allowed', category: 'user' },
  SIRA_ERR_CRDT_DOC_INVALID: { status: 400, title: 'The CRDT doc name is not valid', category: 'user' },
  SIRA_ERR_CRDT_UPDATE_INVALID: { status: 400, title: 'The body is not a valid Yjs update', category: 'user' },
  SIRA_ERR_CRDT_STATE_VECTOR_INVALID: { status: 400, title: 'The state vector is not a valid Yjs state vector', category: 'user' },
  SIRA_ERR_WS_MESSAGE_INVALID: { status: 400, title: 'The WebSocket message is not valid', category: 'user' },
  SIRA_ERR_WS_AUTH_TIMEOUT: { status: 401, title: 'No credentials arrived in time on the WebSocket', category: 'user' },
  SIRA_ERR_WS_SUBSCRIPTION_LIMIT: { status: 429, title: 'The connection holds the most subscriptions allowed', category: 'user' },
  SIRA_ERR_WS_SLOW_CONSUMER: { status: 429, title: 'The client fell too far behind; reconnect and resume', category: 'user' },
  SIRA_ERR_QUOTA_RATE_LIMITED: { status: 429, title: 'Too many requests for this API key or tenant', category: 'user' },
  SIRA_ERR_QUOTA_SESSIONS: { status: 429, title: 'The tenant holds the most live sessions allowed', category: 'user' },
  SIRA_ERR_QUOTA_BYTES: { status: 429, title: 'The tenant stores the most bytes allowed', category: 'user' },
  SIRA_ERR_QUOTA_SUBSCRIBERS: { status: 429, title: 'The tenant has the most concurrent event subscribers allowed', category: 'user' },
  SIRA_ERR_ADMIN_REQUIRED: { status: 403, title: 'This route needs the admin key', category: 'user' },
  SIRA_ERR_EXPERIENCE_INVALID: { status: 400, title: 'The experience is not valid', category: 'user' },
  SIRA_ERR_EXPERIENCE_NOT_FOUND: { status: 404, title: 'Experience not found', category: 'user' },
  SIRA_ERR_EXPERIENCE_EXISTS: { status: 409, title: 'An experience with this id already exists', category: 'user' },
  SIRA_ERR_EXPERIENCE_QUERY_INVALID: { status: 400, title: 'The experience search is not valid', category: 'user' },
  SIRA_ERR_RESPONSE_NOT_FOUND: { status: 404, title: 'Response not found', category: 'user' },
  SIRA_ERR_CONVERSATION_NOT_FOUND: { status: 404, title: 'Conversation not found', category: 'user' },
  SIRA_ERR_CONVERSATION_ITEM_NOT_FOUND: { status: 404, title: 'Conversation item not found', category: 'user' },
  SIRA_ERR_IDEMPOTENCY_KEY_INVALID: { status: 400, title: 'The Idempotency-Key header is not valid', category: 'user' },
  SIRA_ERR_IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'The Idempotency-Key was used with a different request', category: 'user' },
  SIRA_ERR_IDEMPOTENCY_IN_PROGRESS: { status: 409, title: 'A request with this Idempotency-Key is still in progress', category: 'user' },
  SIRA_ERR_CONFIG_INVALID: { status: 500, title: 'The configuration is not valid', category: 'system' },
  SIRA_ERR_CODEC_CORRUPT: { status: 500, title: 'A stored record could not be decoded', category: 'system' },
  SIRA_ERR_MASTER_KEY_INVALID: { status: 500, title: 'The master key is missing, malformed or does not unwrap the data keys', category: 'system' },
  SIRA_ERR_KEYRING_LOCKED: { status: 503, title: 'The keyring is locked by another process', category: 'system' },
  SIRA_ERR_STORE_FAILED: { status: 503, title: 'The store failed', category: 'system' },
  SIRA_ERR_STORE_CLOSED: { status: 503, title: 'The store is closed', category: 'system' },
  SIRA_ERR_STORE_NOT_REPLICATED: { status: 503, title: 'The write was not acknowledged by enough replicas in time', category: 'system' },
  SIRA_ERR_SHUTTING_DOWN: { status: 503, title: 'The service is shutting down', category: 'system' },
  SIRA_ERR_OVERLOADED: { status: 503, title: 'The service is overloaded; retry after the given delay', category: 'system' },
  SIRA_ERR_INTERNAL: { status: 500, title: 'Internal error', category: 'system' },
  SIRA_ERR_PROFILE_NOT_FOUND: { status: 404, title: 'The user has no profile', category: 'user' },
  SIRA_ERR_PROFILE_CHANGE_INVALID: { status: 400, title: 'The profile change is not valid', category: 'user' },
  SIRA_ERR_USER_ID_INVALID: { status: 400, title: 'The user id is not valid', category: 'user' },
  SIRA_ERR_INTENT_EXAMPLES_INVALID: { status: 400, title: 'The labelled examples cannot train an intent model', category: 'user' },
  SIRA_ERR_INTENT_MODEL_NOT_FOUND: { status: 404, title: 'Intent model not found', category: 'user' },
} as const satisfies Record<string, ErrorSpec>;

/** A stable error code. */
export type ErrorCode = keyof typeof ERRORS;

/** The one error type the service throws on purpose; `code` picks status, title and category. */
export class SiraError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly category: ErrorCategory;
  /** Extra, client-visible fields for the problem+json body (e.g. `current_version`). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, detail?: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    const spec = ERRORS[code];
    super(detail ?? spec.title, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SiraError';
    this.code = code;
    this.statusCode = spec.status;
    this.category = spec.category;
    this.details = opts.details;
  }
}

/** Build a {@link SiraError}; `detail` is the human sentence for this occurrence. */
export function siraError(
  code: ErrorCode,
  detail?: string,
  opts?: { cause?: unknown; details?: Record<string, unknown> },
): SiraError {
  return new SiraError(code, detail, opts);
}

/** True when `e` is a SiraError (optionally with the given code). */
export function isSiraError(e: unknown, code?: ErrorCode): e is SiraError {
  return e instanceof SiraError && (code === undefined || e.code === code);
}
