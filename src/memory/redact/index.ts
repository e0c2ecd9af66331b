/**
 * @module memory/redact
 * PII redaction of turns and chat messages: text parts, tool-call arguments and tool results go through
 * {@link redactText}; media, tensors and metadata are left as they are (metadata is the client's own JSON and is
 * returned unchanged by contract). Used before storage (`redact: 'store'`) or on the copies a context window is
 * built from (`redact: 'context'`).
 */
import type { Part, Turn } from '../../core/types.ts';
import { countPlaceholders, redactText, type RedactionCounts } from './detectors.ts';

export { countPlaceholders, ibanValid, luhnValid, placeholder, redactText, REDACTION_KINDS, type RedactionCounts, type RedactionKind } from './detectors.ts';

/** A part with its text fields redacted (the same object when nothing changed). */
export function redactPart<P extends Part>(part: P, counts: RedactionCounts): P {
  switch (part.type) {
    case 'text': {
      const text = redactText(part.text, counts);
      return text === part.text ? part : { ...part, text };
    }
    case 'tool_call': {
      const args = redactText(part.arguments, counts);
      return args === part.arguments ? part : { ...part, arguments: args };
    }
    case 'tool_result': {
      const content = redactText(part.content, counts);
      return content === part.content ? part : { ...part, content };
    }
    default:
      return part;
  }
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
      if (p.type === 'text') countPlaceholders(p.text, counts);
      else if (p.type === 'tool_call') countPlaceholders(p.arguments, counts);
      else if (p.type === 'tool_result') countPlaceholders(p.content, counts);
    }
  }
  return counts;
}
