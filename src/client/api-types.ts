// Generated from the service OpenAPI document by scripts/gen-client-types.ts (`npm run gen:client`). Do not edit.
/**
 * @module client/api-types
 * Request and response types of every route, by path and method (see `Paths`), and the named types they share.
 */

/** Path → method → `{ summary, params, query, body, response }` (response: the 2xx JSON body). */
export interface Paths {
  "/healthz": {
    /** Liveness: the process answers */
    get: { params: Record<string, never>; query: Record<string, never>; body: undefined; response: { status: "ok" } };
  };
  "/metrics": {
    /** Prometheus metrics (text exposition format) */
    get: { params: Record<string, never>; query: Record<string, never>; body: undefined; response: undefined };
  };
  "/readyz": {
    /** Readiness: the store can serve */
    get: { params: Record<string, never>; query: Record<string, never>; body: undefined; response: { status: "ready" } };
  };
  "/v1/admin/audit": {
    /** The audit log, oldest first (filter by tenant or action; follow cursor) */
    get: {
      params: Record<string, never>;
      query: { tenant?: string; action?: string; cursor?: string; limit?: number };
      body: undefined;
      response: Record<string, unknown>;
    };
  };
  "/v1/admin/keys/{id}": {
    /** Revoke an API key; audited as key.revoke */
    delete: { params: { id: string }; query: Record<string, never>; body: undefined; response: undefined };
  };
  "/v1/admin/tenants/{tenant}/keys": {
    /** Create an API key for a tenant (shown once); audited as key.create */
    post: { params: { tenant: string }; query: Record<string, never>; body: { name?: string }; response: Record<string, unknown> };
  };
  "/v1/admin/tenants/{tenant}/policy": {
    /** Remove a tenant's override (back to the configuration); audited as policy.delete */
    delete: { params: { tenant: string }; query: Record<string, never>; body: undefined; response: undefined };
    /** A tenant's policy: its stored override, the effective quotas and redaction, and its usage in this instance */
    get: { params: { tenant: string }; query: Record<string, never>; body: undefined; response: Record<string, unknown> };
    /** Replace a tenant's override (quotas fields and/or redact); audited as policy.set */
    put: {
      params: { tenant: string };
      query: Record<string, never>;
      body: {
        quotas?: {
          sessions?: number;
          bytes?: number;
          requestsPerSecond?: number;
          requestBurst?: number;
          keyRequestsPerSecond?: number;
          keyRequestBurst?: number;
          subscribers?: number;
        };
        redact?: "off" | "store" | "context";
      };
      response: Record<string, unknown>;
    };
  };
  "/v1/blobs": {
    /** Store a blob (streamed; content-addressed and deduplicated per tenant) */
    post: { params: Record<string, never>; query: Record<string, never>; body: Uint8Array; response: Blob };
    /** Store a blob (streamed; content-addressed and deduplicated per tenant) */
    put: { params: Record<string, never>; query: Record<string, never>; body: Uint8Array; response: Blob };
  };
  "/v1/blobs/{sha256}": {
    /** Read a blob (streamed); one `Range: bytes=` range answers 206 */
    get: { params: { sha256: string }; query: Record<string, never>; body: undefined; response: Uint8Array };
  };
  "/v1/chat/completions": {
    /** OpenAI-compatible chat completions through the session: enriched, forwarded to the upstream, both sides recorded */
    post: {
      params: Record<string, never>;
      query: Record<string, never>;
      body: {
        model?: string;
        /** The new OpenAI chat messages: appended after the window, counted against the budget */
        messages: Array<ChatMessage>;
        [key: string]: unknown;
      };
      response: unknown;
    };
  };
  "/v1/context/enrich": {
    /** Enrich an OpenAI chat-completions request: messages replaced by the session’s context window, the rest unchanged */
    post: {
      params: Record<string, never>;
      query: Record<string, never>;
      body: {
        model?: string;
        /** The new OpenAI chat messages: appended after the window, counted against the budget */
        messages: Array<ChatMessage>;
        [key: string]: unknown;
      };
      response: {
        /** The context window in chronological order, the request’s messages last */
        messages: Array<Record<string, unknown>>;
        [key: string]: unknown;
      };
    };
  };
  "/v1/conversations": {
    /** Create a conversation (a Sira session of the same id), optionally with its first items */
    post: {
      params: Record<string, never>;
      query: Record<string, never>;
      body: { items?: Array<Record<string, unknown>> | null; metadata?: Record<string, string> | null; [key: string]: unknown };
      response: Record<string, unknown>;
    };
  };
  "/v1/conversations/{id}": {
    /** Delete a conversation, its items and its session */
    delete: { params: { id: string }; query: Record<string, never>; body: undefined; response: Record<string, unknown> };
    /** A conversation */
    get: { params: { id: string }; query: Record<string, never>; body: undefined; response: Record<string, unknown> };
    /** Replace a conversation’s metadata */
    post: {
      params: { id: string };
      query: Record<string, never>;
      body: { metadata: Record<string, string> | null; [key: string]: unknown };
      response: Record<string, unknown>;
    };
  };
  "/v1/conversations/{id}/items": {
    /** A conversation’s items, newest first by default */
    get: {
      params: { id: string };
      query: { after?: string; limit?: number; order?: "asc" | "desc"; include?: unknown };
      body: undefined;
      response: Record<string, unknown>;
    };
    /** Append items to a conversation (and turns to its session) */
    post: {
      params: { id: string };
      query: { include?: unknown };
      body: {
        /** At most 20 items per call, as OpenAI allows */
        items: Array<Record<string, unknown>>;
      };
      response: Record<string, unknown>;
    };
  };
  "/v1/conversations/{id}/items/{item_id}": {
    /** Delete one item; answers the conversation */
    delete: { params: { id: string; item_id: string }; query: Record<string, never>; body: undefined; response: Record<string, unknown> };
    /** One item of a conversation */
    get: { params: { id: string; item_id: string }; query: { include?: unknown }; body: undefined; response: Record<string, unknown> };
  };
  "/v1/experiences": {
    /** Record an agent trajectory */
    post: {
      params: Record<string, never>;
      query: Record<string, never>;
      body: {
        /** Client id (1-128 chars of [A-Za-z0-9_.:-]); default: generated */
        id?: string;
        /** The task, in words (at most 8000 characters) */
        task: string;
        /** The agent that ran it */
        agent_id: string;
        /** The trajectory, in order (at most 500 steps) */
        steps: Array<ExperienceStep>;
        outcome: "success" | "failure" | "partial";
        /** Default: 1 success, 0.5 partial, 0 failure */
        reward?: number;
        /** Any JSON object */
        metadata?: Record<string, unknown>;
      };
      response: Experience;
    };
  };
  "/v1/experiences/graph": {
    /** Task clusters → strategies (step patterns) → outcomes, with run counts */
    get: {
      params: Record<string, never>;
      query: {
        agent_id?: string;
        /** Similarity that joins a run to a cluster, (0, 1]; default 0.7 */
        threshold?: string;
        /** Most runs read, 1..100000; default 5000 */
        limit?: string;
      };
      body: undefined;
      response: Record<string, unknown>;
    };
  };
  "/v1/experiences/search": {
    /** The most useful past runs for a task, its cluster’s success statistics and lessons */
    post: {
      params: Record<string, never>;
      query: Record<string, never>;
      body: {
        /** The new task */
        task: string;
        /** Experiences to return, 1..100 (default 5) */
        k?: number;
        /** Only this agent’s runs */
        agent_id?: string;
        /** Similarity for a run to join the task’s cluster (default: the best split of the neighbours’ similarities, at least 0.2) */
        cluster_threshold?: number;
      };
      response: {
        /** Most useful first: similarity × (0.5 + 0.5 × outcome value) */
        experiences: Array<Record<string, unknown>>;
        /** runs, success, partial, failure, success_rate, mean_reward, threshold, ids */
        cluster: Record<string, unknown>;
        /** do / avoid step patterns, failed_steps, text; written (LLM) when configured */
        lessons: Record<string, unknown>;
        embedding: Record<string, unknown>;
        [key: string]: unknown;
      };
    };
  };
  "/v1/experiences/{id}": {
    /** Delete an experience */
    delete: { params: { id: string }; query: Record<string, never>; body: undefined; response: undefined };
    /** An experience */
    get: { params: { id: string }; query: Record<string, never>; body: undefined; response: Experience };
  };
  "/v1/intents/classify": {
    /** Classify a text */
    post: {
      params: Record<string, never>;
      query: Record<string, never>;
      body: {
        text: string;
        /** 1-64 chars of [A-Za-z0-9_.-] */
        model?: string;
        /** Classes in `distribution` (default 5) */
        top_k?: number;
      };
      response: {
        /** The intent; the out-of-scope label (`oos`) when out_of_scope; `unknown` on fallback */
        label: string;
        /** Probability of the best in-scope intent (at the model temperature) */
        confidence: number;
        /** Top-k classes, descending */
        distribution: Array<{
          label: string;
          p: number;
        }>;
        out_of_scope: boolean;
        /** True when no model was available */
        fallback: boolean;
        model: string | null;
        builtin: boolean;
      };
    };
  };
  "/v1/intents/models": {
    /** The tenant’s intent models and the built-in ones */
    get: {
      params: Record<string, never>;
      query: Record<string, never>;
      body: undefined;
      response: {
        models: Array<IntentModel>;
        builtin: Array<{
          name: string;
          artifact: string;
          loaded: boolean;
          version?: string;
          labels?: number;
          metrics?: Record<string, number>;
        }>;
      };
    };
  };
  "/v1/intents/models/{name}": {
    /** Delete a tenant intent model */
    delete: {
      params: {
        /** 1-64 chars of [A-Za-z0-9_.-] */
        name: string;
      };
      query: Record<string, never>;
      body: undefined;
      response: undefined;
    };
  };
  "/v1/intents/train": {
    /** Train (or retrain) a tenant intent model from labelled examples */
    post: {
      params: Record<string, never>;
      query: Record<string, never>;
      body: {
        /** Labelled examples: ≥ 2 labels, ≥ 3 examples per label, ≤ 2000 in all */
        examples: Array<{
          text: string;
          label: string;
        }>;
        /** 1-64 chars of [A-Za-z0-9_.-] */
        name?: string;
        /** Out-of-scope below this best probability (default 0: never) */
        threshold?: number;
        seed?: number;
      };
      response: IntentModel;
    };
  };
  "/v1/responses": {
    /** OpenAI Responses: resolve previous_response_id / conversation, forward to the upstream, store the response (store, default true) */
    post: {
      params: Record<string, never>;
      query: Record<string, never>;
      body: {
        model?: string;
        input?: string | Array<Record<string, unknown>>;
        instructions?: string | null;
        previous_response_id?: string | null;
        conversation?: string | {
          id: string;
          [key: string]: unknown;
        } | null;
        store?: boolean | null;
        stream?: boolean | null;
        truncation?: "auto" | "disabled" | null;
        [key: string]: unknown;
      };
      response: Record<string, unknown>;
    };
  };
  "/v1/responses/compact": {
    /** Compact a chain or an input: every user message, then one compaction item (Sira’s extractive summary of the rest) */
    post: {
      params: Record<string, never>;
      query: Record<string, never>;
      body: {
        model?: string | null;
        input?: string | Array<Record<string, unknown>> | null;
        previous_response_id?: string | null;
        instructions?: string | null;
        [key: string]: unknown;
      };
      response: Record<string, unknown>;
    };
  };
  "/v1/responses/{id}": {
    /** Delete a stored response (its turns stay in the chain’s session) */
    delete: { params: { id: string }; query: Record<string, never>; body: undefined; response: Record<string, unknown> };
    /** A stored response */
    get: { params: { id: string }; query: Record<string, never>; body: undefined; response: Record<string, unknown> };
  };
  "/v1/responses/{id}/input_items": {
    /** The input items of a stored response: the chain behind previous_response_id, then its own input; newest first by default */
    get: {
      params: { id: string };
      query: { after?: string; limit?: number; order?: "asc" | "desc"; include?: unknown };
      body: undefined;
      response: Record<string, unknown>;
    };
  };
  "/v1/sessions": {
    /** List sessions, newest first */
    get: {
      params: Record<string, never>;
      query: {
        /** Only this user’s sessions */
        user_id?: string;
        /** next_cursor of the previous page */
        cursor?: string;
        /** Page size (default 100, at most limits.maxPageSize) */
        limit?: number;
      };
      body: undefined;
      response: { sessions: Array<Session>; next_cursor: string | null };
    };
    /** Create a session */
    post: { params: Record<string, never>; query: Record<string, never>; body: NewSession; response: Session };
  };
  "/v1/sessions/{id}": {
    /** Delete a session with its turns, state and tensors */
    delete: { params: { id: string }; query: Record<string, never>; body: undefined; response: undefined };
    /** Get a session */
    get: { params: { id: string }; query: Record<string, never>; body: undefined; response: Session };
    /** Change user_id, agent_id, ttl_seconds (null clears) or metadata (replaced) */
    patch: { params: { id: string }; query: Record<string, never>; body: SessionPatch; response: Session };
  };
  "/v1/sessions/{id}/context": {
    /** Build the context window for the next model call: relevance-scored turns under an exact token budget */
    post: {
      params: { id: string };
      query: Record<string, never>;
      body: {
        /** What the next call is about; default: the latest user message of `messages` */
        query?: string;
        /** New OpenAI chat messages: appended after the window, counted against the budget */
        messages?: Array<ChatMessage>;
        /** Budget of the whole prompt in tokens, an integer 1..10,000,000. Give this or model (both: the smaller) */
        budget_tokens?: number;
        /** Target model (e.g. gpt-4o): its tokenizer, and its window less reply_reserve_tokens as the budget */
        model?: string;
        /** Tokens kept for the reply when the budget comes from model (default min(4096, max output, window/4)) */
        reply_reserve_tokens?: number;
        /** relevance (default): scored selection, compression, summary; recency: the newest turns that fit; adaptive: the tenant’s bandit picks a strategy from feedback */
        strategy?: string;
        /** Also list every dropped candidate with its scores and reason */
        explain?: boolean;
        /** The calling agent: its most useful past experiences for the query compete for the budget (one labelled system message) */
        agent_id?: string;
        /** Offer the best-matching turns of the session user’s earlier sessions (default: the service’s crossSessionRecall) */
        cross_session?: boolean;
        /** Render reasoning parts into the window (as “[reasoning] …” text); by default they are left out */
        include_reasoning?: boolean;
        /** The format of the returned messages: openai (chat messages, default), anthropic (Messages content blocks, system apart), responses (Responses input items) */
        format?: "openai" | "anthropic" | "responses";
      };
      response: {
        /** The window in the requested format (OpenAI chat messages by default), chronological, the request messages last */
        messages: Array<Record<string, unknown>>;
        /** openai | anthropic | responses */
        format: string;
        /** format anthropic: the system text blocks, apart from messages */
        system?: Array<Record<string, unknown>>;
        selected: Array<{
          seq: number;
          role: string;
          /** Weighted mean of the components, 0..1 */
          score: number;
          components: ScoreComponents;
          /** required | system | always_recent | pinned | score | neighbor | tool_pair | recent | fill | over_budget | duplicate_of:<seq> */
          reason: string;
          /** Tokens its messages take (after pruning) */
          tokens: number;
          metadata: Record<string, unknown> | null;
          /** Present when the turn was pruned to its relevant sentences */
          compressed?: {
            original_tokens: number;
          };
        }>;
        /** With explain: the candidates left out */
        dropped?: Array<{
          seq: number;
          role: string;
          /** Weighted mean of the components, 0..1 */
          score: number;
          components: ScoreComponents;
          /** required | system | always_recent | pinned | score | neighbor | tool_pair | recent | fill | over_budget | duplicate_of:<seq> */
          reason: string;
          /** Tokens its messages take (after pruning) */
          tokens: number;
        }>;
        /** With the tenant's PII redaction on: what was redacted (counts, never the values) */
        redaction?: {
          mode: "store" | "context";
          /** Values replaced by placeholders, by kind: EMAIL, PHONE, CARD, IBAN, API_KEY, TOKEN */
          counts: Record<string, number>;
        };
        /** Summary of left-out turns (also in messages, as a system message): extractive, or the abstractive rolling summary when a summary model is configured */
        summary?: {
          content: string;
          tokens: number;
          /** turns the extractive summary quotes */
          seqs: Array<number>;
          kind: "extractive" | "abstractive";
          /** abstractive: every turn up to this seq is covered */
          through_seq?: number;
        };
        usage: {
          budget: number;
          /** Exact tokens of messages, chat overhead and reply priming included; never above budget */
          used: number;
          by_part: {
            system: number;
            turns: number;
            summary: number;
            messages: number;
            reply_priming: number;
          };
          candidates: number;
          encoding: string;
          model: string | null;
          /** The model’s tokenizer is approximated by an OpenAI encoding */
          approximate: boolean;
          /** Present when an embedder is configured */
          embedding?: {
            /** The embedder id */
            model: string;
            /** Time to embed the query (ms; near 0 when cached) */
            query_ms: number;
            /** Candidate turns that had a stored embedding (the rest are queued) */
            turns_embedded: number;
            /** Why the dense component was left out */
            error?: string;
          };
        };
        strategy: string;
        query: string;
        /** Stemmed terms the query was expanded with (pseudo-relevance feedback) */
        expansion: Array<string>;
        /** This response’s id: the context_id of POST /v1/sessions/:id/feedback */
        id?: string;
        /** With strategy adaptive: the arm the bandit chose and why */
        policy?: {
          arm: string;
          /** length bucket:query kind */
          context: string;
          reason: string;
          samples: Record<string, number>;
        };
      };
    };
  };
  "/v1/sessions/{id}/enrichment": {
    /** Enrichment status of the newest contextMaxTurns turns: embedded (done) or still pending */
    get: {
      params: { id: string };
      query: Record<string, never>;
      body: undefined;
      response: {
        embedder: string | null;
        /** Turns with a stored embedding: found by meaning in context requests */
        done: number;
        /** Turns not embedded yet (queued, or waiting for a backfill) */
        pending: number;
        /** Seqs of pending turns, ascending (at most 1000) */
        pending_seqs: Array<number>;
      };
    };
  };
  "/v1/sessions/{id}/evaluate": {
    /** Evaluate a session: intent, and quality scores (resolution, repetition, frustration, sentiment trend) with evidence turns */
    post: {
      params: { id: string };
      query: Record<string, never>;
      body: {
        /** Evaluate the newest `last` turns (at most contextMaxTurns, its default) */
        last?: number;
        /** Also classify the intent when a classifier is configured (default true) */
        intent?: boolean;
      };
      response: {
        intent: {
          label: string;
          confidence: number;
          distribution: Array<{
            label: string;
            p: number;
          }>;
          out_of_scope: boolean;
          model: {
            name: string;
            version: string;
          } | null;
        } | null;
        /** False when the service has no intent classifier (intent is then null) */
        intent_available: boolean;
        /** Present when the classifier failed: intent is null, the quality scores are still computed */
        intent_error?: string;
        quality: {
          resolution: {
            score: number;
            /** Seqs of the turns behind the score, ascending (at most 12) */
            evidence: Array<number>;
          };
          repetition: {
            score: number;
            /** Seqs of the turns behind the score, ascending (at most 12) */
            evidence: Array<number>;
          };
          frustration: {
            score: number;
            /** Seqs of the turns behind the score, ascending (at most 12) */
            evidence: Array<number>;
          };
          /** Above 0.5: the user’s mood improves over the session; below: it worsens */
          sentiment_trend: {
            score: number;
            /** Seqs of the turns behind the score, ascending (at most 12) */
            evidence: Array<number>;
          };
          /** 0.5·resolution + 0.2·(1 − repetition) + 0.2·(1 − frustration) + 0.1·sentiment_trend */
          overall: number;
        };
        /** The quality model artifact, or null for the hand-set fallback */
        model: {
          name: string;
          version: string;
        } | null;
        /** True when no trained quality artifact was found and hand-set weights were used */
        fallback: boolean;
        /** Number of turns evaluated */
        turns: number;
      };
    };
  };
  "/v1/sessions/{id}/events": {
    /** Session events: an SSE stream (Accept: text/event-stream) or a JSON page for polling */
    get: {
      params: { id: string };
      query: {
        /** Resume after this event id (Last-Event-ID wins when both are given) */
        after?: string;
        /** JSON page size (default 100, at most limits.maxPageSize) */
        limit?: string;
      };
      body: undefined;
      response: {
        events: Array<SessionEvent>;
        /** Pass as after for the next page (the last id returned, or the same after) */
        next_after: number;
      };
    };
  };
  "/v1/sessions/{id}/feedback": {
    /** Rate a context response (thumbs, success or score); the adaptive policy learns from it */
    post: {
      params: { id: string };
      query: Record<string, never>;
      body: {
        /** The `id` of the context response being rated */
        context_id: string;
        /** up = reward 1, down = 0 */
        thumbs?: "up" | "down";
        /** Did the task succeed with this context (1 / 0) */
        success?: boolean;
        /** An explicit reward from 0 to 1 */
        score?: number;
      };
      response: {
        context_id: string;
        /** The strategy (bandit arm) that served the rated response */
        arm: string;
        /** The request context it was served in (length bucket:query kind) */
        context: string;
        reward: number;
        arm_stats: {
          /** Posterior mean reward of the arm in that context */
          mean: number;
          plays: number;
        };
      };
    };
  };
  "/v1/sessions/{id}/state": {
    /** Read the state; ETag is its version (If-None-Match gives 304) */
    get: { params: { id: string }; query: Record<string, never>; body: undefined; response: State };
    /** Merge-patch the state (RFC 7396; application/merge-patch+json or application/json), conditional on If-Match */
    patch: { params: { id: string }; query: Record<string, never>; body: Record<string, unknown>; response: State };
    /** Replace the state (conditional on If-Match) */
    put: { params: { id: string }; query: Record<string, never>; body: Record<string, unknown>; response: State };
  };
  "/v1/sessions/{id}/tensors": {
    /** List the tensors of a session (metadata only), by name */
    get: { params: { id: string }; query: Record<string, never>; body: undefined; response: { tensors: Array<TensorInfo> } };
  };
  "/v1/sessions/{id}/tensors/{name}": {
    /** Delete a tensor */
    delete: {
      params: {
        id: string;
        /** Percent-encode a `/` */
        name: string;
      };
      query: Record<string, never>;
      body: undefined;
      response: undefined;
    };
    /** Read a tensor: raw bytes with x-tensor-dtype/x-tensor-shape, or safetensors (Accept: application/safetensors) */
    get: {
      params: {
        id: string;
        /** Percent-encode a `/` */
        name: string;
      };
      query: Record<string, never>;
      body: undefined;
      response: unknown;
    };
    /** Store a named tensor (replacing one of the same name) */
    put: {
      params: {
        id: string;
        /** Percent-encode a `/` */
        name: string;
      };
      query: Record<string, never>;
      body: Uint8Array;
      response: TensorInfo;
    };
  };
  "/v1/sessions/{id}/turns": {
    /** Read turns: a seq range ascending (after_seq/before_seq/limit), or the newest N (last) in chronological order */
    get: {
      params: { id: string };
      query: {
        /** Only turns with seq > after_seq (a next_cursor) */
        after_seq?: number;
        /** Only turns with seq < before_seq */
        before_seq?: number;
        /** Page size (default 100, at most limits.maxPageSize) */
        limit?: number;
        /** The newest N turns, in chronological order */
        last?: number;
      };
      body: undefined;
      response: {
        turns: Array<Turn>;
        /** Pass as after_seq for the next page; null when there is no more */
        next_cursor: string | null;
      };
    };
    /** Append turns (atomically: all or none); the store assigns dense seqs */
    post: {
      params: { id: string };
      query: Record<string, never>;
      body: {
        /** At most limits.maxTurnsPerBatch */
        turns: Array<NewTurn>;
      };
      response: { turns: Array<Turn> };
    };
  };
  "/v1/users/{id}": {
    /** Erase the user: every session and everything derived from it (profile, experiences, indexes, caches); crypto-shredded with a master key */
    delete: {
      params: {
        /** The user id sessions carry as user_id */
        id: string;
      };
      query: Record<string, never>;
      body: undefined;
      response: { user_id: string; deleted: { sessions: number; profile: boolean; experiences: number } };
    };
  };
  "/v1/users/{id}/profile": {
    /** Forget the user: profile, history, evidence quotes and queued extraction (and with sessions=true, every session of the user) */
    delete: {
      params: {
        /** The user id sessions carry as user_id */
        id: string;
      };
      query: { sessions?: boolean };
      body: undefined;
      response: { user_id: string; deleted: { profile: boolean; queued_turns: number; sessions: number } };
    };
    /** The user’s learned preferences and facts, with history and evidence */
    get: {
      params: {
        /** The user id sessions carry as user_id */
        id: string;
      };
      query: Record<string, never>;
      body: undefined;
      response: Profile;
    };
    /** Set entries explicitly (they win over extracted ones) or forget slots; conditional on If-Match */
    patch: {
      params: {
        /** The user id sessions carry as user_id */
        id: string;
      };
      query: Record<string, never>;
      body: { set?: Array<{ attribute: string; value: string; polarity?: "positive" | "negative" }>; remove?: Array<string> };
      response: Profile;
    };
  };
  "/v1/workspaces": {
    /** List workspaces, newest first */
    get: {
      params: Record<string, never>;
      query: { cursor?: string; limit?: number };
      body: undefined;
      response: { workspaces: Array<Workspace>; next_cursor: string | null };
    };
    /** Create a workspace */
    post: {
      params: Record<string, never>;
      query: Record<string, never>;
      body: {
        id?: string;
        agent_id?: string | null;
        ttl_seconds?: number | null;
        /** Any JSON object */
        metadata?: Record<string, unknown>;
      };
      response: Workspace;
    };
  };
  "/v1/workspaces/{id}": {
    /** Delete a workspace with everything in it */
    delete: { params: { id: string }; query: Record<string, never>; body: undefined; response: undefined };
    /** Get a workspace */
    get: { params: { id: string }; query: Record<string, never>; body: undefined; response: Workspace };
    /** Change ttl_seconds (null: never expires) or metadata (replaced) */
    patch: {
      params: { id: string };
      query: Record<string, never>;
      body: {
        ttl_seconds?: number | null;
        /** Any JSON object */
        metadata?: Record<string, unknown>;
      };
      response: Workspace;
    };
  };
  "/v1/workspaces/{id}/crdt": {
    /** Names of the workspace’s CRDT docs */
    get: { params: { id: string }; query: Record<string, never>; body: undefined; response: { docs: Array<string> } };
  };
  "/v1/workspaces/{id}/crdt/{doc}": {
    /** The doc as one Yjs update; with state_vector, only what that state vector lacks */
    get: {
      params: {
        id: string;
        /** 1-64 chars of [A-Za-z0-9_.:-] */
        doc: string;
      };
      query: {
        /** base64 (or base64url) of Y.encodeStateVector(clientDoc) */
        state_vector?: string;
      };
      body: undefined;
      response: unknown;
    };
    /** Merge a binary Yjs update (application/octet-stream) into the doc */
    post: {
      params: {
        id: string;
        /** 1-64 chars of [A-Za-z0-9_.:-] */
        doc: string;
      };
      query: Record<string, never>;
      body: Uint8Array;
      response: {
        update_id: string;
        /** This write started a background compaction of the doc’s log */
        compacting: boolean;
      };
    };
  };
  "/v1/workspaces/{id}/crdt/{doc}/compact": {
    /** Fold the doc’s update log into its snapshot now (it also happens every N updates) */
    post: {
      params: {
        id: string;
        /** 1-64 chars of [A-Za-z0-9_.:-] */
        doc: string;
      };
      query: Record<string, never>;
      body: undefined;
      response: { compacted: number };
    };
  };
  "/v1/workspaces/{id}/crdt/{doc}/state-vector": {
    /** The doc’s Yjs state vector */
    get: {
      params: {
        id: string;
        /** 1-64 chars of [A-Za-z0-9_.:-] */
        doc: string;
      };
      query: Record<string, never>;
      body: undefined;
      response: unknown;
    };
  };
  "/v1/workspaces/{id}/events": {
    /** Workspace events: an SSE stream (Accept: text/event-stream) or a JSON page */
    get: {
      params: { id: string };
      query: { after?: string; limit?: string };
      body: undefined;
      response: {
        events: Array<WorkspaceEvent>;
        /** Pass as after for the next page */
        next_after: number;
      };
    };
  };
  "/v1/workspaces/{id}/members": {
    /** Members */
    get: {
      params: { id: string };
      query: Record<string, never>;
      body: undefined;
      response: { members: Array<{ kind: "agent" | "session"; id: string; joined_at: string }> };
    };
    /** Join: 201 when added (event member.joined), 200 when already a member */
    post: {
      params: { id: string };
      query: Record<string, never>;
      body: {
        /** agent or session */
        kind: string;
        /** agent id, or a session id of this tenant */
        id: string;
      };
      response: { kind: "agent" | "session"; id: string; joined_at: string };
    };
  };
  "/v1/workspaces/{id}/members/{kind}/{member}": {
    /** Leave (event member.left) */
    delete: { params: { id: string; kind: string; member: string }; query: Record<string, never>; body: undefined; response: undefined };
  };
  "/v1/workspaces/{id}/state": {
    /** Read the shared state; ETag is its version */
    get: { params: { id: string }; query: Record<string, never>; body: undefined; response: State };
    /** Merge-patch the shared state (RFC 7396), CAS with If-Match */
    patch: { params: { id: string }; query: Record<string, never>; body: Record<string, unknown>; response: State };
    /** Replace the shared state (CAS with If-Match) */
    put: { params: { id: string }; query: Record<string, never>; body: Record<string, unknown>; response: State };
  };
  "/v1/workspaces/{id}/turns": {
    /** Read shared turns: after_seq/before_seq/limit ascending, or the newest N (last) */
    get: {
      params: { id: string };
      query: {
        /** Only turns with seq > after_seq (a next_cursor) */
        after_seq?: number;
        /** Only turns with seq < before_seq */
        before_seq?: number;
        /** Page size (default 100, at most limits.maxPageSize) */
        limit?: number;
        /** The newest N turns, in chronological order */
        last?: number;
      };
      body: undefined;
      response: { turns: Array<Turn>; next_cursor: string | null };
    };
    /** Append to the shared turn log (atomically; give each turn its agent_id) */
    post: { params: { id: string }; query: Record<string, never>; body: { turns: Array<NewTurn> }; response: { turns: Array<Turn> } };
  };
}

