/**
 * @module memory/profile/extract
 * Preference and fact extraction from a user's text: each clause is matched by the rules (slot, value, polarity
 * as read), then the classifier decides whether it is the user's own current statement and settles the polarity.
 * Without a classifier the rules' gates decide alone (questions, hypotheticals and reported speech are dropped).
 */
import { featurize, predict, type ClassifierWeights, type Label } from './classifier.ts';
import { gateOf, matchClause, slotOf, splitClauses, type RuleMatch } from './rules.ts';

/** A preference or fact a user stated. */
export interface Statement {
  /** `diet`, `home_city`, `likes`, `people/daughter`, … */
  attribute: string;
  /** `diet`, `likes/cilantro`, … (see {@link slotOf}). */
  slot: string;
  value: string;
  polarity: 'positive' | 'negative';
  /** 0..1: the classifier's probability that this is a statement, times the pattern's specificity. */
  confidence: number;
  /** The clause it came from. */
  quote: string;
  /** The rule pattern that read it. */
  pattern: string;
}

/** How one clause was read (the evaluation looks at every clause, statements or not). */
export interface ClauseReading {
  clause: string;
  match: RuleMatch | undefined;
  gate: 'question' | 'hypothetical' | 'reported' | undefined;
  /** Class probabilities (none, positive, negative), when a classifier is loaded. */
  probs: [number, number, number] | undefined;
  label: Label;
  statement: Statement | undefined;
}

/** Extraction tunables. */
export interface ExtractOptions {
  /** The classifier; without it the rules' gates decide. */
  weights?: ClassifierWeights;
  /** Lowest statement probability (1 − P(none)) that counts as a statement. @default 0.5 */
  threshold?: number;
  /** Lowest statement probability for a clause the rules gate (question, hypothetical, reported). @default 0.9 */
  gatedThreshold?: number;
  /** The classifier overrides the rule's polarity only when its pos/neg odds are at least this sure. @default 0.9 */
  polarityOverride?: number;
}

/** Read one clause; `previous` resolves a pronoun value ("now I love them") to the clause before's value. */
export function readClause(clause: string, opts: ExtractOptions = {}, previous?: { attribute: string; value: string }): ClauseReading {
  const match = matchClause(clause, previous);
  const gate = match === undefined ? undefined : gateOf(clause, match.index);
  if (match === undefined) return { clause, match, gate, probs: undefined, label: 'none', statement: undefined };
  let isStatement: boolean;
  let polarity = match.polarity;
  let pStatement: number;
  let probs: [number, number, number] | undefined;
  if (opts.weights !== undefined) {
    probs = predict(opts.weights, featurize(clause, match));
    pStatement = 1 - probs[0];
    // A clause the rules gate (question, hypothetical, someone else's words) needs a much surer classifier.
    isStatement = pStatement >= (gate === undefined ? (opts.threshold ?? 0.5) : (opts.gatedThreshold ?? 0.9));
    const pos = probs[1] / (probs[1] + probs[2]);
    const sure = opts.polarityOverride ?? 0.9;
    if (pos >= sure) polarity = 'positive';
    else if (1 - pos >= sure) polarity = 'negative';
  } else {
    pStatement = gate === undefined ? 0.8 : 0.1;
    isStatement = gate === undefined;
  }
  if (!isStatement) return { clause, match, gate, probs, label: 'none', statement: undefined };
  const statement: Statement = {
    attribute: match.attribute,
    slot: slotOf(match.attribute, match.value),
    value: match.value,
    polarity,
    confidence: Math.round(pStatement * match.strength * 1000) / 1000,
    quote: clause.length > 200 ? `${clause.slice(0, 197)}...` : clause,
    pattern: match.pattern,
  };
  return { clause, match, gate, probs, label: polarity, statement };
}

/** Every clause of `text`, read in order (pronouns resolve to the previous matched value). */
export function readText(text: string, opts: ExtractOptions = {}): ClauseReading[] {
  const out: ClauseReading[] = [];
  let previous: { attribute: string; value: string } | undefined;
  for (const clause of splitClauses(text)) {
    const r = readClause(clause, opts, previous);
    if (r.match !== undefined) previous = { attribute: r.match.attribute, value: r.match.value };
    out.push(r);
  }
  return out;
}

/** The user's statements in `text`, in order. */
export function extractStatements(text: string, opts: ExtractOptions = {}): Statement[] {
  return readText(text, opts).flatMap((r) => (r.statement === undefined ? [] : [r.statement]));
}

/**
 * One label for a whole sentence (the evaluation unit): the first statement's polarity, or `none`. Returns the
 * statement too.
 */
export function labelSentence(text: string, opts: ExtractOptions = {}): { label: Label; statement: Statement | undefined } {
  const s = extractStatements(text, opts)[0];
  return { label: s === undefined ? 'none' : s.polarity, statement: s };
}

