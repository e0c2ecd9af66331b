/**
 * @module api/part-schemas
 * TypeBox schemas of the parts of a turn on the wire (one per part type, see core/types.ts), for the OpenAPI
 * document and the generated client types. On input the facade checks parts (core/parts.ts), naming the field and
 * its JSON pointer; these schemas describe the same rules.
 */
import { Type, type Static } from 'typebox';

const Json = Type.Unknown({ description: 'Any JSON value' });
const Opt = Type.Optional;
const Str = (description?: string) => Type.String(description === undefined ? {} : { description });
const Px = Type.Integer({ minimum: 1, description: 'Pixels' });
const Ms = Type.Integer({ minimum: 0, description: 'Milliseconds' });

/** A content-addressed blob the part's bytes live in. */
export const BlobRefSchema = Type.Object(
  {
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the bytes, lowercase hex' }),
    size: Type.Integer({ minimum: 0, description: 'Bytes' }),
    mime: Type.String({ examples: ['video/mp4'] }),
  },
  { title: 'BlobRef' },
);

/** The source fields of a media part: exactly one of data, url and blob. */
const media = {
  mime: Type.String({ examples: ['image/png'], description: 'Media type; may be left out when blob gives it' }),
  data: Opt(Type.String({ contentEncoding: 'base64', description: 'Inline bytes, base64; or give url or blob' })),
  url: Opt(Str('http(s), s3, gs, data, openai-file or anthropic-file URL; or give data or blob')),
  blob: Opt(BlobRefSchema),
  name: Opt(Str('A file name')),
};

const part = <K extends string, T extends Parameters<typeof Type.Object>[0]>(type: K, title: string, description: string, props: T) =>
  Type.Object({ type: Type.Literal(type), ...props }, { title, description });

export const TextPartSchema = part('text', 'TextPart', 'Plain text', { text: Type.String() });
export const ImagePartSchema = part('image', 'ImagePart', 'An image', {
  ...media,
  width: Opt(Px),
  height: Opt(Px),
  detail: Opt(Type.Enum(['auto', 'low', 'high'])),
  caption: Opt(Type.String()),
});
export const AudioPartSchema = part('audio', 'AudioPart', 'Audio', { ...media, duration_ms: Opt(Ms), transcript: Opt(Type.String()) });
export const VideoPartSchema = part('video', 'VideoPart', 'Video', {
  ...media,
  width: Opt(Px),
  height: Opt(Px),
  duration_ms: Opt(Ms),
  caption: Opt(Type.String()),
  transcript: Opt(Type.String()),
});
export const DocumentPartSchema = part('document', 'DocumentPart', 'A document (PDF, office file) with its extracted text', {
  ...media,
  pages: Opt(Type.Integer({ minimum: 0 })),
  text: Opt(Str('Extracted text')),
  title: Opt(Type.String()),
});
export const FilePartSchema = part('file', 'FilePart', 'Any other file', media);
export const DataPartSchema = part('data', 'DataPart', 'Structured data, valid against `schema` when given (else SIRA_ERR_PART_DATA_INVALID)', {
  value: Json,
  schema: Opt(Type.Record(Type.String(), Type.Unknown(), { description: 'A JSON Schema (draft 2020-12)' })),
});
export const CodePartSchema = part('code', 'CodePart', 'Source code', { language: Type.String({ examples: ['typescript'] }), code: Type.String(), path: Opt(Type.String()) });
export const ToolCallPartSchema = part('tool_call', 'ToolCallPart', 'A call the assistant made', {
  id: Type.String(),
  name: Type.String(),
  arguments: Str('JSON text, verbatim'),
});
export const ToolResultPartSchema = part('tool_result', 'ToolResultPart', 'The result of a tool call', {
  tool_call_id: Type.String(),
  content: Type.String(),
  is_error: Opt(Type.Boolean()),
});
export const ReasoningPartSchema = part('reasoning', 'ReasoningPart', 'Model reasoning; left out of context windows unless include_reasoning', {
  text: Type.String(),
  signature: Opt(Str('The provider’s opaque signature, to send the reasoning back')),
});
export const CitationPartSchema = part('citation', 'CitationPart', 'A source or web result', { url: Str('http(s) URL'), title: Opt(Type.String()), snippet: Opt(Type.String()) });
export const LocationPartSchema = part('location', 'LocationPart', 'A place (WGS 84 degrees)', {
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  lon: Type.Number({ minimum: -180, maximum: 180 }),
  name: Opt(Type.String()),
  address: Opt(Type.String()),
});
export const UiEventPartSchema = part('ui_event', 'UiEventPart', 'Something a user did in a UI', {
  element: Str('What was acted on, e.g. a selector or control id'),
  action: Type.String({ examples: ['click'] }),
  value: Opt(Json),
});
export const TimeSeriesPartSchema = part('time_series', 'TimeSeriesPart', 'Sensor readings: a session tensor of shape [channels, samples]', {
  tensor: Str('A tensor of the same session, shape [channels.length, samples]'),
  channels: Type.Array(Type.String(), { minItems: 1, description: 'Channel names, one per tensor row' }),
  start_ms: Type.Integer({ minimum: 0, description: 'Time of sample 0, ms since the epoch' }),
  interval_ms: Type.Number({ exclusiveMinimum: 0, description: 'Milliseconds between samples' }),
  units: Opt(Type.Array(Type.String(), { description: 'One unit per channel' })),
});
export const TensorPartSchema = part('tensor', 'TensorPart', 'A reference to a named tensor', { name: Str('A tensor of the same session') });

/** A part of a turn on the wire; media `data` is base64 (standard or URL-safe). */
export const PartSchema = Type.Union([
  TextPartSchema,
  ImagePartSchema,
  AudioPartSchema,
  VideoPartSchema,
  DocumentPartSchema,
  FilePartSchema,
  DataPartSchema,
  CodePartSchema,
  ToolCallPartSchema,
  ToolResultPartSchema,
  ReasoningPartSchema,
  CitationPartSchema,
  LocationPartSchema,
  UiEventPartSchema,
  TimeSeriesPartSchema,
  TensorPartSchema,
], { title: 'Part', description: 'A part of a turn on the wire' });
export type WirePart = Static<typeof PartSchema>;
