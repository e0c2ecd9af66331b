/**
 * @module memory/profile/profile
 * A user's profile document and how statements change it. Each slot has at most one `current` entry; a newer
 * statement that agrees reinforces it (more evidence, higher confidence), one that disagrees (another value, or
 * the other polarity) supersedes it: the old entry stays in the history with `superseded_by`, nothing is
 * overwritten in place. Entries set explicitly (PATCH) win over extraction: an extracted statement that
 * contradicts one is kept as `rejected`. Stored as JSON in the Store's `profiles` collection, id = user id.
 */
import { siraError } from '../../core/errors.ts';
import { SINGLE_VALUED } from './rules.ts';
import type { Statement } from './extract.ts';

/** Where an entry's evidence is. */
export interface Evidence {
  session: string;
  seq: number;
  /** ms since the epoch (the turn's time). */
  at: number;
  /** The clause, at most 200 chars (omitted for explicit entries). */
  quote?: string;
}

export type EntryStatus = 'current' | 'superseded' | 'rejected';

/** One preference or fact, current or historical. */
export interface ProfileEntry {
  /** `e1`, `e2`, … unique within the profile. */
  id: string;
  slot: string;
  attribute: string;
  value: string;
  polarity: 'positive' | 'negative';
  /** 0..1; combined over agreeing evidence (noisy-or). */
  confidence: number;
  status: EntryStatus;
  /** `extracted` from turns, or `explicit` (PATCH). */
  source: 'extracted' | 'explicit';
  /** Newest last; at most {@link MAX_EVIDENCE}. */
  evidence: Evidence[];
  first_seen: number;
  last_seen: number;
  /** The entry that replaced this one (status superseded or rejected). */
  superseded_by?: string;
  /** The entry this one replaced. */
  supersedes?: string;
}

/** The stored profile of one user. */
export interface ProfileDoc {
  user_id: string;
  entries: ProfileEntry[];
  /** Next entry number. */
  next: number;
  /** Statements applied (counts reinforcements). */
  statements: number;
  /** `session#seq` of the newest turns applied (a retried job is skipped); at most {@link MAX_SEEN}. */
  seen?: string[];
}

/** Evidence kept per entry. */
export const MAX_EVIDENCE = 20;
/** History entries kept per slot (the oldest superseded go first). */
export const MAX_HISTORY_PER_SLOT = 20;
/** Current entries a profile holds at most (beyond it, the least confident extracted entries are dropped). */
export const MAX_CURRENT = 500;
/** Turn keys remembered for idempotence. */
export const MAX_SEEN = 256;

/** A fresh profile. */
export function emptyProfile(userId: string): ProfileDoc {
  return { user_id: userId, entries: [], next: 1, statements: 0 };
}

/** The current entries, most confident first (ties: most recent, then slot). */
export function currentEntries(doc: ProfileDoc): ProfileEntry[] {
  return doc.entries
    .filter((e) => e.status === 'current')
    .sort((a, b) => b.confidence - a.confidence || b.last_seen - a.last_seen || (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0));
}

/** The current entry of a slot. */
export function currentOf(doc: ProfileDoc, slot: string): ProfileEntry | undefined {
  return doc.entries.find((e) => e.slot === slot && e.status === 'current');
}

/** A statement with where it was said. */
export interface Observed extends Statement {
  session: string;
  seq: number;
  at: number;
}

const noisyOr = (a: number, b: number) => Math.round((1 - (1 - a) * (1 - b)) * 1000) / 1000;

/** Apply statements in order (mutates and returns `doc`). */
export function applyStatements(doc: ProfileDoc, statements: readonly Observed[]): ProfileDoc {
  const seen = new Set(doc.seen ?? []);
  const fresh = new Set<string>();
  for (const s of statements) {
    const key = `${s.session}#${s.seq}`;
    // A turn already applied (a retried or duplicated job) adds nothing.
    if (seen.has(key)) continue;
    fresh.add(key);
    applyOne(doc, s);
  }
  if (fresh.size > 0) doc.seen = [...(doc.seen ?? []), ...fresh].slice(-MAX_SEEN);
  prune(doc);
  return doc;
}

function applyOne(doc: ProfileDoc, s: Observed): void {
  doc.statements++;
  const ev: Evidence = { session: s.session, seq: s.seq, at: s.at, quote: s.quote };
  const cur = currentOf(doc, s.slot);
  if (cur !== undefined && cur.value.toLowerCase() === s.value.toLowerCase() && cur.polarity === s.polarity) {
    cur.evidence = [...cur.evidence, ev].slice(-MAX_EVIDENCE);
    cur.confidence = noisyOr(cur.confidence, s.confidence);
    cur.last_seen = Math.max(cur.last_seen, s.at);
    return;
  }
  const entry: ProfileEntry = {
    id: `e${doc.next++}`,
    slot: s.slot,
    attribute: s.attribute,
    value: s.value,
    polarity: s.polarity,
    confidence: s.confidence,
    status: 'current',
    source: 'extracted',
    evidence: [ev],
    first_seen: s.at,
    last_seen: s.at,
  };
  if (cur === undefined) {
    doc.entries.push(entry);
    return;
  }
  if (cur.source === 'explicit') {
    // Set by the user or client on purpose: a statement read from text does not replace it, but is kept.
    doc.entries.push({ ...entry, status: 'rejected', superseded_by: cur.id });
    return;
  }
  if (SINGLE_VALUED.has(s.attribute) && s.polarity === 'negative' && cur.value.toLowerCase() !== s.value.toLowerCase()) {
    // "I don't live in Paris" while the current value is Lyon: consistent with it, kept as history only.
    doc.entries.push({ ...entry, status: 'superseded', superseded_by: cur.id });
    return;
  }
  if (s.at < cur.last_seen) {
    // Out of order (a late job for an older turn): it does not replace the newer statement.
    doc.entries.push({ ...entry, status: 'superseded', superseded_by: cur.id });
    return;
  }
  cur.status = 'superseded';
  cur.superseded_by = entry.id;
  entry.supersedes = cur.id;
  doc.entries.push(entry);
}

