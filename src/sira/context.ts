/**
 * @module sira/context
 * Context building for one tenant: the request is resolved once here ({@link resolveContextRequest}); the
 * adaptive policy may pick the strategy and weights; PII redaction wraps the window; then the session's turns, its
 * rolling summary, the user's profile block, outside candidates (experiences, earlier sessions) and dense
 * similarities are gathered and the engine's phases run under the request's time budget.
 */
import { isValidId, newId, siraError, type Session, type Turn } from '../core/index.ts';
import type { RedactMode } from '../core/quota-config.ts';
import { buildResolvedContext, resolveContextRequest, resolveQuery, type ContextOptions, type ContextResult, type ResolvedContextRequest } from '../memory/index.ts';
import { budgetedTokenizer, prepareMessages, prepareTurns, WorkBudget } from '../memory/context/prepare.ts';
import { contextTurns } from '../memory/context/session-turns.ts';
import type { ExternalCandidate } from '../memory/context/external.ts';
import type { WordVectors } from '../memory/context/expand.ts';
import { contextKey, policyContext, type ContextPolicy, type FeedbackInput, type FeedbackResult } from '../memory/policy/index.ts';
import { placeholdersIn, redactMessages, redactText, redactTurns, type RedactionCounts } from '../memory/redact/index.ts';
import type { ChatMessage } from '../models/chat.ts';
import type { Embedder } from '../models/embedder.ts';
import { loadTokenizer, type EncodingName } from '../models/tokens.ts';
import { found, type ContextPolicyInfo, type ContextProfileExplanation, type ContextRedaction, type ContextRequestInput, type TenantScope } from './types.ts';

/** A context response: the window, its id (and policy choice), the profile block and redaction counts. */
export type ContextResponse = ContextResult & ContextPolicyInfo & { profile?: ContextProfileExplanation; redaction?: ContextRedaction };

type Window = ContextResult & { profile?: ContextProfileExplanation; redaction?: ContextRedaction };

/** This tenant's redaction mode (its policy, cached). */
export async function redactMode(scope: TenantScope): Promise<RedactMode> {
  const quotas = scope.context.quotas;
  return quotas === undefined ? scope.opts.redact : (await quotas.policy(scope.tenant)).redact;
}

/**
 * The context window for the session's next model call (see `TenantSessions.buildContext`). Throws
 * SIRA_ERR_CONTEXT_BUDGET_INVALID / _BUDGET_TOO_SMALL / _MODEL_UNKNOWN / _TIME_EXCEEDED, SIRA_ERR_REQUEST_INVALID
 * or SIRA_ERR_SESSION_NOT_FOUND.
 */
export async function buildContext(scope: TenantScope, sessionId: string, input: ContextRequestInput): Promise<ContextResponse> {
  const policy = scope.context.policy;
  const adaptive = input.strategy === 'adaptive' && policy !== undefined;
  const request = resolveContextRequest(
    {
      query: input.query,
      messages: input.messages,
      budgetTokens: input.budget_tokens,
      model: input.model,
      replyReserveTokens: input.reply_reserve_tokens,
      strategy: adaptive ? undefined : input.strategy,
      explain: input.explain,
      includeReasoning: input.include_reasoning,
    },
    scope.context.options.defaultEncoding,
  );
  if (adaptive) return adaptiveContext(scope, sessionId, input, request, policy);
  const r = await redactedWindow(scope, sessionId, input, request, scope.context.options);
  const id = newId('ctx_', scope.clock());
  policy?.served(scope.tenant, id, sessionId, r.strategy === 'recency' ? 'recency' : 'balanced', contextKey(policyContext(r.usage.candidates, r.query)), false);
  return Object.assign(r, { id });
}

