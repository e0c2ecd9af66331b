/**
 * @module scripts/gen-turn-vectors
 * Generates test/fixtures/vectors/turn-record.json (v1) and turn-record-v2.json (v2: the part types and fields of
 * issue 16); do not edit the JSON by hand. Each case is a turn and its stored bytes (src/storage/codec/turn.ts). test/codec/turn-vectors.test.ts decodes every case on
 * every run, and re-encodes the uncompressed ones byte for byte (compressed bytes depend on the zstd build; their
 * decoding must not).
 *
 * usage: node scripts/gen-turn-vectors.ts [--force]   (an existing file is only compared unless --force)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { NewTurn } from '../src/core/types.ts';
import { encodeTurn } from '../src/storage/codec/turn.ts';

const T = Date.UTC(2026, 10, 25, 12, 0, 0);
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

type Case = { name: string; description: string; compressMinBytes: number; turn: NewTurn };
const OFF = 1 << 30;

/** Turns in JSON form: media `data` is hex. */
const CASES: Case[] = [
  { name: 'short-text', description: 'One short user text, below the compression threshold.', compressMinBytes: 64, turn: { role: 'user', parts: [{ type: 'text', text: 'hello' }] } },
  {
    name: 'all-fields',
    description: 'Every envelope field set, metadata with unicode, no compression.',
    compressMinBytes: 1 << 30,
    turn: { role: 'assistant', name: 'bot', agent_id: 'agent-1', importance: 0.5, pinned: true, metadata: { trace: 'ü', n: [1, 2.5, null] }, parts: [{ type: 'text', text: 'Sure — here it is.' }] },
  },
  {
    name: 'every-part',
    description: 'One part of each kind; media bytes are msgpack bin.',
    compressMinBytes: 1 << 30,
    turn: {
      role: 'tool',
      parts: [
        { type: 'text', text: 'x' },
        { type: 'image', mime: 'image/png', data: Uint8Array.of(0x89, 0x50, 0x4e, 0x47), name: 'a.png' },
        { type: 'audio', mime: 'audio/wav', url: 'https://example.com/a.wav' },
        { type: 'file', mime: 'application/pdf', url: 's3://bucket/k.pdf' },
        { type: 'tool_call', id: 'c1', name: 'search', arguments: '{"q":"x"}' },
        { type: 'tool_result', tool_call_id: 'c1', content: '[]', is_error: true },
        { type: 'tensor', name: 'emb' },
      ],
    },
  },
  {
    name: 'compressed-dict-1',
    description: 'A long assistant text compressed with zstd and shipped dictionary 1.',
    compressMinBytes: 64,
    turn: {
      role: 'assistant',
      metadata: { model: 'gpt-4o-mini' },
      parts: [{ type: 'text', text: 'To reset your password, open Settings, then Security, and choose Reset password. You will receive an email with a link within a few minutes; the link is valid for one hour. If it does not arrive, check your spam folder or ask me to send it again.' }],
    },
  },
];

const SHA = '5f'.repeat(32);
/** v2 cases: one per part type v1 lacks, and the v1 media types with their new fields. */
const CASES_V2: Case[] = [
  ['image-fields', { type: 'image', mime: 'image/jpeg', url: 'https://example.com/c.jpg', width: 1024, height: 768, detail: 'high', caption: 'a cat' }],
  ['audio-fields', { type: 'audio', mime: 'audio/mpeg', data: Uint8Array.of(0xff, 0xfb), duration_ms: 2500, transcript: 'hi' }],
  ['file-blob', { type: 'file', mime: 'application/zip', blob: { sha256: SHA, size: 1234, mime: 'application/zip' }, name: 'a.zip' }],
  ['video', { type: 'video', mime: 'video/mp4', blob: { sha256: SHA, size: 20_000_000, mime: 'video/mp4' }, width: 1920, height: 1080, duration_ms: 60_000, caption: 'demo', transcript: 'welcome' }],
  ['document', { type: 'document', mime: 'application/pdf', url: 's3://bucket/inv.pdf', pages: 2, text: 'Invoice 42', title: 'Invoice' }],
  ['data', { type: 'data', value: { order: 42, items: [1.5, null, 'x'] }, schema: { type: 'object', required: ['order'] } }],
  ['data-null', { type: 'data', value: null }],
  ['code', { type: 'code', language: 'python', code: 'print(1)\n', path: 'a.py' }],
  ['reasoning', { type: 'reasoning', text: 'think', signature: 'sig' }],
  ['citation', { type: 'citation', url: 'https://example.com/p', title: 'P', snippet: 's' }],
  ['location', { type: 'location', lat: 48.8584, lon: -2.5, name: 'X', address: 'Y' }],
  ['ui-event', { type: 'ui_event', element: '#buy', action: 'click', value: 2 }],
  ['time-series', { type: 'time_series', tensor: 'imu', channels: ['ax', 'ay'], start_ms: T, interval_ms: 0.5, units: ['g', 'g'] }],
].map(([name, part]) => ({ name: name as string, description: `One ${(part as { type: string }).type} part with its fields.`, compressMinBytes: OFF, turn: { role: 'user', parts: [part as NewTurn['parts'][number]] } }));
CASES_V2.push({
  name: 'compressed-mixed',
  description: 'Text, a document with long extracted text and a reasoning part, zstd with dictionary 1.',
  compressMinBytes: 64,
  turn: {
    role: 'assistant',
    parts: [
      { type: 'reasoning', text: 'The user asks about the invoice total; the document says it.' },
      { type: 'document', mime: 'application/pdf', url: 'https://example.com/i.pdf', text: 'Invoice 42. Items: two widgets at 5 EUR each. Total 10 EUR. Payment due within 30 days of the invoice date.' },
      { type: 'text', text: 'The total is 10 EUR, due within 30 days.' },
    ],
  },
});

const toJson = (t: NewTurn) => JSON.parse(JSON.stringify(t, (_k, v: unknown) => (v instanceof Uint8Array ? { hex: hex(v) } : v))) as unknown;

function write(file: string, version: number, cases: Case[]): boolean {
  const url = new URL(`../test/fixtures/vectors/${file}`, import.meta.url);
  const doc = {
    '//': 'Generated by scripts/gen-turn-vectors.ts; do not edit by hand. Layout: src/storage/codec/turn.ts, docs/formats.md.',
    format: 'sira turn record',
    version,
    cases: cases.map((c) => ({ name: c.name, description: c.description, created_at: T, compress_min_bytes: c.compressMinBytes, turn: toJson(c.turn), hex: hex(encodeTurn(c.turn, T, c.compressMinBytes)) })),
  };
  const text = JSON.stringify(doc, null, 2) + '\n';
  if (existsSync(url) && !process.argv.includes('--force')) {
    if (readFileSync(url, 'utf8') !== text) {
      console.error(`${file} differs from what the code encodes now: a format changed (bump the version), or run with --force`);
      return false;
    }
    console.log(`${file} matches`);
  } else {
    writeFileSync(url, text);
    console.log(`wrote ${file}`);
  }
  return true;
}

const ok = [write('turn-record.json', 1, CASES), write('turn-record-v2.json', 2, CASES_V2)];
if (ok.includes(false)) process.exit(1);
