/**
 * @module api/media-offload
 * Turns the gateway routes record (the proxy's user messages, the Responses/Conversations mirror) carry the
 * client's attachments inline, as base64 in its JSON. Recorded as they came, they would make turn records large
 * and every read of a session's last turns move their bytes; so inline media over a threshold go to the blob store
 * first and the recorded part references them (issue 16).
 */
import { isSiraError } from '../core/errors.ts';
import { isMediaPart, type Part } from '../core/types.ts';
import type { TurnInput } from '../core/validate.ts';
import type { BlobStore } from '../storage/blob-store.ts';

/** Inline media over this many bytes is recorded as a blob reference, not in the turn record. */
export const INLINE_MEDIA_MAX_BYTES = 16 * 1024;

/** Where a refused attachment is reported. */
export interface OffloadLog {
  warn(obj: object, msg: string): void;
}

/**
 * `turn` as recorded: each inline media part over {@link INLINE_MEDIA_MAX_BYTES} stored in `blobs` and referenced
 * by `{sha256, size, mime}` (no copy of the bytes is kept in the turn). A part the blob store refuses (over a blob
 * or tenant limit: SIRA_ERR_BLOB_TOO_LARGE, SIRA_ERR_BLOB_TENANT_LIMIT) is left out, logged when `log` is given:
 * the provider still gets it, and only the memory's copy loses it. Undefined when nothing is left.
 */
export async function offloadTurnMedia(blobs: BlobStore, tenant: string, turn: TurnInput, log?: OffloadLog): Promise<TurnInput | undefined> {
  if (typeof turn.content === 'string') return turn;
  const parts: Part[] = [];
  for (const p of turn.content) {
    if (!isMediaPart(p) || p.data === undefined || p.data.byteLength <= INLINE_MEDIA_MAX_BYTES) {
      parts.push(p);
      continue;
    }
    try {
      const b = await blobs.putBytes(tenant, p.mime, p.data);
      const { data: _data, ...rest } = p;
      parts.push({ ...rest, blob: { sha256: b.sha256, size: b.size, mime: b.mime } });
    } catch (e) {
      if (!isSiraError(e, 'SIRA_ERR_BLOB_TOO_LARGE') && !isSiraError(e, 'SIRA_ERR_BLOB_TENANT_LIMIT')) throw e;
      log?.warn({ err: e, mime: p.mime, bytes: p.data.byteLength }, 'an attachment over the blob limits is not recorded');
    }
  }
  return parts.length === 0 ? undefined : { ...turn, content: parts };
}

/** {@link offloadTurnMedia} for each of `turns`, those left empty dropped. */
export async function offloadMedia(blobs: BlobStore, tenant: string, turns: readonly TurnInput[], log?: OffloadLog): Promise<TurnInput[]> {
  const out: TurnInput[] = [];
  for (const t of turns) {
    const kept = await offloadTurnMedia(blobs, tenant, t, log);
    if (kept !== undefined) out.push(kept);
  }
  return out;
}
