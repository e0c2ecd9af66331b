/**
 * @module sira/learning
 * What one tenant learns from its sessions: session evaluation (intent and quality), the tenant's intent models
 * (train, list, delete, classify) and the agents' experiences.
 */
import { siraError, type Turn } from '../core/index.ts';
import { ANALYSIS_MAX_CHARS, textHead, withTextHead } from '../core/text-limits.ts';
import { SessionEvaluator, type SessionEvaluation, type SessionIntentClassifier } from '../memory/evaluate/index.ts';
import type { Experiences } from '../memory/experiences/index.ts';
import {
  classifyTenantIntent,
  classifyTenantSession,
  deleteTenantIntentModel,
  listTenantIntentModels,
  trainTenantIntentModel,
  type IntentAnswer,
  type IntentTrainInput,
  type TenantIntentModelInfo,
} from '../memory/intents.ts';
import { turnText } from '../models/chat.ts';
import type { SessionClassifyOptions, SessionIntentResult } from '../models/intent/index.ts';
import { found, type EvaluateRequestInput, type TenantScope } from './types.ts';

/**
 * Intent and quality of the session's newest `last` turns (see `TenantSessions.evaluateSession`). Throws
 * SIRA_ERR_REQUEST_INVALID (`last`) or SIRA_ERR_SESSION_NOT_FOUND.
 */
export async function evaluateSession(scope: TenantScope, sessionId: string, request: EvaluateRequestInput = {}): Promise<SessionEvaluation> {
  const max = scope.opts.contextMaxTurns;
  const last = request.last ?? max;
  if (!Number.isSafeInteger(last) || last < 1 || last > max) throw siraError('SIRA_ERR_REQUEST_INVALID', `last must be an integer 1..${max}`);
  const turns = found(await scope.store.getTurns(scope.tenant, sessionId, { last }));
  scope.context.evaluator ??= new SessionEvaluator();
  // Quality features read each turn's first ANALYSIS_MAX_CHARS characters (bounded work per turn, issue 11).
  return scope.context.evaluator.evaluate(
    turns.map((t) => withTextHead(t, ANALYSIS_MAX_CHARS)),
    { intent: request.intent !== false, classifier: intentClassifier(scope) },
  );
}

/**
 * The session intent classifier for this tenant: its own `default` model (POST /v1/intents/train), else the
 * built-in CLINC150 one. With neither (no artifact), classifying throws, so the evaluation reports `intent: null`
 * with `intent_error` and still scores quality.
 */
function intentClassifier(scope: TenantScope): SessionIntentClassifier {
  const { store, tenant } = scope;
  const c: { model?: { name: string; version: string }; classifySession: SessionIntentClassifier['classifySession'] } = {
    async classifySession(turns) {
      const r = await classifyTenantSession(store, tenant, turns.map((t) => ({ role: t.role, text: textHead(turnText(t), ANALYSIS_MAX_CHARS) })));
      if (r.model === null || r.fallback) throw siraError('SIRA_ERR_INTENT_MODEL_NOT_FOUND', 'no intent model is available (no tenant model and no built-in artifact)');
      c.model = { name: r.builtin ? `builtin:${r.model}` : r.model, version: r.builtin ? 'v1' : 'tenant' };
      return { label: r.label, confidence: r.confidence, distribution: r.distribution, out_of_scope: r.out_of_scope };
    },
  };
  return c;
}

/** Train and store an intent model (see `TenantSessions.trainIntentModel`); stamped with the service clock. */
export function trainIntentModel(scope: TenantScope, input: IntentTrainInput): Promise<TenantIntentModelInfo> {
  return trainTenantIntentModel(scope.store, scope.tenant, input, scope.clock);
}

/** This tenant's intent models, ascending by name. */
export function listIntentModels(scope: TenantScope): Promise<TenantIntentModelInfo[]> {
  return listTenantIntentModels(scope.store, scope.tenant);
}

/** Delete an intent model; throws SIRA_ERR_INTENT_MODEL_NOT_FOUND when there is none of that name. */
export async function deleteIntentModel(scope: TenantScope, name: string): Promise<void> {
  if (!(await deleteTenantIntentModel(scope.store, scope.tenant, name))) throw siraError('SIRA_ERR_INTENT_MODEL_NOT_FOUND', `no intent model named ${name}`);
}

/** Classify a text (see `TenantSessions.classifyIntent`). */
export function classifyIntent(scope: TenantScope, text: string, model?: string, topK?: number): Promise<IntentAnswer> {
  return classifyTenantIntent(scope.store, scope.tenant, text, model, topK);
}

/** The session-level intent of these turns' user messages (recent ones weigh more). */
export function classifyTurnsIntent(scope: TenantScope, turns: readonly Turn[], model?: string, opts?: SessionClassifyOptions): Promise<SessionIntentResult & { model: string | null; builtin: boolean }> {
  const texts = turns.map((t) => ({ role: t.role, text: t.parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n') }));
  return classifyTenantSession(scope.store, scope.tenant, texts, model, opts);
}

/** The experiences service; throws SIRA_ERR_INTERNAL when it is not enabled. */
export function experiencesOf(scope: TenantScope): Experiences {
  if (scope.context.experiences === undefined) throw siraError('SIRA_ERR_INTERNAL', 'experiences are not enabled');
  return scope.context.experiences;
}