/** Strategy `adaptive`: the tenant's bandit picks an arm (strategy and weights) for the request's context. */
async function adaptiveContext(scope: TenantScope, sessionId: string, input: ContextRequestInput, request: ResolvedContextRequest, policy: ContextPolicy): Promise<ContextResponse> {
  const session = found(await scope.store.getSession(scope.tenant, sessionId));
  const ctx = contextKey(policyContext(Math.min(session.turn_count, scope.opts.contextMaxTurns), request.query));
  const choice = await policy.choose(scope.tenant, ctx);
  const arm = policy.arm(choice.arm)!;
  const base = scope.context.options;
  const opts = arm.weights === undefined ? base : { ...base, scorer: { ...base.scorer, weights: { ...base.scorer.weights, ...arm.weights } } };
  const r = await redactedWindow(scope, sessionId, input, { ...request, strategy: arm.strategy }, opts, session);
  const id = newId('ctx_', scope.clock());
  policy.served(scope.tenant, id, sessionId, arm.name, ctx, true);
  return Object.assign(r, { id, policy: { arm: arm.name, context: ctx, reason: `${arm.name} (${arm.description}): ${choice.reason}`, samples: choice.samples } });
}

/**
 * Feedback on a context response of this session; updates the tenant's bandit statistics for the arm that served
 * it. Throws SIRA_ERR_SESSION_NOT_FOUND, SIRA_ERR_REQUEST_INVALID, SIRA_ERR_POLICY_CONTEXT_NOT_FOUND or
 * SIRA_ERR_POLICY_FEEDBACK_EXISTS.
 */
export async function contextFeedback(scope: TenantScope, sessionId: string, input: FeedbackInput): Promise<FeedbackResult> {
  const policy = scope.context.policy;
  found(await scope.store.getSession(scope.tenant, sessionId));
  if (policy === undefined) throw siraError('SIRA_ERR_POLICY_CONTEXT_NOT_FOUND', 'the adaptive policy is not enabled');
  return policy.feedback(scope.tenant, sessionId, input);
}

/**
 * The window under the tenant's redaction mode: `store` counts the placeholders the selected turns hold; `context`
 * builds it from redacted copies of the query, messages, turns, summary and profile block (the stored turns stay
 * as they were sent).
 */
async function redactedWindow(scope: TenantScope, sessionId: string, input: ContextRequestInput, request: ResolvedContextRequest, options: ContextOptions, known?: Session): Promise<Window> {
  const mode = await redactMode(scope);
  if (mode !== 'context') {
    const { turns, ...r } = await gatherAndBuild(scope, sessionId, input, request, options, known);
    if (mode === 'off') return r;
    const selected = new Set(r.selected.map((t) => t.seq));
    return { ...r, redaction: { mode, counts: placeholdersIn(turns.filter((t) => selected.has(t.seq))) } };
  }
  const counts: RedactionCounts = {};
  // Checked messages stay checked: redaction only replaces text inside them.
  const messages = redactMessages(request.messages, counts) as ChatMessage[];
  // A given query is redacted as given; one taken from the messages is taken again from their redacted copies.
  const query = input.query === undefined ? resolveQuery(undefined, messages) : redactText(request.query, counts);
  const { turns: _turns, ...r } = await gatherAndBuild(scope, sessionId, input, { ...request, messages, query }, options, known, counts);
  return { ...r, redaction: { mode, counts } };
}

/**
 * Gather what the window is built from and run the engine. With `counts`, stored turns, the summary and the profile
 * block are redacted into it. Per-turn analyses and counts are warmed a slice at a time under the request's time
 * budget (bounded work, issue 11), then the engine runs on warm caches with a tokenizer that stops it once the
 * budget is spent.
 */
