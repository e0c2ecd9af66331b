/**
 * @module storage/codec/parts
 * How each part of a turn is packed inside a turn record (see ./turn.ts and docs/formats.md): a msgpack array
 * `[tag, field1, field2, …]` whose positions are fixed per part type by {@link PART_LAYOUTS}. Absent optional
 * fields are nil, and trailing nils are dropped, except that the seven v1 part types always keep their v1 arity,
 * so a turn that uses only v1 fields packs byte for byte as turn record v1 did. Media bytes are msgpack `bin`,
 * never base64; JSON values (data, ui_event) are kept as JSON text so they come back exactly as sent.
 */
import { siraError } from '../../core/errors.ts';
import type { BlobRef, Part, PartType } from '../../core/types.ts';

type FieldKind = 'str' | 'int' | 'num' | 'bool' | 'bytes' | 'blob' | 'json' | 'strs';

/** The packed layout of one part type. */
export interface PartLayout {
  tag: number;
  type: PartType;
  /** Field name and kind at positions 1, 2, … */
  fields: readonly (readonly [string, FieldKind])[];
  /** Positions (tag included) turn record v1 always wrote, for the v1 part types. */
  v1Arity?: number;
}

const MEDIA_SOURCE = [
  ['mime', 'str'],
  ['data', 'bytes'],
  ['url', 'str'],
  ['name', 'str'],
  ['blob', 'blob'],
] as const;

/** Every part type's layout, by tag. Tags and positions are the stored format: append, never renumber. */
export const PART_LAYOUTS: readonly PartLayout[] = [
  { tag: 0, type: 'text', fields: [['text', 'str']], v1Arity: 2 },
  {
    tag: 1,
    type: 'image',
    fields: [...MEDIA_SOURCE, ['width', 'int'], ['height', 'int'], ['detail', 'str'], ['caption', 'str']],
    v1Arity: 5,
  },
  { tag: 2, type: 'audio', fields: [...MEDIA_SOURCE, ['duration_ms', 'int'], ['transcript', 'str']], v1Arity: 5 },
  { tag: 3, type: 'file', fields: MEDIA_SOURCE, v1Arity: 5 },
  { tag: 4, type: 'tool_call', fields: [['id', 'str'], ['name', 'str'], ['arguments', 'str']], v1Arity: 4 },
  { tag: 5, type: 'tool_result', fields: [['tool_call_id', 'str'], ['content', 'str'], ['is_error', 'bool']], v1Arity: 4 },
  { tag: 6, type: 'tensor', fields: [['name', 'str']], v1Arity: 2 },
  {
    tag: 7,
    type: 'video',
    fields: [...MEDIA_SOURCE, ['width', 'int'], ['height', 'int'], ['duration_ms', 'int'], ['caption', 'str'], ['transcript', 'str']],
  },
  { tag: 8, type: 'document', fields: [...MEDIA_SOURCE, ['pages', 'int'], ['text', 'str'], ['title', 'str']] },
  { tag: 9, type: 'data', fields: [['value', 'json'], ['schema', 'json']] },
  { tag: 10, type: 'code', fields: [['language', 'str'], ['code', 'str'], ['path', 'str']] },
  { tag: 11, type: 'reasoning', fields: [['text', 'str'], ['signature', 'str']] },
  { tag: 12, type: 'citation', fields: [['url', 'str'], ['title', 'str'], ['snippet', 'str']] },
  { tag: 13, type: 'location', fields: [['lat', 'num'], ['lon', 'num'], ['name', 'str'], ['address', 'str']] },
  { tag: 14, type: 'ui_event', fields: [['element', 'str'], ['action', 'str'], ['value', 'json']] },
  {
    tag: 15,
    type: 'time_series',
    fields: [['tensor', 'str'], ['channels', 'strs'], ['start_ms', 'int'], ['interval_ms', 'num'], ['units', 'strs']],
  },
];

const BY_TYPE = new Map(PART_LAYOUTS.map((l) => [l.type, l]));
/** Highest tag turn record v1 knows. */
export const V1_MAX_TAG = 6;

/** A packed part: `[tag, …fields]`. */
export type PackedPart = unknown[];

function packField(kind: FieldKind, v: unknown): unknown {
  if (v === undefined) return null;
  switch (kind) {
    case 'json':
      return JSON.stringify(v);
    case 'blob': {
      const b = v as BlobRef;
      return [Buffer.from(b.sha256, 'hex'), b.size, b.mime];
    }
    default:
      return v;
  }
}

/** Pack one part; `v1` tells whether the packed form is one turn record v1 could hold. */
export function packPart(p: Part): { packed: PackedPart; v1: boolean } {
  const layout = BY_TYPE.get(p.type)!;
  const fields = p as unknown as Record<string, unknown>;
  const packed: PackedPart = [layout.tag, ...layout.fields.map(([name, kind]) => packField(kind, fields[name]))];
  const keep = layout.v1Arity ?? 1;
  let n = packed.length;
  while (n > keep && packed[n - 1] === null) n--;
  packed.length = n;
  return { packed, v1: layout.v1Arity !== undefined && n <= layout.v1Arity };
}

function unpackField(kind: FieldKind, v: unknown): unknown {
  switch (kind) {
    case 'json':
      return JSON.parse(v as string);
    case 'bytes':
      // Own the bytes: msgpack returns views into the decode buffer.
      return new Uint8Array(v as Uint8Array);
    case 'blob': {
      const [sha, size, mime] = v as [Uint8Array, number, string];
      return { sha256: Buffer.from(sha.buffer, sha.byteOffset, sha.byteLength).toString('hex'), size, mime };
    }
    case 'strs':
      return [...(v as string[])];
    default:
      return v;
  }
}

/** Unpack one part of a record of codec `version`; throws SIRA_ERR_CODEC_CORRUPT on an unknown tag. */
export function unpackPart(a: PackedPart, version: number): Part {
  const tag = a[0] as number;
  const layout = PART_LAYOUTS[tag];
  if (layout === undefined || layout.tag !== tag || (version === 1 && tag > V1_MAX_TAG)) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `unknown part tag ${String(a[0])}`);
  }
  const out: Record<string, unknown> = { type: layout.type };
  layout.fields.forEach(([name, kind], i) => {
    const v = a[i + 1];
    if (v !== null && v !== undefined) out[name] = unpackField(kind, v);
  });
  return out as unknown as Part;
}