/** Audio */
export type AudioPart = {
  type: "audio";
  /** Media type; may be left out when blob gives it */
  mime: string;
  /** Inline bytes, base64; or give url or blob */
  data?: string;
  /** http(s), s3, gs, data, openai-file or anthropic-file URL; or give data or blob */
  url?: string;
  blob?: BlobRef;
  /** A file name */
  name?: string;
  /** Milliseconds */
  duration_ms?: number;
  transcript?: string;
};

export type Blob = {
  /** SHA-256 of the bytes, lowercase hex: the blob’s name */
  sha256: string;
  /** Bytes */
  size: number;
  mime: string;
  /** Sessions whose turns reference the blob */
  refs: number;
  created_at: string;
  /** false when the tenant already held these bytes (deduplicated) */
  created: boolean;
};

export type BlobRef = {
  /** SHA-256 of the bytes, lowercase hex */
  sha256: string;
  /** Bytes */
  size: number;
  mime: string;
};

export type ChatMessage = {
  /** system | developer | user | assistant | tool */
  role: string;
  content?: string | null | Array<Record<string, unknown>>;
  name?: string;
  tool_calls?: Array<Record<string, unknown>>;
  tool_call_id?: string;
  [key: string]: unknown;
};

/** A source or web result */
export type CitationPart = {
  type: "citation";
  /** http(s) URL */
  url: string;
  title?: string;
  snippet?: string;
};