function prune(doc: ProfileDoc): void {
  const bySlot = new Map<string, ProfileEntry[]>();
  for (const e of doc.entries) if (e.status !== 'current') bySlot.set(e.slot, [...(bySlot.get(e.slot) ?? []), e]);
  const drop = new Set<ProfileEntry>();
  for (const hist of bySlot.values()) {
    if (hist.length > MAX_HISTORY_PER_SLOT) for (const e of hist.sort((a, b) => a.last_seen - b.last_seen).slice(0, hist.length - MAX_HISTORY_PER_SLOT)) drop.add(e);
  }
  const current = doc.entries.filter((e) => e.status === 'current' && e.source === 'extracted');
  if (doc.entries.filter((e) => e.status === 'current').length > MAX_CURRENT) {
    const extra = doc.entries.filter((e) => e.status === 'current').length - MAX_CURRENT;
    for (const e of current.sort((a, b) => a.confidence - b.confidence || a.last_seen - b.last_seen).slice(0, extra)) drop.add(e);
  }
  if (drop.size > 0) doc.entries = doc.entries.filter((e) => !drop.has(e));
}

/** An explicit change from a client: set a slot's value, or forget a slot (entries and history). */
export interface ProfileChange {
  set?: { attribute: string; value: string; polarity?: 'positive' | 'negative'; slot?: string }[];
  /** Slots to forget entirely (current entry and its history). */
  remove?: string[];
}

/** Apply an explicit change at time `at` (mutates and returns `doc`). */
export function applyChange(doc: ProfileDoc, change: ProfileChange, at: number, slotOf: (attribute: string, value: string) => string): ProfileDoc {
  const removed = new Set(change.remove ?? []);
  if (removed.size > 0) doc.entries = doc.entries.filter((e) => !removed.has(e.slot));
  for (const s of change.set ?? []) {
    const slot = s.slot ?? slotOf(s.attribute, s.value);
    const polarity = s.polarity ?? 'positive';
    const cur = currentOf(doc, slot);
    if (cur !== undefined && cur.value === s.value && cur.polarity === polarity && cur.source === 'explicit') continue;
    const entry: ProfileEntry = {
      id: `e${doc.next++}`,
      slot,
      attribute: s.attribute,
      value: s.value,
      polarity,
      confidence: 1,
      status: 'current',
      source: 'explicit',
      evidence: [],
      first_seen: at,
      last_seen: at,
    };
    if (cur !== undefined) {
      cur.status = 'superseded';
      cur.superseded_by = entry.id;
      entry.supersedes = cur.id;
    }
    doc.entries.push(entry);
  }
  prune(doc);
  return doc;
}

/**
 * Forget what a session taught (its turns are being deleted): its evidence goes from every entry, extracted entries
 * left without evidence go, and a slot whose current entry went falls back to its newest remaining entry. Returns
 * whether anything changed (mutates `doc`).
 */
export function forgetSession(doc: ProfileDoc, session: string): boolean {
  let changed = false;
  for (const e of doc.entries) {
    const kept = e.evidence.filter((v) => v.session !== session);
    if (kept.length !== e.evidence.length) {
      e.evidence = kept;
      changed = true;
    }
  }
  const before = doc.entries.length;
  const lostCurrent = new Set(doc.entries.filter((e) => e.source === 'extracted' && e.evidence.length === 0 && e.status === 'current').map((e) => e.slot));
  doc.entries = doc.entries.filter((e) => !(e.source === 'extracted' && e.evidence.length === 0));
  if (doc.entries.length !== before) changed = true;
  for (const slot of lostCurrent) {
    const prev = doc.entries.filter((e) => e.slot === slot && e.status === 'superseded').sort((a, b) => b.last_seen - a.last_seen)[0];
    if (prev !== undefined) {
      prev.status = 'current';
      delete prev.superseded_by;
    }
  }
  const prefix = `${session}#`;
  if (doc.seen?.some((k) => k.startsWith(prefix)) === true) doc.seen = doc.seen.filter((k) => !k.startsWith(prefix));
  return changed;
}

/** JSON bytes of a profile. */
export function encodeProfile(doc: ProfileDoc): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(doc));
}

/** Parse stored bytes; throws SIRA_ERR_CODEC_CORRUPT. */
export function decodeProfile(bytes: Uint8Array): ProfileDoc {
  try {
    const d = JSON.parse(new TextDecoder().decode(bytes)) as ProfileDoc;
    if (typeof d.user_id !== 'string' || !Array.isArray(d.entries)) throw new Error('not a profile');
    return d;
  } catch (cause) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', 'stored profile could not be decoded', { cause });
  }
}
