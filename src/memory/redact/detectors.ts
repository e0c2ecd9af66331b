/**
 * @module memory/redact/detectors
 * PII and secret detectors: each is a regular expression for candidates plus a check that weeds out look-alikes
 * (Luhn for card numbers, mod-97 for IBANs, digit counts for phone numbers). Every pattern's repetitions are
 * bounded or anchored on a literal prefix, so one scan is linear in the text (no catastrophic backtracking on a
 * long unbroken run). A match is replaced by a typed placeholder such as `[EMAIL]`; the value is never kept.
 */

/** Kinds of what is redacted, as they appear in placeholders (`[EMAIL]`) and in the counts of an explanation. */
export type RedactionKind = 'EMAIL' | 'PHONE' | 'CARD' | 'IBAN' | 'API_KEY' | 'TOKEN';

/** Every kind, in the order detectors run (secrets first: a JWT or a key may contain what looks like the rest). */
export const REDACTION_KINDS: readonly RedactionKind[] = ['TOKEN', 'API_KEY', 'EMAIL', 'IBAN', 'CARD', 'PHONE'];

/** One detector: candidates, an optional check, and which part of the match is replaced (the whole by default). */
interface Detector {
  kind: RedactionKind;
  pattern: RegExp;
  /** False keeps the candidate (a look-alike). */
  accept?: (match: string) => boolean;
  /** Index of the capture group holding the secret; the text around it is kept (e.g. `Bearer `). */
  group?: number;
}

/** True when the digits pass the Luhn check (card numbers). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Card networks by issuer prefix and the lengths they issue: a Luhn-valid number must also look like one of them. */
function cardNetwork(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  if (digits[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 === 6011 || p2 === 65 || (p4 >= 6440 && p4 <= 6499)) return n >= 16 && n <= 19; // Discover
  if (p2 === 35) return n >= 16 && n <= 19; // JCB
  if (p2 === 36 || p2 === 38 || p2 === 30) return n === 14; // Diners Club
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  return false;
}

function acceptCard(match: string): boolean {
  // One kind of separator throughout (or none): "4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111".
  if (/ /.test(match) && /-/.test(match)) return false;
  const digits = match.replace(/[ -]/g, '');
  return digits.length >= 13 && digits.length <= 19 && cardNetwork(digits) && luhnValid(digits);
}

/** True when an IBAN (spaces allowed) passes the ISO 13616 mod-97 check. */
export function ibanValid(iban: string): boolean {
  const s = iban.replace(/ /g, '');
  if (s.length < 15 || s.length > 34) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const c = ch.charCodeAt(0);
    const v = c >= 65 ? c - 55 : c - 48; // A=10 … Z=35
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

function acceptPhone(match: string): boolean {
  const digits = match.replace(/\D/g, '').length;
  // Separators one at a time, except a closing parenthesis and a space: "+1 (555) 123-4567".
  return digits >= 8 && digits <= 15 && !/[ .-]{2}|\(\)|[.-][()]|[()][.-]/.test(match);
}

const DETECTORS: readonly Detector[] = [
  // JWTs: three base64url segments, the first two JSON objects ("eyJ" = base64 of `{"`).
  { kind: 'TOKEN', pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,8192}\.eyJ[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{10,8192}/g },
  // `Bearer <token>` in pasted headers or curl lines: the token goes, the word stays.
  { kind: 'TOKEN', pattern: /\b[Bb]earer\s+([A-Za-z0-9._~+/-]{16,4096}=*)/g, group: 1 },
  // OpenAI / Anthropic (sk-, sk-proj-, sk-ant-), GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), AWS access
  // key ids, Slack tokens and Sira's own keys. Each starts only where a run of token characters starts (the
  // look-behind), so a long run is scanned once, not once per position.
  {
    kind: 'API_KEY',
    pattern: /(?<![A-Za-z0-9_-])(?:sk-[A-Za-z0-9_-]{20,4096}|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])|xox[abprs]-[A-Za-z0-9-]{10,255}|sira_[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-]))/g,
  },
  {
    kind: 'EMAIL',
    pattern: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
  },
  { kind: 'IBAN', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g, accept: ibanValid },
  { kind: 'CARD', pattern: /(?<![\w.,-])\d(?:[ -]?\d){12,18}(?!\w|[.,]\d)/g, accept: acceptCard },
  {
    kind: 'PHONE',
    // International (+country …) or North American (555) 123-4567 / 555-123-4567 / 555.123.4567 forms. Bare digit
    // runs are left alone: ids, amounts and dates look the same.
    pattern: /(?<![\w+.-])(?:\+(?:\d[ .()-]{0,2}){7,14}\d|\(\d{3}\) ?\d{3}[-. ]\d{4}|\d{3}([-.])\d{3}\1\d{4})(?![\w]|[.,-]\d)/g,
    accept: acceptPhone,
  },
];

/** Counts of redacted values by kind. */
export type RedactionCounts = Partial<Record<RedactionKind, number>>;

/** Placeholder of a kind. */
export function placeholder(kind: RedactionKind): string {
  return `[${kind}]`;
}

/**
 * `text` with every detected value replaced by its placeholder; adds what was replaced to `counts` (by kind).
 * Returns the same string when nothing was found. Linear in the text.
 */
export function redactText(text: string, counts: RedactionCounts = {}): string {
  let out = text;
  for (const d of DETECTORS) {
    d.pattern.lastIndex = 0;
    out = out.replace(d.pattern, (match: string, ...rest: unknown[]) => {
      if (d.accept !== undefined && !d.accept(match)) return match;
      counts[d.kind] = (counts[d.kind] ?? 0) + 1;
      if (d.group === undefined) return placeholder(d.kind);
      const secret = rest[d.group - 1] as string;
      return match.slice(0, match.length - secret.length) + placeholder(d.kind);
    });
  }
  return out;
}

/** Placeholders already in `text`, by kind (what a store-time redaction left). */
export function countPlaceholders(text: string, counts: RedactionCounts = {}): RedactionCounts {
  for (const m of text.matchAll(/\[(EMAIL|PHONE|CARD|IBAN|API_KEY|TOKEN)\]/g)) {
    const kind = m[1] as RedactionKind;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}