/** Source code */
export type CodePart = {
  type: "code";
  language: string;
  code: string;
  path?: string;
};

/** Structured data, valid against `schema` when given (else SIRA_ERR_PART_DATA_INVALID) */
export type DataPart = {
  type: "data";
  /** Any JSON value */
  value: unknown;
  /** A JSON Schema (draft 2020-12) */
  schema?: Record<string, unknown>;
};

/** A document (PDF, office file) with its extracted text */
export type DocumentPart = {
  type: "document";
  /** Media type; may be left out when blob gives it */
  mime: string;
  /** Inline bytes, base64; or give url or blob */
  data?: string;
  /** http(s), s3, gs, data, openai-file or anthropic-file URL; or give data or blob */
  url?: string;
  blob?: BlobRef;
  /** A file name */
  name?: string;
  pages?: number;
  /** Extracted text */
  text?: string;
  title?: string;
};

export type Experience = {
  id: string;
  task: string;
  agent_id: string;
  steps: Array<ExperienceStep>;
  outcome: "success" | "failure" | "partial";
  reward: number;
  /** Any JSON object */
  metadata: Record<string, unknown>;
  created_at: string;
  [key: string]: unknown;
};

export type ExperienceStep = {
  /** The tool used, if any */
  tool?: string;
  /** What the agent did */
  action: string;
  input?: unknown;
  output?: unknown;
  /** Whether the step succeeded */
  ok: boolean;
};

