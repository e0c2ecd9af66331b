import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid, redactText, type RedactionCounts } from './detectors.ts';

const SEED = Number(process.env.SIRA_FC_SEED ?? 20_261_202);
fc.configureGlobal({ seed: SEED, numRuns: 300 });

const alnum = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const chars = (set: string, min: number, max: number) => fc.string({ unit: fc.constantFrom(...set.split('')), minLength: min, maxLength: max });
const digits = (n: number) => chars('0123456789', n, n);

/** Complete a digit prefix with a Luhn check digit. */
function withLuhn(prefix: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(prefix + d)) return prefix + d;
  throw new Error('unreachable');
}

/** An IBAN with its mod-97 check digits computed. */
function withIbanCheck(country: string, bban: string): string {
  const moved = `${bban}${country}00`;
  let rem = 0;
  for (const ch of moved) {
    const c = ch.charCodeAt(0);
    const v = c >= 65 ? c - 55 : c - 48;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return `${country}${String(98 - rem).padStart(2, '0')}${bban}`;
}

const email = fc
  .tuple(chars(alnum + '._+', 1, 20), chars('abcdefghijklmnopqrstuvwxyz0123456789', 1, 15), fc.constantFrom('com', 'org', 'de', 'co.uk', 'io'))
  .filter(([local]) => /^[A-Za-z0-9]/.test(local))
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);
const card = fc
  .tuple(fc.constantFrom('4', '51', '55', '2221', '6011'), fc.constantFrom(' ', '-', ''))
  .chain(([iin, sep]) => digits(15 - iin.length).map((rest) => ({ number: withLuhn(iin + rest), sep })))
  .map(({ number, sep }) => number.match(/.{1,4}/g)!.join(sep));
const phone = fc.oneof(
  fc.tuple(fc.constantFrom('+1', '+44', '+49', '+33'), digits(3), digits(3), digits(4)).map(([cc, a, b, c]) => `${cc} ${a} ${b} ${c}`),
  fc.tuple(digits(3), digits(3), digits(4)).map(([a, b, c]) => `(${a}) ${b}-${c}`),
  fc.tuple(digits(3), digits(3), digits(4)).map(([a, b, c]) => `${a}-${b}-${c}`),
);
const iban = fc.tuple(fc.constantFrom('DE', 'FR', 'GB', 'NL'), digits(18)).map(([c, bban]) => withIbanCheck(c, bban));
const secret = fc.oneof(
  chars(alnum, 32, 48).map((s) => `sk-proj-${s}`),
  chars(alnum, 36, 36).map((s) => `ghp_${s}`),
  chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 16).map((s) => `AKIA${s}`),
  chars(alnum + '_-', 32, 32).map((s) => `sira_${s}`),
);
const jwt = fc.tuple(chars(alnum + '_-', 10, 40), chars(alnum + '_-', 10, 80), chars(alnum + '_-', 20, 43)).map(([a, b, c]) => `eyJ${a}.eyJ${b}.${c}`);

