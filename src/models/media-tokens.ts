/**
 * @module models/media-tokens
 * What media cost in a prompt: OpenAI's tile rule for images of known size, fixed estimates for the rest.
 */

/** Fixed token estimates for media, whose real cost depends on what only the model's server sees. */
export interface MediaTokens {
  /** An image (a 1024×1024 image at high detail costs 765 on gpt-4o; `detail: "low"` is always 85). @default 765 */
  image: number;
  /** An audio clip (about a minute of speech). @default 600 */
  audio: number;
  /** A file (e.g. a PDF: extracted text and page images). @default 1500 */
  file: number;
}
export const DEFAULT_MEDIA_TOKENS: Readonly<MediaTokens> = Object.freeze({ image: 765, audio: 600, file: 1500 });
/** What an image at `detail: "low"` always costs. */
export const LOW_DETAIL_IMAGE = 85;
const TILE_TOKENS = 170;

/**
 * Tokens of an image of `width`×`height` pixels as OpenAI bills it on gpt-4o, gpt-4.1 and the o-series (the "tile"
 * rule of the vision guide): `low` detail is always 85; otherwise the image is scaled to fit 2048×2048, then so its
 * shorter side is at most 768, and costs 85 + 170 per 512-pixel tile. `auto` is counted as `high` (an upper bound:
 * the server may pick low). Models that bill images otherwise (gpt-4o-mini multiplies these figures) are not covered.
 */
export function imageTokens(width: number, height: number, detail: 'auto' | 'low' | 'high' = 'auto'): number {
  if (detail === 'low') return LOW_DETAIL_IMAGE;
  let w = width;
  let h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shrink = Math.min(1, 768 / Math.min(w, h));
  w = Math.floor(w * shrink);
  h = Math.floor(h * shrink);
  return LOW_DETAIL_IMAGE + TILE_TOKENS * Math.ceil(w / 512) * Math.ceil(h / 512);
}