/** Any other file */
export type FilePart = {
  type: "file";
  /** Media type; may be left out when blob gives it */
  mime: string;
  /** Inline bytes, base64; or give url or blob */
  data?: string;
  /** http(s), s3, gs, data, openai-file or anthropic-file URL; or give data or blob */
  url?: string;
  blob?: BlobRef;
  /** A file name */
  name?: string;
};

/** An image */
export type ImagePart = {
  type: "image";
  /** Media type; may be left out when blob gives it */
  mime: string;
  /** Inline bytes, base64; or give url or blob */
  data?: string;
  /** http(s), s3, gs, data, openai-file or anthropic-file URL; or give data or blob */
  url?: string;
  blob?: BlobRef;
  /** A file name */
  name?: string;
  /** Pixels */
  width?: number;
  /** Pixels */
  height?: number;
  detail?: "auto" | "low" | "high";
  caption?: string;
};

export type IntentModel = {
  name: string;
  /** 1 after the first training, +1 per retraining */
  version: number;
  labels: Array<string>;
  examples: number;
  features: number;
  threshold: number;
  /** Accuracy on its own training examples (not held-out) */
  train_accuracy: number;
  /** ms since the epoch */
  trained_at: number;
  training_ms: number;
};

/** A place (WGS 84 degrees) */
export type LocationPart = {
  type: "location";
  lat: number;
  lon: number;
  name?: string;
  address?: string;
};