/** Ordinary text that must come back unchanged: numbers, dates, prices, times, ids, versions, words. */
const ordinary = fc.oneof(
  fc.integer({ min: -1e12, max: 1e12 }).map(String),
  fc.double({ min: -1e9, max: 1e9, noNaN: true }).map((x) => x.toFixed(2)),
  fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`),
  fc.integer({ min: 0, max: 99_999_999 }).map((c) => `$${(c / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`),
  fc.integer({ min: 0, max: 99_999_999 }).map((c) => `€${(c / 100).toFixed(2)}`),
  fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${h}:${String(m).padStart(2, '0')}`),
  fc.uuid(),
  chars('0123456789abcdef', 40, 40),
  digits(8).map((d) => `ORD-${d}`),
  digits(12),
  fc.tuple(fc.nat(20), fc.nat(50), fc.nat(200)).map(([a, b, c]) => `v${a}.${b}.${c}`),
  fc.constantFrom('the meeting is at noon', 'call me later', 'user@', '@channel', 'a.b.c', 'C++ and C#', 'x=3-4', '1+1=2', '100%', 'room 4111', 'ISBN 978-3-16-148410-0'),
);
const sentence = (inner: fc.Arbitrary<string>) => fc.tuple(fc.constantFrom('', 'Contact ', 'see: ', '('), inner, fc.constantFrom('', '.', ' today', ')', ', thanks')).map(([a, b, c]) => ({ text: `${a}${b}${c}`, value: b }));

function detects(kind: keyof RedactionCounts, arb: fc.Arbitrary<string>) {
  fc.assert(
    fc.property(sentence(arb), ({ text, value }) => {
      const counts: RedactionCounts = {};
      const out = redactText(text, counts);
      expect(out).not.toContain(value);
      expect(out).toContain(`[${kind}]`);
      expect(counts[kind]).toBe(1);
      expect(redactText(out)).toBe(out); // idempotent: placeholders are not detected again
    }),
  );
}

describe(`memory/redact detectors (fc seed ${SEED})`, () => {
  it('redactText() replaces an email in a sentence by [EMAIL]', () => detects('EMAIL', email));
  it('redactText() replaces a Luhn-valid card number (any separator) by [CARD]', () => detects('CARD', card));
  it('redactText() replaces phone numbers (international and North American forms) by [PHONE]', () => detects('PHONE', phone));
  it('redactText() replaces a mod-97-valid IBAN by [IBAN]', () => detects('IBAN', iban));
  it('redactText() replaces API keys (sk-, ghp_, AKIA, sira_) by [API_KEY]', () => detects('API_KEY', secret));
  it('redactText() replaces JWTs by [TOKEN]', () => detects('TOKEN', jwt));

  it('redactText() keeps the word of a bearer header and replaces the token', () => {
    const counts: RedactionCounts = {};
    expect(redactText('Authorization: Bearer abcdef0123456789ABCDEF', counts)).toBe('Authorization: Bearer [TOKEN]');
    expect(counts).toEqual({ TOKEN: 1 });
  });

  it('redactText() leaves a card number whose Luhn digit is wrong', () => {
    fc.assert(
      fc.property(card, fc.integer({ min: 1, max: 9 }), (c, delta) => {
        const last = Number(c.at(-1));
        const broken = c.slice(0, -1) + String((last + delta) % 10);
        expect(redactText(`pay with ${broken} now`)).toBe(`pay with ${broken} now`);
      }),
    );
  });

  it('redactText() leaves an IBAN whose check digits are wrong', () => {
    fc.assert(
      fc.property(iban, (i) => {
        const check = Number(i.slice(2, 4));
        const broken = `${i.slice(0, 2)}${String(((check + 1) % 97) + 2).padStart(2, '0')}${i.slice(4)}`;
        fc.pre(!ibanValid(broken));
        expect(redactText(`to ${broken}`)).toBe(`to ${broken}`);
      }),
    );
  });

  it('redactText() leaves ordinary text (numbers, dates, prices, times, ids, versions) unchanged', () => {
    fc.assert(
      fc.property(fc.array(ordinary, { minLength: 1, maxLength: 8 }), fc.constantFrom(' ', ', ', '\n', ' - '), (words, sep) => {
        const text = words.join(sep);
        const counts: RedactionCounts = {};
        expect(redactText(text, counts)).toBe(text);
        expect(counts).toEqual({});
      }),
      { numRuns: 1000 },
    );
  });

  it('redactText() scans a long unbroken run once (no backtracking blow-up)', () => {
    // 200k characters of each detector's own alphabet: every pattern fails or matches once per run.
    for (const run of ['a'.repeat(200_000), '1'.repeat(200_000), 'eyJ-'.repeat(50_000), '+1 '.repeat(60_000), 'sk-'.repeat(60_000), 'a.'.repeat(100_000) + '@']) {
      const out = redactText(run);
      expect(typeof out).toBe('string');
    }
  });

  it('luhnValid() accepts the classic test numbers and rejects a changed digit', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('378282246310005')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });
});