async function gatherAndBuild(
  scope: TenantScope,
  sessionId: string,
  input: ContextRequestInput,
  request: ResolvedContextRequest,
  options: ContextOptions,
  known?: Session,
  counts?: RedactionCounts,
): Promise<Window & { turns: Turn[] }> {
  const { tenant, store, opts, context } = scope;
  const read = found(await contextTurns(store, tenant, sessionId, opts.contextMaxTurns, context.caches.turns));
  const turns = counts === undefined ? read.turns : redactTurns(read.turns, counts);
  const summarizer = request.strategy === 'recency' ? undefined : context.summarizer;
  const storedSummary = summarizer === undefined ? undefined : await summarizer.get(tenant, sessionId);
  const rolling = storedSummary === undefined || counts === undefined ? storedSummary : { ...storedSummary, content: redactText(storedSummary.content, counts) };
  // The session record (its user) read with the turns is used only when the profile block or cross-session recall needs it.
  const crossSession = input.cross_session ?? opts.crossSessionRecall;
  const wantsUser = (context.profiles !== undefined && opts.profileBlockMaxTokens > 0) || crossSession;
  const session = known ?? (wantsUser ? read.session : undefined);
  const profile = session === undefined ? undefined : await profileBlock(scope, session, request.encoding);
  const external = await externalCandidates(scope, session, input.agent_id, request.query, crossSession);
  const scores = context.enrichment === undefined || request.strategy === 'recency' ? undefined : await context.enrichment.dense(tenant, sessionId, turns, request.query);
  const budget = new WorkBudget(opts.contextTimeBudgetMs);
  const exact = await loadTokenizer(request.encoding);
  await prepareTurns(turns, exact, context.caches, { tenant, session: sessionId }, budget, options.media);
  if (request.messages.length > 0) await prepareMessages(request.messages, exact, budget);
  await budget.pace('engine');
  const inputs = {
    turns,
    // Redacted windows keep their own per-turn cache entries (their text differs from the stored turns').
    scope: { tenant, session: counts === undefined ? sessionId : `${sessionId}\u0000redacted` },
    dense: scores?.dense,
    // A synchronous embedder (the static default) also embeds words: query expansion with neighbour words.
    ...(scores === undefined || context.enrichment?.embedder.embedSync === undefined ? {} : { wordVectors: wordVectorsOf(context.enrichment.embedder) }),
    ...(rolling === undefined ? {} : { rollingSummary: rolling }),
    ...(profile === undefined ? {} : { pinnedBlocks: [{ title: profile.block.title, content: counts === undefined ? profile.block.content : redactText(profile.block.content, counts) }] }),
    ...(external === undefined ? {} : { external }),
  };
  const result = buildResolvedContext(inputs, request, options, budgetedTokenizer(exact, budget), context.caches);
  // Off the request path: when older turns were left out and the session outgrew its summary, refresh it.
  if (summarizer !== undefined && result.summary !== undefined && turns.length > 0) summarizer.maybeRefresh(tenant, sessionId, turns.at(-1)!.seq, storedSummary);
  if (scores !== undefined) result.usage.embedding = scores.usage;
  if (profile === undefined) return Object.assign(result, { turns });
  const included = result.pinned?.[0]?.included === true;
  return {
    ...result,
    turns,
    profile: {
      user_id: profile.user,
      tokens: included ? profile.block.tokens : 0,
      included,
      entries: included ? profile.block.included.map((e) => ({ id: e.id, slot: e.slot, value: e.value, polarity: e.polarity, confidence: e.confidence })) : [],
      omitted: included ? profile.block.omitted : profile.block.included.length + profile.block.omitted,
    },
  };
}

/** The pinned profile block for a context request on this session, when its user has a profile. */
async function profileBlock(scope: TenantScope, session: Session, encoding: EncodingName) {
  const profiles = scope.context.profiles;
  const max = scope.opts.profileBlockMaxTokens;
  if (profiles === undefined || max === 0 || session.user_id === null) return undefined;
  const block = await profiles.block(scope.tenant, session.user_id, await loadTokenizer(encoding), max);
  return block === undefined ? undefined : { user: session.user_id, block };
}

/** Candidates from outside the session: the agent's experiences, the user's earlier sessions (undefined: none asked). */
async function externalCandidates(scope: TenantScope, session: Session | undefined, agentId: string | undefined, query: string, crossSession: boolean): Promise<ExternalCandidate[] | undefined> {
  if (agentId === undefined && !crossSession) return undefined;
  if (agentId !== undefined && !isValidId(agentId)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'agent_id is not a valid id');
  const { experiences, recall } = scope.context;
  const out: ExternalCandidate[] = [];
  if (agentId !== undefined && experiences !== undefined) out.push(...(await experiences.candidates(scope.tenant, agentId, query)));
  if (crossSession && recall !== undefined && session !== undefined && session.user_id !== null) {
    out.push(...(await recall.candidates(scope.tenant, session.user_id, session, query)));
  }
  return out;
}

const wordVectorFns = new WeakMap<Embedder, WordVectors>();

/** The word embedder of a synchronous embedder (one function per embedder, so nothing is allocated per request). */
function wordVectorsOf(e: Embedder): WordVectors {
  let f = wordVectorFns.get(e);
  if (f === undefined) wordVectorFns.set(e, (f = (ws) => e.embedSync!(ws)));
  return f;
}