export type NewSession = {
  /** 1-128 chars of [A-Za-z0-9_.:-], starting with a letter or digit */
  id?: string;
  user_id?: string | null;
  agent_id?: string | null;
  ttl_seconds?: number | null;
  /** Any JSON object */
  metadata?: Record<string, unknown>;
};

export type NewTurn = {
  role: "system" | "user" | "assistant" | "tool";
  content: string | Array<Part>;
  name?: string | null;
  agent_id?: string | null;
  metadata?: Record<string, unknown> | null;
  pinned?: boolean;
  importance?: number | null;
};

/** A part of a turn on the wire */
export type Part = TextPart | ImagePart | AudioPart | VideoPart | DocumentPart | FilePart | DataPart | CodePart | ToolCallPart | ToolResultPart | ReasoningPart | CitationPart | LocationPart | UiEventPart | TimeSeriesPart | TensorPart;

export type Profile = {
  user_id: string;
  /** Document version; also the ETag */
  version: number;
  updated_at: string;
  /** Current entries, most confident first */
  entries: Array<ProfileEntry>;
  /** Superseded and rejected entries, newest first */
  history: Array<ProfileEntry>;
};

export type ProfileEntry = {
  id: string;
  /** The attribute, or attribute/value for many-valued ones (likes/jazz) */
  slot: string;
  attribute: string;
  value: string;
  polarity: "positive" | "negative";
  confidence: number;
  status: "current" | "superseded" | "rejected";
  source: "extracted" | "explicit";
  evidence: Array<{
    session: string;
    seq: number;
    at: string;
    quote?: string;
  }>;
  first_seen: string;
  last_seen: string;
  superseded_by?: string;
  supersedes?: string;
};

