/**
 * @module api/schemas
 * TypeBox schemas of the wire format (DESIGN §7). They validate requests and are the source of the OpenAPI 3.1
 * document; responses are described by them too (and type-checked against them at compile time).
 */
import { Type, type Static } from 'typebox';
import { ROLES } from '../core/types.ts';
import { DTYPES } from '../core/tensor.ts';
import { CHECKED_BY_FACADE } from './validation.ts';
import { PartSchema } from './part-schemas.ts';

/** Any JSON object (client data returned unchanged). */
export const JsonObjectSchema = Type.Record(Type.String(), Type.Unknown(), { description: 'Any JSON object' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Id = Type.String({ description: '1-128 chars of [A-Za-z0-9_.:-], starting with a letter or digit', examples: ['ses_01'] });
const Time = Type.String({ format: 'date-time', description: 'ISO 8601 time (UTC)' });

/** RFC 9457 problem details, with our stable `code`. */
export function problemSchema(description: string) {
  return Type.Object(
    {
      type: Type.String({ description: 'https://sira.dev/errors/<code>' }),
      title: Type.String(),
      status: Type.Integer(),
      detail: Type.String(),
      instance: Type.String({ description: 'The request path' }),
      code: Type.String({ description: 'Stable error code, see docs/errors.md', examples: ['SIRA_ERR_SESSION_NOT_FOUND'] }),
    },
    { description: `${description} (application/problem+json, RFC 9457)`, additionalProperties: true },
  );
}

/** Error responses every /v1 route may give, for the OpenAPI document. */
export const problemResponses = {
  400: problemSchema('Invalid request'),
  401: problemSchema('Missing or invalid API key'),
  404: problemSchema('Not found (another tenant’s session looks the same)'),
  429: problemSchema('A quota or rate limit of the key or tenant was reached (see Retry-After)'),
  503: problemSchema('The service is overloaded (SIRA_ERR_OVERLOADED) or shutting down; retry after Retry-After'),
} as const;

export const SessionSchema = Type.Object({
  id: Type.String(),
  user_id: Nullable(Type.String()),
  agent_id: Nullable(Type.String()),
  metadata: JsonObjectSchema,
  created_at: Time,
  updated_at: Time,
  expires_at: Nullable(Time),
  ttl_seconds: Nullable(Type.Integer()),
  turn_count: Type.Integer({ description: 'Number of turns; also the seq of the newest turn' }),
  state_version: Type.Integer({ description: 'Version of the state (0 = never written)' }),
}, { title: 'Session' });
export type WireSession = Static<typeof SessionSchema>;

const Ttl = Type.Integer({ minimum: 1, maximum: 315_360_000, description: 'Seconds; every write slides the expiry' });

export const NewSessionSchema = Type.Object({
  id: Type.Optional(Id),
  user_id: Type.Optional(Nullable(Id)),
  agent_id: Type.Optional(Nullable(Id)),
  ttl_seconds: Type.Optional(Nullable(Ttl)),
  metadata: Type.Optional(JsonObjectSchema),
}, { title: 'NewSession' });

export const SessionPatchSchema = Type.Object({
  user_id: Type.Optional(Nullable(Id)),
  agent_id: Type.Optional(Nullable(Id)),
  ttl_seconds: Type.Optional(Nullable(Ttl)),
  metadata: Type.Optional(JsonObjectSchema),
}, { title: 'SessionPatch' });

export const SessionParamsSchema = Type.Object({ id: Type.String({ minLength: 1 }) });

export { PartSchema, type WirePart } from './part-schemas.ts';

const Content = Type.Union([Type.String({ description: 'One text part' }), Type.Array(PartSchema)]);
// On input the parts are checked by the facade (precise paths and messages); the schema documents them.
const ContentIn = Type.Union([Type.String({ description: 'One text part' }), Type.Array(PartSchema)], { [CHECKED_BY_FACADE]: true });

export const NewTurnSchema = Type.Object({
  role: Type.Enum(ROLES as string[] as ['system', 'user', 'assistant', 'tool']),
  content: ContentIn,
  name: Type.Optional(Nullable(Type.String())),
  agent_id: Type.Optional(Nullable(Id)),
  metadata: Type.Optional(Nullable(JsonObjectSchema)),
  pinned: Type.Optional(Type.Boolean()),
  importance: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1 }))),
}, { title: 'NewTurn' });
export type WireNewTurn = Static<typeof NewTurnSchema>;

