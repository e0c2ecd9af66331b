/**
 * Parts for tests: one full example of every part type ({@link everyPart}), and fast-check arbitraries of valid
 * parts per type ({@link partArbitraries}) for codec and backend round trips.
 */
import fc from 'fast-check';
import { PART_TYPES, type BlobRef, type Json, type Part, type PartType } from '../../src/core/types.ts';

const SHA = 'ab'.repeat(32);
const DEFAULT_BLOBS = { video: { sha256: SHA, size: 20_000_000, mime: 'video/mp4' }, file: { sha256: SHA, size: 10, mime: 'application/zip' } };

/**
 * One part of every type with every optional field set (`tensor` names the session tensor `tensorName`); the video
 * and file parts reference `blobs` (default: made-up hashes, fine where nothing checks that blobs exist).
 */
export function everyPart(tensorName = 'emb', seriesTensor = 'imu', blobs: { video: BlobRef; file: BlobRef } = DEFAULT_BLOBS): Part[] {
  return [
    { type: 'text', text: 'look 👀' },
    { type: 'image', mime: 'image/png', data: Uint8Array.of(0x89, 0x50, 0x4e, 0x47), name: 'a.png', width: 640, height: 480, detail: 'low', caption: 'a cat on a mat' },
    { type: 'audio', mime: 'audio/wav', url: 'https://example.com/a.wav', duration_ms: 1500, transcript: 'hello there' },
    { type: 'video', mime: 'video/mp4', blob: blobs.video, width: 1920, height: 1080, duration_ms: 60_000, caption: 'the demo', transcript: 'welcome' },
    { type: 'document', mime: 'application/pdf', url: 's3://b/k.pdf', name: 'k.pdf', pages: 3, text: 'Invoice 42. Total 10 EUR.', title: 'Invoice' },
    { type: 'file', mime: 'application/zip', blob: blobs.file, name: 'x.zip' },
    { type: 'data', value: { order: 42, items: ['a', null, 1.5], ok: true }, schema: { type: 'object', required: ['order'], properties: { order: { type: 'integer' } } } },
    { type: 'code', language: 'typescript', code: 'const x = 1;\n', path: 'src/x.ts' },
    { type: 'tool_call', id: 'c1', name: 'search', arguments: '{"q": "x"}' },
    { type: 'tool_result', tool_call_id: 'c1', content: 'result', is_error: false },
    { type: 'reasoning', text: 'The user wants the total.', signature: 'sig-abc' },
    { type: 'citation', url: 'https://example.com/page', title: 'A page', snippet: 'the snippet' },
    { type: 'location', lat: 48.8584, lon: 2.2945, name: 'Eiffel Tower', address: 'Champ de Mars, Paris' },
    { type: 'ui_event', element: '#buy', action: 'click', value: { qty: 2 } },
    { type: 'time_series', tensor: seriesTensor, channels: ['ax', 'ay', 'az'], start_ms: Date.UTC(2026, 0, 1), interval_ms: 10, units: ['m/s2', 'm/s2', 'm/s2'] },
    { type: 'tensor', name: tensorName },
  ];
}

const str = fc.string({ unit: 'grapheme', maxLength: 40 });
const word = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as Json);
const mime = fc.constantFrom('image/png', 'audio/wav', 'video/mp4', 'application/pdf', 'text/plain');
const blob = fc.record({ sha256: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')), size: fc.nat(), mime });
const source = fc.oneof(
  fc.record({ data: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ url: fc.webUrl() }),
  fc.record({ blob }),
);
const px = fc.integer({ min: 1, max: 10_000 });
const ms = fc.nat();

/** Drops keys whose value is undefined (what a decoded part has). */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function media<T extends object>(type: string, extra: fc.Arbitrary<T>): fc.Arbitrary<Part> {
  return fc.tuple(mime, source, opt(word), extra).map(([m, s, name, e]) => clean({ type, mime: m, ...s, name, ...e }) as unknown as Part);
}

/** Valid parts of each type (already normalised: what validation returns and a store gives back). */
export const partArbitraries: Readonly<Record<PartType, fc.Arbitrary<Part>>> = {
  text: str.map((text) => ({ type: 'text', text })),
  image: media('image', fc.record({ width: opt(px), height: opt(px), detail: opt(fc.constantFrom('auto', 'low', 'high')), caption: opt(str) })),
  audio: media('audio', fc.record({ duration_ms: opt(ms), transcript: opt(str) })),
  video: media('video', fc.record({ width: opt(px), height: opt(px), duration_ms: opt(ms), caption: opt(str), transcript: opt(str) })),
  document: media('document', fc.record({ pages: opt(fc.nat(5000)), text: opt(str), title: opt(str) })),
  file: media('file', fc.constant({})),
  data: fc.record({ value: json, schema: opt(fc.constant({ type: ['object', 'array', 'string', 'number', 'boolean', 'null'] })) }).map((p) => clean({ type: 'data', ...p }) as Part),
  code: fc.record({ language: fc.constantFrom('python', 'ts', 'c++'), code: str, path: opt(word) }).map((p) => clean({ type: 'code', ...p }) as Part),
  tool_call: fc.record({ id: word, name: word, arguments: str }).map((p) => ({ type: 'tool_call', ...p }) as Part),
  tool_result: fc.record({ tool_call_id: word, content: str, is_error: opt(fc.boolean()) }).map((p) => clean({ type: 'tool_result', ...p }) as Part),
  reasoning: fc.record({ text: str, signature: opt(str) }).map((p) => clean({ type: 'reasoning', ...p }) as Part),
  citation: fc.record({ url: fc.webUrl(), title: opt(str), snippet: opt(str) }).map((p) => clean({ type: 'citation', ...p }) as Part),
  location: fc
    .record({ lat: fc.double({ min: -90, max: 90, noNaN: true }), lon: fc.double({ min: -180, max: 180, noNaN: true }), name: opt(str), address: opt(str) })
    .map((p) => clean({ type: 'location', ...p, lat: p.lat === 0 ? 0 : p.lat, lon: p.lon === 0 ? 0 : p.lon }) as Part),
  ui_event: fc.record({ element: word, action: word, value: opt(json) }).map((p) => clean({ type: 'ui_event', ...p }) as Part),
  time_series: fc
    .array(word, { minLength: 1, maxLength: 4 })
    .chain((channels) =>
      fc.record({
        tensor: fc.constantFrom('imu', 'ecg_1'),
        channels: fc.constant(channels),
        start_ms: fc.nat(),
        interval_ms: fc.double({ min: 0.001, max: 1e6, noNaN: true }),
        units: opt(fc.array(word, { minLength: channels.length, maxLength: channels.length })),
      }),
    )
    .map((p) => clean({ type: 'time_series', ...p }) as Part),
  tensor: fc.constantFrom('emb', 'x.y-z_1').map((name) => ({ type: 'tensor', name })),
};

/** A list of parts of any types. */
export const anyParts = fc.array(fc.oneof(...PART_TYPES.map((t) => partArbitraries[t])), { maxLength: 6 });