/** Model reasoning; left out of context windows unless include_reasoning */
export type ReasoningPart = {
  type: "reasoning";
  text: string;
  /** The provider’s opaque signature, to send the reasoning back */
  signature?: string;
};

export type ScoreComponents = {
  /** BM25 / best BM25 in the session, 0..1 */
  lexical: number;
  /** exp(−ln2 · turns back / half-life) */
  recency: number;
  /** Importance prior 0..1 */
  importance: number;
  /** Role prior 0..1 */
  role: number;
  /** Embedding similarity 0..1 (when embeddings exist) */
  dense?: number;
  /** Raw BM25 score */
  bm25: number;
  [key: string]: unknown;
};

export type Session = {
  id: string;
  user_id: string | null;
  agent_id: string | null;
  /** Any JSON object */
  metadata: Record<string, unknown>;
  /** ISO 8601 time (UTC) */
  created_at: string;
  /** ISO 8601 time (UTC) */
  updated_at: string;
  expires_at: string | null;
  ttl_seconds: number | null;
  /** Number of turns; also the seq of the newest turn */
  turn_count: number;
  /** Version of the state (0 = never written) */
  state_version: number;
};

export type SessionEvent = {
  /** Dense per session: 1, 2, 3, … */
  id: number;
  type: string;
  session_id: string;
  at: string;
  /** turns.appended {first_seq, count}; state.changed {version}; tensor.* {name} */
  data: Record<string, unknown>;
};

