/**
 * @module training/lib/preference-eval
 * The two preference metrics, shared by the training task and bench/profiles.bench.ts:
 * - statement F1: a sentence counts as a true positive when it is a user statement and the extractor finds a
 *   statement with the right polarity (precision over predicted statements, recall over gold statements); the
 *   slot accuracy of those true positives is reported beside it;
 * - current-value accuracy: after a user's whole history is extracted into a profile, the share of gold slots
 *   whose current entry has the right value and polarity (spurious current slots are counted separately).
 */
import { extractStatements, labelSentence, type ExtractOptions } from '../../src/memory/profile/extract.ts';
import { applyStatements, currentEntries, currentOf, emptyProfile, type Observed } from '../../src/memory/profile/profile.ts';
import type { LabelledSentence, UserHistory } from './preference-data.ts';

export interface StatementMetrics {
  n: number;
  precision: number;
  recall: number;
  f1: number;
  /** Share of sentences whose 3-way label (none/positive/negative) is right. */
  accuracy: number;
  /** Of the true positives, the share with the gold slot and value. */
  slot_accuracy: number;
  /** Errors by family (for reports). */
  errors_by_family: Record<string, number>;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function statementMetrics(rows: readonly LabelledSentence[], opts: ExtractOptions): StatementMetrics {
  let tp = 0;
  let predicted = 0;
  let gold = 0;
  let right = 0;
  let slotRight = 0;
  const errors: Record<string, number> = {};
  for (const r of rows) {
    const { label, statement } = labelSentence(r.text, opts);
    if (label !== 'none') predicted++;
    if (r.label !== 'none') gold++;
    if (label === r.label) right++;
    else errors[r.family] = (errors[r.family] ?? 0) + 1;
    if (label !== 'none' && label === r.label) {
      tp++;
      if (statement !== undefined && statement.attribute === r.attribute && statement.value.toLowerCase() === r.value?.toLowerCase()) slotRight++;
    }
  }
  const precision = predicted === 0 ? 0 : tp / predicted;
  const recall = gold === 0 ? 0 : tp / gold;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { n: rows.length, precision: r4(precision), recall: r4(recall), f1: r4(f1), accuracy: r4(right / rows.length), slot_accuracy: r4(tp === 0 ? 0 : slotRight / tp), errors_by_family: errors };
}

export interface HistoryMetrics {
  users: number;
  slots: number;
  current_value_accuracy: number;
  /** Current entries in slots the gold does not have, per user. */
  spurious_per_user: number;
}

/** Extract every user turn of each history into a fresh profile and compare the current values with the gold. */
export function historyMetrics(histories: readonly UserHistory[], opts: ExtractOptions): HistoryMetrics {
  let slots = 0;
  let right = 0;
  let spurious = 0;
  for (const h of histories) {
    const doc = emptyProfile(h.user);
    let at = 1_700_000_000_000;
    for (const s of h.sessions) {
      s.turns.forEach((text, i) => {
        at += 60_000;
        const obs: Observed[] = extractStatements(text, opts).map((st) => ({ ...st, session: s.id, seq: i + 1, at }));
        applyStatements(doc, obs);
      });
    }
    for (const [slot, g] of h.gold) {
      slots++;
      const cur = currentOf(doc, slot);
      if (cur !== undefined && cur.value.toLowerCase() === g.value.toLowerCase() && cur.polarity === g.polarity) right++;
    }
    spurious += currentEntries(doc).filter((e) => !h.gold.has(e.slot)).length;
  }
  return { users: histories.length, slots, current_value_accuracy: r4(slots === 0 ? 0 : right / slots), spurious_per_user: r4(spurious / Math.max(1, histories.length)) };
}
