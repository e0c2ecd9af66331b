/**
 * @module memory/redact
 * PII redaction of turns and chat messages: the free text of parts (text, tool-call arguments and results, reasoning,
 * code, transcripts, captions, extracted document text, citation snippets) goes through {@link redactText}; media
 * bytes, tensors, JSON values and metadata are left as they are (metadata is the client's own JSON and is
 * returned unchanged by contract). Used before storage (`redact: 'store'`) or on the copies a context window is
 * built from (`redact: 'context'`).
 */
import type { Part, Turn } from '../../core/types.ts';
import { countPlaceholders, redactText, type RedactionCounts } from './detectors.ts';

export { countPlaceholders, ibanValid, luhnValid, placeholder, redactText, REDACTION_KINDS, type RedactionCounts, type RedactionKind } from './detectors.ts';

/** The free-text fields of each part type that redaction covers (ids, names, URLs and JSON values are left alone). */
const TEXT_FIELDS: Partial<Record<Part['type'], readonly string[]>> = {
  text: ['text'],
  tool_call: ['arguments'],
  tool_result: ['content'],
  reasoning: ['text'],
  code: ['code'],
  document: ['text'],
  audio: ['transcript'],
  image: ['caption'],
  video: ['caption', 'transcript'],
  citation: ['snippet'],
};

/** A part with its text fields redacted (the same object when nothing changed). */
export function redactPart<P extends Part>(part: P, counts: RedactionCounts): P {
  let out: P = part;
  for (const field of TEXT_FIELDS[part.type] ?? []) {
    const value = (part as unknown as Record<string, unknown>)[field];
    if (typeof value !== 'string') continue;
    const redacted = redactText(value, counts);
    if (redacted !== value) out = { ...out, [field]: redacted };
  }
  return out;
}

/** Turns (or new turns) with their parts redacted; counts what was replaced. */
export function redactTurns<T extends { parts: Part[] }>(turns: readonly T[], counts: RedactionCounts): T[] {
  return turns.map((t) => {
    const parts = t.parts.map((p) => redactPart(p, counts));
    return parts.every((p, i) => p === t.parts[i]) ? t : { ...t, parts };
  });
}

/** Chat messages (OpenAI shape) with string contents and text content parts redacted. */
export function redactMessages(messages: readonly unknown[], counts: RedactionCounts): unknown[] {
  return messages.map((m) => {
    if (typeof m !== 'object' || m === null) return m;
    const msg = m as { content?: unknown };
    if (typeof msg.content === 'string') return { ...msg, content: redactText(msg.content, counts) };
    if (Array.isArray(msg.content)) {
      return {
        ...msg,
        content: msg.content.map((p: unknown) => {
          const part = p as { type?: unknown; text?: unknown };
          return part !== null && typeof part === 'object' && part.type === 'text' && typeof part.text === 'string' ? { ...part, text: redactText(part.text, counts) } : p;
        }),
      };
    }
    return m;
  });
}

/** Placeholders a store-time redaction left in these turns, by kind. */
export function placeholdersIn(turns: readonly Turn[]): RedactionCounts {
  const counts: RedactionCounts = {};
  for (const t of turns) {
    for (const p of t.parts) {
      for (const field of TEXT_FIELDS[p.type] ?? []) {
        const value = (p as unknown as Record<string, unknown>)[field];
        if (typeof value === 'string') countPlaceholders(value, counts);
      }
    }
  }
  return counts;
}