export type SessionPatch = {
  user_id?: string | null;
  agent_id?: string | null;
  ttl_seconds?: number | null;
  /** Any JSON object */
  metadata?: Record<string, unknown>;
};

export type State = {
  version: number;
  /** Any JSON object */
  state: Record<string, unknown>;
  /** ISO 8601 time (UTC) */
  updated_at: string;
};

export type TensorInfo = {
  name: string;
  dtype: "f64" | "f32" | "f16" | "bf16" | "i64" | "i32" | "i16" | "i8" | "u8" | "bool";
  shape: Array<number>;
  byte_length: number;
  /** ISO 8601 time (UTC) */
  updated_at: string;
};

/** A reference to a named tensor */
export type TensorPart = {
  type: "tensor";
  /** A tensor of the same session */
  name: string;
};

/** Plain text */
export type TextPart = {
  type: "text";
  text: string;
};

/** Sensor readings: a session tensor of shape [channels, samples] */
export type TimeSeriesPart = {
  type: "time_series";
  /** A tensor of the same session, shape [channels.length, samples] */
  tensor: string;
  /** Channel names, one per tensor row */
  channels: Array<string>;
  /** Time of sample 0, ms since the epoch */
  start_ms: number;
  /** Milliseconds between samples */
  interval_ms: number;
  /** One unit per channel */
  units?: Array<string>;
};

