/**
 * @module memory/experiences/record
 * An experience: one agent trajectory (task, steps, outcome, reward), validated, and its stored form in the
 * `experiences` document collection: a versioned binary record (`SXP1`, u32 LE JSON length, the JSON, then the
 * task embedding as f32 LE) so the vector index can be rebuilt from the store without re-embedding.
 */
import { siraError } from '../../core/errors.ts';
import { isValidId } from '../../core/ids.ts';
import type { Json, JsonObject } from '../../core/types.ts';
import { checkJsonSize, isJsonObject } from '../../core/validate.ts';

/** How a run ended. */
export type Outcome = 'success' | 'failure' | 'partial';
export const OUTCOMES: readonly Outcome[] = ['success', 'failure', 'partial'];

/** One step of a trajectory. */
export interface ExperienceStep {
  /** The tool used, if any (e.g. `web_search`). */
  tool?: string;
  /** What the agent did (e.g. `query`, `open_page`, `answer`). */
  action: string;
  input?: Json;
  output?: Json;
  /** Whether the step succeeded. */
  ok: boolean;
}

/** What a client posts. */
export interface ExperienceInput {
  id?: string;
  task: string;
  agent_id: string;
  steps: ExperienceStep[];
  outcome: Outcome;
  reward?: number;
  metadata?: JsonObject;
}

/** A stored experience. */
export interface Experience {
  id: string;
  task: string;
  agent_id: string;
  steps: ExperienceStep[];
  outcome: Outcome;
  /** @default 1 for success, 0.5 partial, 0 failure */
  reward: number;
  metadata: JsonObject;
  created_at: number;
}

/** Limits of one experience. */
export const EXPERIENCE_LIMITS = Object.freeze({ taskChars: 8000, steps: 500, nameChars: 200, bytes: 1024 * 1024 });

const bad = (detail: string) => siraError('SIRA_ERR_EXPERIENCE_INVALID', detail);

/** Validate a posted experience; throws SIRA_ERR_EXPERIENCE_INVALID naming the first bad field. */
export function checkExperience(input: unknown, now: number, newId: () => string): Experience {
  if (!isJsonObject(input)) throw bad('the body must be a JSON object');
  const x = input as Record<string, unknown>;
  if (x.id !== undefined && !isValidId(x.id)) throw bad('id must be 1-128 chars of [A-Za-z0-9_.:-]');
  if (typeof x.task !== 'string' || x.task.trim() === '' || x.task.length > EXPERIENCE_LIMITS.taskChars) throw bad(`task must be a non-empty string of at most ${EXPERIENCE_LIMITS.taskChars} characters`);
  if (!isValidId(x.agent_id)) throw bad('agent_id must be 1-128 chars of [A-Za-z0-9_.:-]');
  if (!Array.isArray(x.steps) || x.steps.length > EXPERIENCE_LIMITS.steps) throw bad(`steps must be an array of at most ${EXPERIENCE_LIMITS.steps} steps`);
  const steps = x.steps.map((s: unknown, i): ExperienceStep => {
    if (!isJsonObject(s)) throw bad(`steps[${i}] must be an object`);
    const o = s as Record<string, unknown>;
    const name = (v: unknown) => typeof v === 'string' && v.trim() !== '' && v.length <= EXPERIENCE_LIMITS.nameChars;
    if (!name(o.action)) throw bad(`steps[${i}].action must be a non-empty string of at most ${EXPERIENCE_LIMITS.nameChars} characters`);
    if (o.tool !== undefined && !name(o.tool)) throw bad(`steps[${i}].tool must be a non-empty string of at most ${EXPERIENCE_LIMITS.nameChars} characters`);
    if (typeof o.ok !== 'boolean') throw bad(`steps[${i}].ok must be a boolean`);
    return { ...(o.tool === undefined ? {} : { tool: o.tool as string }), action: o.action as string, ...(o.input === undefined ? {} : { input: o.input as Json }), ...(o.output === undefined ? {} : { output: o.output as Json }), ok: o.ok };
  });
  if (!(OUTCOMES as readonly unknown[]).includes(x.outcome)) throw bad(`outcome must be one of ${OUTCOMES.join(', ')}`);
  const outcome = x.outcome as Outcome;
  if (x.reward !== undefined && (typeof x.reward !== 'number' || !Number.isFinite(x.reward))) throw bad('reward must be a finite number');
  if (x.metadata !== undefined && !isJsonObject(x.metadata)) throw bad('metadata must be a JSON object');
  const e: Experience = {
    id: (x.id as string | undefined) ?? newId(),
    task: x.task,
    agent_id: x.agent_id,
    steps,
    outcome,
    reward: (x.reward as number | undefined) ?? defaultReward(outcome),
    metadata: (x.metadata as JsonObject | undefined) ?? {},
    created_at: now,
  };
  checkJsonSize(e as unknown as Json, EXPERIENCE_LIMITS.bytes, 'SIRA_ERR_EXPERIENCE_INVALID', 'the experience');
  return e;
}

/** The reward of an outcome when the client gives none. */
export function defaultReward(o: Outcome): number {
  return o === 'success' ? 1 : o === 'partial' ? 0.5 : 0;
}

const MAGIC = 0x31505853; // 'SXP1' little-endian

/** Stored form: magic, JSON length, JSON `{experience, model}`, the embedding (f32 LE). */
export function encodeExperience(e: Experience, model: string, vector: Float32Array): Uint8Array {
  const json = Buffer.from(JSON.stringify({ e, model, dim: vector.length }), 'utf8');
  const out = Buffer.alloc(8 + json.length + vector.length * 4);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  for (let i = 0; i < vector.length; i++) out.writeFloatLE(vector[i]!, 8 + json.length + i * 4);
  return out;
}

/** Decode {@link encodeExperience}; throws SIRA_ERR_CODEC_CORRUPT. The vector is a copy. */
export function decodeExperience(raw: Uint8Array): { experience: Experience; model: string; vector: Float32Array } {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (b.length < 8 || b.readUInt32LE(0) !== MAGIC) throw siraError('SIRA_ERR_CODEC_CORRUPT', 'not an experience record');
  const n = b.readUInt32LE(4);
  const head = JSON.parse(b.subarray(8, 8 + n).toString('utf8')) as { e: Experience; model: string; dim: number };
  if (b.length !== 8 + n + head.dim * 4) throw siraError('SIRA_ERR_CODEC_CORRUPT', 'experience record length');
  const vector = new Float32Array(head.dim);
  for (let i = 0; i < head.dim; i++) vector[i] = b.readFloatLE(8 + n + i * 4);
  return { experience: head.e, model: head.model, vector };
}