export const TurnSchema = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  role: Type.Enum(ROLES as string[] as ['system', 'user', 'assistant', 'tool']),
  content: Content,
  name: Nullable(Type.String()),
  agent_id: Nullable(Type.String()),
  metadata: Nullable(JsonObjectSchema),
  created_at: Time,
  pinned: Type.Boolean(),
  importance: Nullable(Type.Number()),
}, { title: 'Turn' });
export type WireTurn = Static<typeof TurnSchema>;

export const TurnsQuerySchema = Type.Object({
  after_seq: Type.Optional(Type.Integer({ minimum: 0, description: 'Only turns with seq > after_seq (a next_cursor)' })),
  before_seq: Type.Optional(Type.Integer({ minimum: 0, description: 'Only turns with seq < before_seq' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, description: 'Page size (default 100, at most limits.maxPageSize)' })),
  last: Type.Optional(Type.Integer({ minimum: 1, description: 'The newest N turns, in chronological order' })),
});

export const StateSchema = Type.Object({ version: Type.Integer(), state: JsonObjectSchema, updated_at: Time }, { title: 'State' });

export const TensorInfoSchema = Type.Object({
  name: Type.String(),
  dtype: Type.Enum(DTYPES),
  shape: Type.Array(Type.Integer({ minimum: 0 })),
  byte_length: Type.Integer(),
  updated_at: Time,
}, { title: 'TensorInfo' });
export type WireTensorInfo = Static<typeof TensorInfoSchema>;

export const TensorParamsSchema = Type.Object({ id: Type.String({ minLength: 1 }), name: Type.String({ minLength: 1, description: 'Percent-encode a `/`' }) });

/** An OpenAI chat message from the client (checked precisely by the facade, so errors name the message). */
export const ChatMessageIn = Type.Object(
  {
    role: Type.String({ description: 'system | developer | user | assistant | tool' }),
    content: Type.Optional(Type.Union([Type.String(), Type.Null(), Type.Array(Type.Record(Type.String(), Type.Unknown()))])),
    name: Type.Optional(Type.String()),
    tool_calls: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    tool_call_id: Type.Optional(Type.String()),
  },
  { additionalProperties: true, title: 'ChatMessage' },
);

export const ContextRequestSchema = Type.Object({
  query: Type.Optional(Type.String({ description: 'What the next call is about; default: the latest user message of `messages`' })),
  messages: Type.Optional(Type.Array(ChatMessageIn, { description: 'New OpenAI chat messages: appended after the window, counted against the budget', [CHECKED_BY_FACADE]: true })),
  budget_tokens: Type.Optional(Type.Number({ description: 'Budget of the whole prompt in tokens, an integer 1..10,000,000. Give this or model (both: the smaller)' })),
  model: Type.Optional(Type.String({ description: 'Target model (e.g. gpt-4o): its tokenizer, and its window less reply_reserve_tokens as the budget', examples: ['gpt-4o'] })),
  reply_reserve_tokens: Type.Optional(Type.Number({ description: 'Tokens kept for the reply when the budget comes from model (default min(4096, max output, window/4))' })),
  strategy: Type.Optional(Type.String({ description: 'relevance (default): scored selection, compression, summary; recency: the newest turns that fit; adaptive: the tenant’s bandit picks a strategy from feedback', examples: ['relevance'] })),
  explain: Type.Optional(Type.Boolean({ description: 'Also list every dropped candidate with its scores and reason' })),
  agent_id: Type.Optional(Type.String({ description: 'The calling agent: its most useful past experiences for the query compete for the budget (one labelled system message)' })),
  cross_session: Type.Optional(Type.Boolean({ description: 'Offer the best-matching turns of the session user’s earlier sessions (default: the service’s crossSessionRecall)' })),
  include_reasoning: Type.Optional(Type.Boolean({ description: 'Render reasoning parts into the window (as “[reasoning] …” text); by default they are left out' })),
  format: Type.Optional(
    Type.Union([Type.Literal('openai'), Type.Literal('anthropic'), Type.Literal('responses')], {
      description: 'The format of the returned messages: openai (chat messages, default), anthropic (Messages content blocks, system apart), responses (Responses input items)',
    }),
  ),
});