/** A call the assistant made */
export type ToolCallPart = {
  type: "tool_call";
  id: string;
  name: string;
  /** JSON text, verbatim */
  arguments: string;
};

/** The result of a tool call */
export type ToolResultPart = {
  type: "tool_result";
  tool_call_id: string;
  content: string;
  is_error?: boolean;
};

export type Turn = {
  seq: number;
  role: "system" | "user" | "assistant" | "tool";
  content: string | Array<Part>;
  name: string | null;
  agent_id: string | null;
  metadata: Record<string, unknown> | null;
  /** ISO 8601 time (UTC) */
  created_at: string;
  pinned: boolean;
  importance: number | null;
};

/** Something a user did in a UI */
export type UiEventPart = {
  type: "ui_event";
  /** What was acted on, e.g. a selector or control id */
  element: string;
  action: string;
  /** Any JSON value */
  value?: unknown;
};

/** Video */
export type VideoPart = {
  type: "video";
  /** Media type; may be left out when blob gives it */
  mime: string;
  /** Inline bytes, base64; or give url or blob */
  data?: string;
  /** http(s), s3, gs, data, openai-file or anthropic-file URL; or give data or blob */
  url?: string;
  blob?: BlobRef;
  /** A file name */
  name?: string;
  /** Pixels */
  width?: number;
  /** Pixels */
  height?: number;
  /** Milliseconds */
  duration_ms?: number;
  caption?: string;
  transcript?: string;
};

export type Workspace = {
  id: string;
  created_by: string | null;
  /** Any JSON object */
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  ttl_seconds: number | null;
  turn_count: number;
  state_version: number;
};

export type WorkspaceEvent = {
  /** Monotonic per workspace (not dense) */
  id: number;
  type: string;
  workspace_id: string;
  at: string;
  data: Record<string, unknown>;
};
