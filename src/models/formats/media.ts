/**
 * @module models/formats/media
 * What the provider formats share: the turn shape they map, base64 and data URLs, and tool-call pairing.
 */
import type { MediaPart, Part, Role } from '../../core/types.ts';

/** A turn as the formats map it: what a provider message can carry of a stored turn (or a new one). */
export interface FormatTurn {
  role: Role;
  parts: Part[];
  name?: string | null;
}

/** `bytes` as base64 (a view of them, no copy of the input). */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Base64 text as bytes (a fresh copy). */
export function fromBase64(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/** A media part's inline bytes as a `data:` URL; undefined when they are not inline. */
export function dataUrlOf(p: MediaPart): string | undefined {
  return p.data === undefined ? undefined : `data:${p.mime};base64,${base64(p.data)}`;
}

/** `data:<mime>;base64,<b64>` (or percent-encoded) → bytes and mime; undefined for other URLs. */
export function decodeDataUrl(url: string): { mime: string; data: Uint8Array } | undefined {
  const m = /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(url);
  if (m === null) return undefined;
  const mime = m[1] ?? 'application/octet-stream';
  const data = m[2] !== undefined ? Buffer.from(m[3]!, 'base64') : Buffer.from(decodeURIComponent(m[3]!), 'utf8');
  return { mime, data: new Uint8Array(data) };
}

/** The media type an image URL's extension names (a URL says no more; the provider fetches it, not us). */
export function imageMimeOf(url: string): string {
  const ext = /\.(png|jpe?g|gif|webp)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  return ext === undefined ? 'application/octet-stream' : `image/${ext === 'jpg' ? 'jpeg' : ext}`;
}

/**
 * A pairing test for tool calls and results: true for an id that has both a call and a result among `turns`. The
 * formats send an unpaired call or result as text, since every provider refuses one.
 */
export function pairedIds(turns: readonly FormatTurn[]): (id: string) => boolean {
  const calls = new Set<string>();
  const results = new Set<string>();
  for (const t of turns) {
    for (const p of t.parts) {
      if (p.type === 'tool_call') calls.add(p.id);
      else if (p.type === 'tool_result') results.add(p.tool_call_id);
    }
  }
  return (id) => calls.has(id) && results.has(id);
}