const Components = Type.Object(
  {
    lexical: Type.Number({ description: 'BM25 / best BM25 in the session, 0..1' }),
    recency: Type.Number({ description: 'exp(−ln2 · turns back / half-life)' }),
    importance: Type.Number({ description: 'Importance prior 0..1' }),
    role: Type.Number({ description: 'Role prior 0..1' }),
    dense: Type.Optional(Type.Number({ description: 'Embedding similarity 0..1 (when embeddings exist)' })),
    bm25: Type.Number({ description: 'Raw BM25 score' }),
  },
  { additionalProperties: true, title: 'ScoreComponents' },
);
const Reason = Type.String({ description: 'required | system | always_recent | pinned | score | neighbor | tool_pair | recent | fill | over_budget | duplicate_of:<seq>' });
const Candidate = {
  seq: Type.Integer(),
  role: Type.String(),
  score: Type.Number({ description: 'Weighted mean of the components, 0..1' }),
  components: Components,
  reason: Reason,
  tokens: Type.Integer({ description: 'Tokens its messages take (after pruning)' }),
};

export const ContextResponseSchema = Type.Object({
  messages: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'The window in the requested format (OpenAI chat messages by default), chronological, the request messages last' }),
  format: Type.String({ description: 'openai | anthropic | responses' }),
  system: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'format anthropic: the system text blocks, apart from messages' })),
  selected: Type.Array(
    Type.Object({
      ...Candidate,
      metadata: Nullable(JsonObjectSchema),
      compressed: Type.Optional(Type.Object({ original_tokens: Type.Integer() }, { description: 'Present when the turn was pruned to its relevant sentences' })),
    }),
  ),
  dropped: Type.Optional(Type.Array(Type.Object(Candidate), { description: 'With explain: the candidates left out' })),
  redaction: Type.Optional(
    Type.Object(
      {
        mode: Type.Union([Type.Literal('store'), Type.Literal('context')]),
        counts: Type.Record(Type.String(), Type.Integer(), { description: 'Values replaced by placeholders, by kind: EMAIL, PHONE, CARD, IBAN, API_KEY, TOKEN' }),
      },
      { description: "With the tenant's PII redaction on: what was redacted (counts, never the values)" },
    ),
  ),
  summary: Type.Optional(
    Type.Object(
      {
        content: Type.String(),
        tokens: Type.Integer(),
        seqs: Type.Array(Type.Integer(), { description: 'turns the extractive summary quotes' }),
        kind: Type.Union([Type.Literal('extractive'), Type.Literal('abstractive')]),
        through_seq: Type.Optional(Type.Integer({ description: 'abstractive: every turn up to this seq is covered' })),
      },
      { description: 'Summary of left-out turns (also in messages, as a system message): extractive, or the abstractive rolling summary when a summary model is configured' },
    ),
  ),
  usage: Type.Object({
    budget: Type.Integer(),
    used: Type.Integer({ description: 'Exact tokens of messages, chat overhead and reply priming included; never above budget' }),
    by_part: Type.Object({ system: Type.Integer(), turns: Type.Integer(), summary: Type.Integer(), messages: Type.Integer(), reply_priming: Type.Integer() }),
    candidates: Type.Integer(),
    encoding: Type.String(),
    model: Nullable(Type.String()),
    approximate: Type.Boolean({ description: 'The model’s tokenizer is approximated by an OpenAI encoding' }),
    embedding: Type.Optional(
      Type.Object(
        {
          model: Type.String({ description: 'The embedder id' }),
          query_ms: Type.Number({ description: 'Time to embed the query (ms; near 0 when cached)' }),
          turns_embedded: Type.Integer({ description: 'Candidate turns that had a stored embedding (the rest are queued)' }),
          error: Type.Optional(Type.String({ description: 'Why the dense component was left out' })),
        },
        { description: 'Present when an embedder is configured' },
      ),
    ),
  }),
  strategy: Type.String(),
  query: Type.String(),
  expansion: Type.Array(Type.String(), { description: 'Stemmed terms the query was expanded with (pseudo-relevance feedback)' }),
  id: Type.Optional(Type.String({ description: 'This response’s id: the context_id of POST /v1/sessions/:id/feedback' })),
  policy: Type.Optional(
    Type.Object(
      { arm: Type.String(), context: Type.String({ description: 'length bucket:query kind' }), reason: Type.String(), samples: Type.Record(Type.String(), Type.Number()) },
      { description: 'With strategy adaptive: the arm the bandit chose and why' },
    ),
  ),
});

/** `GET /v1/sessions/:id/enrichment`. */
export const EnrichmentSchema = Type.Object({
  embedder: Nullable(Type.String({ description: 'The embedder id; null when none is configured (nothing is ever embedded)' })),
  done: Type.Integer({ description: 'Turns with a stored embedding: found by meaning in context requests' }),
  pending: Type.Integer({ description: 'Turns not embedded yet (queued, or waiting for a backfill)' }),
  pending_seqs: Type.Array(Type.Integer(), { description: 'Seqs of pending turns, ascending (at most 1000)' }),
});
