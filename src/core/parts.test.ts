import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from './config.ts';
import { isSiraError } from './errors.ts';
import { checkPart, checkTensorReferences, PART_TYPES_LISTED } from './parts.ts';
import { PART_TYPES, type Part, type TensorInfo } from './types.ts';
import { normalizeTurns } from './validate.ts';
import { everyPart, partArbitraries } from '../../test/helpers/parts.ts';

const FC_SEED = Number(process.env.SIRA_FC_SEED ?? 20261125);
const place = { where: 'turns[0].content[3]', pointer: '/turns/0/content/3' };

function refusal(part: unknown): { code: string; message: string; pointer: unknown } {
  try {
    checkPart(part, DEFAULT_LIMITS, place);
  } catch (e) {
    if (!isSiraError(e)) throw e;
    return { code: e.code, message: e.message, pointer: e.details?.pointer };
  }
  throw new Error(`accepted ${JSON.stringify(part)}`);
}

describe('checkPart()', () => {
  it('lists 16 part types, the same set the codec numbers', () => {
    expect(PART_TYPES_LISTED).toHaveLength(16);
    expect([...PART_TYPES_LISTED].sort()).toEqual([...PART_TYPES].sort());
  });

  it('accepts one full part of every type and returns it unchanged', () => {
    for (const p of everyPart()) expect(checkPart(p, DEFAULT_LIMITS, place)).toEqual(p);
  });

  it('accepts every generated valid part unchanged (property)', () => {
    fc.assert(
      fc.property(fc.oneof(...PART_TYPES.map((t) => partArbitraries[t])), (p) => {
        expect(checkPart(p, DEFAULT_LIMITS, place)).toEqual(p);
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });

  it('drops fields a part type does not have', () => {
    expect(checkPart({ type: 'code', language: 'py', code: 'x', extra: 1 }, DEFAULT_LIMITS, place)).toEqual({ type: 'code', language: 'py', code: 'x' });
  });

  it('a media part takes its mime from its blob when it gives none', () => {
    const blob = { sha256: 'c'.repeat(64), size: 5, mime: 'video/webm' };
    expect(checkPart({ type: 'video', blob }, DEFAULT_LIMITS, place)).toEqual({ type: 'video', mime: 'video/webm', blob });
  });

  it.each([
    [{ type: 'hologram' }, '/type', /type must be one of text, image, audio, video, document, file, data, code/],
    [{ type: 'image', mime: 'image/png' }, '/turns/0/content/3', /needs exactly one of data, url or blob$/],
    [{ type: 'image', mime: 'image/png', url: 'https://x/y', blob: { sha256: 'a'.repeat(64), size: 1, mime: 'image/png' } }, '', /has url and blob/],
    [{ type: 'image', url: 'https://x/y', mime: 'image/png', detail: 'ultra' }, '/detail', /detail must be one of auto, low, high/],
    [{ type: 'image', url: 'https://x/y', mime: 'image/png', width: 0 }, '/width', /width must be an integer ≥ 1/],
    [{ type: 'audio', url: 'ftp://x/y', mime: 'audio/wav' }, '/url', /url must be an http\(s\), s3, gs, data, openai-file or anthropic-file URL/],
    [{ type: 'video', mime: 'video/mp4', blob: { sha256: 'XYZ', size: 1, mime: 'video/mp4' } }, '/blob/sha256', /blob\.sha256 must be 64 lowercase hex/],
    [{ type: 'video', mime: 'video/mp4', blob: { sha256: 'a'.repeat(64), size: -1, mime: 'video/mp4' } }, '/blob/size', /blob\.size must be an integer ≥ 0/],
    [{ type: 'document', url: 's3://b/k', mime: 'application/pdf', pages: 1.5 }, '/pages', /pages must be an integer/],
    [{ type: 'data' }, '/value', /value is required/],
    [{ type: 'data', value: 1, schema: [] }, '/schema', /schema must be a JSON Schema object/],
    [{ type: 'code', code: 'x' }, '/language', /language must be a string/],
    [{ type: 'reasoning', text: 5 }, '/text', /text must be a string/],
    [{ type: 'citation', url: 'javascript:alert(1)' }, '/url', /url must be an http\(s\) URL/],
    [{ type: 'location', lat: 91, lon: 0 }, '/lat', /lat must be a number from -90 to 90/],
    [{ type: 'location', lat: 0, lon: Number.NaN }, '/lon', /lon must be a number/],
    [{ type: 'ui_event', element: '', action: 'click' }, '/element', /element must be a non-empty string/],
    [{ type: 'time_series', tensor: 'imu', channels: [], start_ms: 0, interval_ms: 10 }, '/channels', /channels must be 1 to 4096/],
    [{ type: 'time_series', tensor: 'imu', channels: ['a', 'b'], start_ms: 0, interval_ms: 10, units: ['g'] }, '/units', /one unit per channel/],
    [{ type: 'time_series', tensor: 'imu', channels: ['a'], start_ms: 0, interval_ms: 0 }, '/interval_ms', /interval_ms must be a number/],
    [{ type: 'time_series', tensor: 'imu', channels: ['a', ''], start_ms: 0, interval_ms: 1 }, '/channels/1', /channels\[1\] must be a non-empty/],
    [{ type: 'tensor', name: '../x' }, '/name', /name is not a valid tensor name/],
  ])('refuses %j with SIRA_ERR_TURN_INVALID and a pointer to the field', (part, pointer, message) => {
    const r = refusal(part);
    expect(r.code).toBe('SIRA_ERR_TURN_INVALID');
    expect(r.pointer).toBe(pointer.startsWith('/turns') ? pointer : `/turns/0/content/3${pointer}`);
    expect(r.message).toMatch(message);
    expect(r.message.startsWith('turns[0].content[3]')).toBe(true);
  });

  it('refuses a data value that breaks its schema with SIRA_ERR_PART_DATA_INVALID, pointing into the value', () => {
    const schema = { type: 'object', properties: { order: { type: 'object', properties: { qty: { type: 'integer', minimum: 1 } } } } };
    const r = refusal({ type: 'data', value: { order: { qty: 0 } }, schema });
    expect(r).toMatchObject({ code: 'SIRA_ERR_PART_DATA_INVALID', pointer: '/turns/0/content/3/value/order/qty' });
    expect(r.message).toBe('turns[0].content[3].value.order.qty must be >= 1 (by its schema)');
    expect(checkPart({ type: 'data', value: { order: { qty: 2 } }, schema }, DEFAULT_LIMITS, place)).toMatchObject({ value: { order: { qty: 2 } } });
  });

  it('a data value is stored as plain JSON, within the text limit', () => {
    expect(checkPart({ type: 'data', value: { d: new Date(0) } }, DEFAULT_LIMITS, place)).toEqual({ type: 'data', value: { d: '1970-01-01T00:00:00.000Z' } });
    const small = { ...DEFAULT_LIMITS, maxTextLength: 50 };
    expect(() => checkPart({ type: 'data', value: 'x'.repeat(100) }, small, place)).toThrow(/value is 102 bytes as JSON, limit 50/);
  });

  it('normalizeTurns() names the turn and part in the pointer', () => {
    try {
      normalizeTurns([{ role: 'user', content: 'x' }, { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'location', lat: 0 }] }], DEFAULT_LIMITS);
      throw new Error('accepted');
    } catch (e) {
      expect(isSiraError(e) && e.details?.pointer).toBe('/turns/1/content/1/lon');
    }
  });
});

describe('checkTensorReferences()', () => {
  const info = (name: string, shape: number[]): [string, TensorInfo] => [name, { name, dtype: 'f32', shape, byte_length: 0, updated_at: 0 }];
  const series: Part = { type: 'time_series', tensor: 'imu', channels: ['a', 'b', 'c'], start_ms: 0, interval_ms: 10 };

  it('accepts a time series whose tensor is [channels, samples]', () => {
    expect(() => checkTensorReferences([{ parts: [series] }], new Map([info('imu', [3, 100])]))).not.toThrow();
  });
  it('refuses a missing tensor with SIRA_ERR_TURN_TENSOR_NOT_FOUND and a wrong shape with SIRA_ERR_TURN_INVALID', () => {
    expect(() => checkTensorReferences([{ parts: [series] }], new Map())).toThrow(/holds no tensor "imu"/);
    try {
      checkTensorReferences([{ parts: [{ type: 'text', text: '' }, series] }], new Map([info('imu', [100, 3])]));
      throw new Error('accepted');
    } catch (e) {
      expect(isSiraError(e, 'SIRA_ERR_TURN_INVALID') && e.details?.pointer).toBe('/turns/0/content/1/channels');
    }
  });
});
