/**
 * @module storage/codec/zstd-dict
 * zstd contexts and dictionaries for turn bodies. Short chat turns compress poorly on their own; a dictionary
 * trained offline on public chat-like text (training/zstd-dict.ts → data/zstd/chat-v<N>.dict, committed) gives
 * zstd the common words and record structure up front. Dictionaries are never trained on user data, so deleting
 * a session leaves none of its text behind in a dictionary.
 *
 * Ids are stable forever: a stored record names the id it needs, so a shipped dictionary is never changed or
 * removed, only added to (a new id becomes the one used for encoding). Id 0 means "no dictionary".
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Compressor, Decompressor } from 'zstd-napi';
import { siraError } from '../../core/errors.ts';

/** Shipped dictionaries by id: file names under data/zstd. */
const SHIPPED: Readonly<Record<number, string>> = Object.freeze({ 1: 'chat-v1.dict' });
const LEVEL = 3;

const dictDir = fileURLToPath(new URL('../../../data/zstd/', import.meta.url));
const compressors = new Map<number, Compressor>();
const decompressors = new Map<number, Decompressor>();
const loaded = new Map<number, Uint8Array | null>();

function dictionary(id: number): Uint8Array | null {
  if (id === 0) return null;
  let d = loaded.get(id);
  if (d === undefined) {
    const file = SHIPPED[id];
    d = file !== undefined && existsSync(dictDir + file) ? new Uint8Array(readFileSync(dictDir + file)) : null;
    loaded.set(id, d);
  }
  return d;
}

/** The dictionary id new records are compressed with (the newest shipped one that is present, else 0). */
export function encodingDictionaryId(): number {
  if (encodingId === undefined) {
    encodingId = 0;
    for (const id of Object.keys(SHIPPED).map(Number).sort((a, b) => b - a)) {
      if (dictionary(id) !== null) {
        encodingId = id;
        break;
      }
    }
  }
  return encodingId;
}
let encodingId: number | undefined;

/** A reusable compressor for dictionary `id` (0 = none). Not re-entrant; use synchronously. */
export function compressorFor(id: number): Compressor {
  let c = compressors.get(id);
  if (c === undefined) {
    c = new Compressor();
    // Our record header carries the dictionary id and length; the frame need not repeat them.
    c.setParameters({ compressionLevel: LEVEL, dictIDFlag: false, checksumFlag: false });
    const d = dictionary(id);
    if (id !== 0 && d === null) throw siraError('SIRA_ERR_CODEC_CORRUPT', `zstd dictionary ${id} is missing`);
    if (d !== null) c.loadDictionary(d);
    compressors.set(id, c);
  }
  return c;
}

/** A reusable decompressor for dictionary `id`; throws SIRA_ERR_CODEC_CORRUPT for an unknown id. */
export function decompressorFor(id: number): Decompressor {
  let c = decompressors.get(id);
  if (c === undefined) {
    const d = dictionary(id);
    if (id !== 0 && d === null) throw siraError('SIRA_ERR_CODEC_CORRUPT', `zstd dictionary ${id} is missing`);
    c = new Decompressor();
    if (d !== null) c.loadDictionary(d);
    decompressors.set(id, c);
  }
  return c;
}
