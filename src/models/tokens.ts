/**
 * @module models/tokens
 * Token counting for the context engine (DESIGN §4.1): exact BPE counts for OpenAI families with `gpt-tokenizer`
 * (o200k_base and cl100k_base ship inside the package, so nothing is downloaded), the chat-format overhead of
 * OpenAI's cookbook (3 tokens per message, +1 and the name's tokens for a `name`, 3 that prime the reply), a
 * registry of model context windows, and per-turn counts cached in a bounded LRU.
 *
 * Exact: plain text, roles, names. Estimates (conservative where it matters): a tool call costs its name, its
 * arguments and 3 tokens (the rendering OpenAI uses is not published); an image with known pixel size costs what
 * OpenAI's tile rule gives ({@link imageTokens}), other media a fixed figure ({@link DEFAULT_MEDIA_TOKENS}). Models of other vendors (Claude, Llama, Mistral, Gemini) are counted with an
 * OpenAI encoding as an approximation, flagged `approximate` in the registry; give those a margin — or register the
 * model with its own `tokenizer.json` ({@link registerModel}, config `models`), which makes its counts exact.
 *
 * Bounded work (issue 11): BPE on one huge pre-token grows quadratically (a 300k-character run without spaces took
 * 37 s), so every count goes through {@link boundedCount}: a text is tokenised in pieces of at most
 * {@link PIECE_CHARS} (cut before a space: exact), runs of {@link LONG_RUN_CHARS}+ characters that could form one
 * pre-token are cut into chunks, and only the first {@link EXACT_COUNT_CHARS} characters are tokenised at all; the
 * rest counts as its UTF-8 bytes. All conservative (see docs/internals.md); pieces are memoised, and a caller can
 * pace a long count ({@link countTokensPaced}).
 */
import { siraError } from '../core/errors.ts';
import type { Turn } from '../core/types.ts';
import { DEFAULT_MEDIA_TOKENS, imageTokens, LOW_DETAIL_IMAGE, type MediaTokens } from './media-tokens.ts';
import { IMAGE_SIZES, turnToMessages, type ChatContentPart, type ChatMessage, type RenderOptions } from './chat.ts';
import { Lru } from './lru.ts';

/**
 * The encodings counted exactly: OpenAI's BPEs, and `hf:<path>` — a Hugging Face `tokenizer.json` (a local
 * directory or the file), see {@link registerModel}.
 */
export type EncodingName = 'o200k_base' | 'cl100k_base' | `hf:${string}`;
export const ENCODINGS: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

/** Counts the tokens of a text under one encoding. */
export interface Tokenizer {
  readonly encoding: EncodingName;
  /** Tokens of `text`; special-token strings such as `<|endoftext|>` are counted as plain text. */
  count(text: string): number;
}

/** Texts count exactly up to this many UTF-16 code units; beyond, each further UTF-8 byte counts as one token. */
export const EXACT_COUNT_CHARS = 131_072;
/** A text is tokenised in pieces of at most this many code units (cut before a space: exact; else +1 margin). */
export const PIECE_CHARS = 1024;
/** A run of this many characters without whitespace or digits (or of whitespace) is cut into chunks this long. */
export const LONG_RUN_CHARS = 64;
/** Tokens added for every cut the bounded count makes that is not a pre-token boundary (it can save a merge). */
export const CUT_MARGIN_TOKENS = 1;
// A pre-token of every encoding we know lies inside a run of [^\s\p{N}] (letters, marks, punctuation, symbols)
// or of \s (digits come in groups of ≤ 3). The look-behinds make a match start only at a run's first character,
// which keeps the scan linear (`[^\s\p{N}]{256,}` alone retries at every offset: 380 ms on 1 Mi characters).
const LONG_RUN = new RegExp(`(?<![^\\s\\p{N}])[^\\s\\p{N}]{${LONG_RUN_CHARS},}|(?<!\\s)\\s{${LONG_RUN_CHARS},}`, 'gu');
const SPACE = /\s/;

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
/** `end` moved back one when it would split a surrogate pair. */
const codePointEnd = (s: string, end: number) => (end < s.length && end > 0 && isHigh(s.charCodeAt(end - 1)) ? end - 1 : end);

/** Tokens of one piece (≤ PIECE_CHARS): exact, except that runs of LONG_RUN_CHARS+ are counted in chunks. */
function pieceCount(piece: string, exact: (s: string) => number): number {
  if (piece.length < LONG_RUN_CHARS) return exact(piece);
  let n = 0;
  let from = 0;
  for (const m of piece.matchAll(LONG_RUN)) {
    if (m.index > from) n += exact(piece.slice(from, m.index)) + CUT_MARGIN_TOKENS;
    const run = m[0];
    for (let at = 0; at < run.length; ) {
      const end = codePointEnd(run, Math.min(run.length, at + LONG_RUN_CHARS));
      n += exact(run.slice(at, end)) + (end < run.length ? CUT_MARGIN_TOKENS : 0);
      at = end;
    }
    from = m.index + run.length;
    if (from < piece.length) n += CUT_MARGIN_TOKENS;
  }
  if (from < piece.length) n += exact(from === 0 ? piece : piece.slice(from));
  return n;
}

/**
 * Where the piece starting at `at` ends, and whether that end is a cut that needs a margin. A space preceded by a
 * non-space starts a pre-token in every OpenAI encoding (` word`, ` 42`, ` !`), so cutting before it is exact.
 */
function pieceEnd(text: string, at: number, limit: number): { end: number; margin: number } {
  const hard = at + PIECE_CHARS;
  if (hard >= limit) return { end: limit, margin: 0 };
  for (let i = hard; i > at + PIECE_CHARS / 2; i--) {
    if (text.charCodeAt(i) === 32 && !SPACE.test(text[i - 1]!)) return { end: i, margin: 0 };
  }
  return { end: codePointEnd(text, hard), margin: CUT_MARGIN_TOKENS };
}

/**
 * The steps of a bounded count: yields after each piece, returns the total. The head of `text` (its first
 * {@link EXACT_COUNT_CHARS} code units) is tokenised in pieces of at most {@link PIECE_CHARS}, cut before a space
 * where one is near (exact) or else anywhere (+{@link CUT_MARGIN_TOKENS}); inside a piece, runs of
 * {@link LONG_RUN_CHARS}+ characters of one kind are cut into chunks (+margin each); the tail beyond the head
 * counts one token per UTF-8 byte (byte-level BPE never makes more tokens than bytes), +margin.
 */
function* countSteps(text: string, piece: (s: string) => number): Generator<void, number> {
  if (text.length <= PIECE_CHARS) return piece(text);
  const limit = codePointEnd(text, Math.min(text.length, EXACT_COUNT_CHARS));
  let n = limit < text.length ? Buffer.byteLength(text, 'utf8') - Buffer.byteLength(text.slice(0, limit), 'utf8') + CUT_MARGIN_TOKENS : 0;
  for (let at = 0; at < limit; ) {
    const { end, margin } = pieceEnd(text, at, limit);
    n += piece(text.slice(at, end)) + margin;
    at = end;
    if (at < limit) yield;
  }
  return n;
}

/**
 * Tokens of `text` with bounded work: `exact(text)` for every text of at most {@link PIECE_CHARS} code units
 * without a long run (every ordinary message), and for longer ordinary text too as long as the pieces are cut
 * before spaces. Never below the exact count (the cuts that could save a merge add a margin; the property tests
 * check it); O(min(n, EXACT_COUNT_CHARS)) BPE work plus an O(n) byte count, whatever the input.
 */
export function boundedCount(text: string, exact: (s: string) => number): number {
  const steps = countSteps(text, (p) => pieceCount(p, exact));
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

// Pieces of at least this many code units are memoised (per encoding): a context build's paced warm-up
// ({@link countTokensPaced}) leaves the engine's own counts as cache hits, and a refused build's work is kept.
const MEMO_MIN_CHARS = 512;
const MEMO_PIECES = 8192;

/** A tokenizer whose counts are bounded ({@link boundedCount}) and whose pieces are memoised. */
class BoundedTokenizer implements Tokenizer {
  readonly encoding: EncodingName;
  readonly #exact: (s: string) => number;
  readonly #memo = new Lru<string, number>(MEMO_PIECES);
  readonly #piece = (p: string): number => {
    if (p.length < MEMO_MIN_CHARS) return pieceCount(p, this.#exact);
    let n = this.#memo.get(p);
    if (n === undefined) {
      n = pieceCount(p, this.#exact);
      this.#memo.set(p, n);
    }
    return n;
  };

  constructor(encoding: EncodingName, exact: (s: string) => number) {
    this.encoding = encoding;
    this.#exact = exact;
  }

  count(text: string): number {
    return this.countChecked(text);
  }

  /** {@link count}, calling `between()` between pieces (it may throw to stop a long count). */
  countChecked(text: string, between?: () => void): number {
    const steps = countSteps(text, this.#piece);
    for (;;) {
      const r = steps.next();
      if (r.done === true) return r.value;
      between?.();
    }
  }

  /** {@link count}, awaiting `between()` between pieces (a caller's pacing: yield to the event loop, check a deadline). */
  async countPaced(text: string, between: () => Promise<void>): Promise<number> {
    const steps = countSteps(text, this.#piece);
    for (;;) {
      const r = steps.next();
      if (r.done === true) return r.value;
      await between();
    }
  }
}

/**
 * `tok.count(text)` with `between()` called between its pieces of work (at most {@link PIECE_CHARS} of BPE each),
 * so a long count can stop (throw) or pace itself. Tokenizers not made by {@link loadTokenizer} count in one go.
 */
export function countTokensChecked(tok: Tokenizer, text: string, between: () => void): number {
  return tok instanceof BoundedTokenizer ? tok.countChecked(text, between) : tok.count(text);
}

/** {@link countTokensChecked}, awaiting `between()` (e.g. to give the event loop a turn); the result is memoised. */
export function countTokensPaced(tok: Tokenizer, text: string, between: () => Promise<void>): Promise<number> {
  return tok instanceof BoundedTokenizer ? tok.countPaced(text, between) : Promise.resolve(tok.count(text));
}

const loaded = new Map<EncodingName, Tokenizer>();
const loading = new Map<EncodingName, Promise<Tokenizer>>();
// Special tokens inside user text are ordinary text to us: never refuse, never treat as control tokens.
const PLAIN = { disallowedSpecial: new Set<string>() };

/** The tokenizer of `encoding`, loading its tables on first use (o200k ≈ 180 ms, once per process). */
export function loadTokenizer(encoding: EncodingName): Promise<Tokenizer> {
  const hit = loaded.get(encoding);
  if (hit !== undefined) return Promise.resolve(hit);
  let p = loading.get(encoding);
  if (p === undefined && encoding.startsWith('hf:')) {
    p = import('./hf-tokenizer.ts').then((m) => {
      const hf = m.loadHfTokenizer(encoding.slice(3));
      const tok: Tokenizer = new BoundedTokenizer(encoding, (text) => hf.count(text));
      loaded.set(encoding, tok);
      return tok;
    });
    // A failed load is not cached: the next request tries again (and fails loudly again).
    p.catch(() => loading.delete(encoding));
    loading.set(encoding, p);
  }
  if (p === undefined) {
    const mod = encoding === 'o200k_base' ? import('gpt-tokenizer/encoding/o200k_base') : import('gpt-tokenizer/encoding/cl100k_base');
    p = mod.then((m) => {
      const tok: Tokenizer = new BoundedTokenizer(encoding, (text) => (text.length === 0 ? 0 : m.countTokens(text, PLAIN)));
      // The first BPE calls run cold (≈ 40 ms for one 64-character run): pay that here, not inside a request.
      tok.count(`warm up ${'ab'.repeat(40)} ${'漢字'.repeat(40)} ${'.,'.repeat(40)} ${'😀'.repeat(20)}`);
      loaded.set(encoding, tok);
      return tok;
    });
    loading.set(encoding, p);
  }
  return p;
}

/** A model's counting rule and window. */
export interface ModelInfo {
  /** The registry entry that matched (a prefix of the requested name). */
  id: string;
  encoding: EncodingName;
  /** Context window in tokens (prompt + reply). */
  contextWindow: number;
  /** Most tokens the model may generate in one reply. */
  maxOutputTokens: number;
  /** True when `encoding` only approximates the model's own tokenizer (other vendors). */
  approximate: boolean;
}

type Entry = [id: string, encoding: EncodingName, window: number, maxOutput: number, approximate?: true];
// Longest matching prefix wins, so dated snapshots (gpt-4o-2024-08-06) resolve to their family.
const REGISTRY: readonly Entry[] = [
  ['gpt-5', 'o200k_base', 400_000, 128_000],
  ['gpt-4.5', 'o200k_base', 128_000, 16_384],
  ['gpt-4.1', 'o200k_base', 1_047_576, 32_768],
  ['gpt-4o', 'o200k_base', 128_000, 16_384],
  ['chatgpt-4o', 'o200k_base', 128_000, 16_384],
  ['gpt-oss', 'o200k_base', 131_072, 32_768],
  ['o1', 'o200k_base', 200_000, 100_000],
  ['o1-mini', 'o200k_base', 128_000, 65_536],
  ['o1-preview', 'o200k_base', 128_000, 32_768],
  ['o3', 'o200k_base', 200_000, 100_000],
  ['o4-mini', 'o200k_base', 200_000, 100_000],
  ['gpt-4-turbo', 'cl100k_base', 128_000, 4_096],
  ['gpt-4-1106', 'cl100k_base', 128_000, 4_096],
  ['gpt-4-0125', 'cl100k_base', 128_000, 4_096],
  ['gpt-4-32k', 'cl100k_base', 32_768, 4_096],
  ['gpt-4', 'cl100k_base', 8_192, 4_096],
  ['gpt-3.5-turbo', 'cl100k_base', 16_385, 4_096],
  ['gpt-3.5-turbo-instruct', 'cl100k_base', 4_096, 4_096],
  // Other vendors: their tokenizers are not bundled; o200k_base is a close stand-in for modern ~200k vocabularies,
  // cl100k_base for Llama 3 (whose vocabulary extends cl100k's). Counts may be off by several percent.
  ['claude', 'o200k_base', 200_000, 8_192, true],
  ['claude-sonnet-4', 'o200k_base', 200_000, 64_000, true],
  ['claude-opus-4', 'o200k_base', 200_000, 32_000, true],
  ['llama-3', 'cl100k_base', 8_192, 4_096, true],
  ['llama-3.1', 'cl100k_base', 131_072, 4_096, true],
  ['llama-3.2', 'cl100k_base', 131_072, 4_096, true],
  ['llama-3.3', 'cl100k_base', 131_072, 4_096, true],
  ['llama-4', 'o200k_base', 1_000_000, 8_192, true],
  ['mistral-large', 'o200k_base', 131_072, 8_192, true],
  ['mistral-small', 'o200k_base', 32_768, 8_192, true],
  ['mixtral', 'o200k_base', 32_768, 4_096, true],
  ['gemini-1.5', 'o200k_base', 1_048_576, 8_192, true],
  ['gemini-2', 'o200k_base', 1_048_576, 65_536, true],
  ['qwen', 'o200k_base', 131_072, 8_192, true],
  ['deepseek', 'o200k_base', 128_000, 8_192, true],
];
const BY_ID = new Map(REGISTRY.map((e) => [e[0], e]));

/** A model registered at run time with its own tokenizer (config `models`). */
export interface ModelRegistration {
  /** Model name or prefix as clients send it (matched like the built-in registry: longest prefix wins). */
  id: string;
  /** Directory holding `tokenizer.json` (and optionally `tokenizer_config.json`), or the `tokenizer.json` file. */
  tokenizer: string;
  /** Context window in tokens (prompt + reply). */
  context_window: number;
  /** Most tokens one reply may take. @default min(8192, context_window / 4) */
  max_output_tokens?: number;
}

/**
 * Register (or replace) a model whose prompts are counted exactly with its own `tokenizer.json`; it takes
 * precedence over a built-in entry of the same id. The tokenizer file is read on first use; a missing or
 * malformed one makes that request fail with SIRA_ERR_CONFIG_INVALID (check with {@link loadTokenizer} at start).
 */
export function registerModel(m: ModelRegistration): ModelInfo {
  const id = m.id.trim().toLowerCase();
  if (id.length === 0 || !Number.isInteger(m.context_window) || m.context_window < 1) {
    throw siraError('SIRA_ERR_CONFIG_INVALID', `model registration ${JSON.stringify(m.id)} needs an id and a positive context_window`);
  }
  const maxOut = m.max_output_tokens ?? Math.min(8192, Math.floor(m.context_window / 4));
  BY_ID.set(id, [id, `hf:${m.tokenizer}`, m.context_window, maxOut]);
  return { id, encoding: `hf:${m.tokenizer}`, contextWindow: m.context_window, maxOutputTokens: maxOut, approximate: false };
}

/**
 * The registry entry of `model`: case-insensitive, a vendor prefix (`openai/`, `anthropic/`) ignored, the longest
 * registered prefix winning (`gpt-4o-mini-2024-07-18` → `gpt-4o`). Throws SIRA_ERR_CONTEXT_MODEL_UNKNOWN.
 */
export function resolveModel(model: string): ModelInfo {
  const name = model.trim().toLowerCase().replace(/^[a-z0-9_.-]+\//, '');
  for (let end = name.length; end > 0; end--) {
    const e = BY_ID.get(name.slice(0, end));
    // A prefix only counts at a boundary: `o1` must not match `o10x`, `gpt-4` must match `gpt-4-0613`.
    if (e !== undefined && (end === name.length || /[-:@._]/.test(name[end]!) || /\d/.test(name[end - 1]!) !== /\d/.test(name[end]!))) {
      return { id: e[0], encoding: e[1], contextWindow: e[2], maxOutputTokens: e[3], approximate: e[4] === true };
    }
  }
  throw siraError('SIRA_ERR_CONTEXT_MODEL_UNKNOWN', `unknown model ${JSON.stringify(model.slice(0, 100))}; give budget_tokens instead`);
}

/** Every registered model id, built-in and run-time (for docs and tests). */
export function knownModels(): string[] {
  return [...BY_ID.keys()];
}

/** Tokens kept free for the reply when a budget comes from a model's window: min(4096, max output, window / 4). */
export function defaultReplyReserve(info: ModelInfo): number {
  return Math.min(4096, info.maxOutputTokens, Math.floor(info.contextWindow / 4));
}

/** Chat-format overhead (OpenAI cookbook, "How to count tokens with tiktoken"). */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
/** Every reply is primed with `<|start|>assistant<|message|>`. */
export const REPLY_PRIMING_TOKENS = 3;
/** Added per tool call to its name and arguments (the rule OpenAI's legacy function-call counting used). */
export const TOKENS_PER_TOOL_CALL = 3;

export { DEFAULT_MEDIA_TOKENS, imageTokens, type MediaTokens } from './media-tokens.ts';

function partTokens(p: ChatContentPart, tok: Tokenizer, media: MediaTokens): number {
  switch (p.type) {
    case 'text':
      return tok.count(p.text);
    case 'image_url': {
      const size = IMAGE_SIZES.get(p);
      if (size !== undefined) return imageTokens(size.width, size.height, p.image_url.detail);
      return p.image_url.detail === 'low' ? LOW_DETAIL_IMAGE : media.image;
    }
    case 'input_audio':
      return media.audio;
    case 'file':
      return media.file;
    default:
      // A part type we do not know (clients may send newer ones): its JSON text, an over-estimate.
      return tok.count(JSON.stringify(p));
  }
}

/** Tokens one message adds to a prompt, overhead included. */
export function countMessageTokens(m: ChatMessage, tok: Tokenizer, media: MediaTokens = DEFAULT_MEDIA_TOKENS): number {
  let n = TOKENS_PER_MESSAGE + tok.count(m.role);
  if (typeof m.content === 'string') n += tok.count(m.content);
  else if (Array.isArray(m.content)) for (const p of m.content) n += partTokens(p, tok, media);
  if (m.name !== undefined && m.name.length > 0) n += tok.count(m.name) + TOKENS_PER_NAME;
  for (const c of m.tool_calls ?? []) n += tok.count(c.function.name) + tok.count(c.function.arguments) + TOKENS_PER_TOOL_CALL;
  return n;
}

/** Tokens of a whole prompt: every message plus the reply priming. */
export function countChatTokens(messages: readonly ChatMessage[], tok: Tokenizer, media: MediaTokens = DEFAULT_MEDIA_TOKENS): number {
  let n = REPLY_PRIMING_TOKENS;
  for (const m of messages) n += countMessageTokens(m, tok, media);
  return n;
}

/** Identifies a stored turn for caching: a re-created session id gets a new `created_at`, so keys never collide. */
export interface TurnKey {
  tenant: string;
  session: string;
  seq: number;
  created_at: number;
}

/**
 * Token counts of stored turns, cached per (tenant, session, seq, created_at, encoding) in a bounded LRU. Stored
 * turns never change, so an entry never goes stale; `variant` distinguishes renderings of one turn (e.g. with and
 * without its tool calls paired).
 */
export class TokenCountCache {
  readonly #lru: Lru<string, number>;

  /** @param maxEntries most counts kept. @default 200000 (about 20 MB) */
  constructor(maxEntries = 200_000) {
    this.#lru = new Lru(maxEntries);
  }

  /** Counts held now. */
  get size(): number {
    return this.#lru.size;
  }

  /** The cached count, or `compute()` stored under the key. */
  get(key: TurnKey, encoding: EncodingName, variant: string, compute: () => number): number {
    const k = `${key.tenant}\u0000${key.session}\u0000${key.seq}\u0000${key.created_at}\u0000${encoding}\u0000${variant}`;
    let n = this.#lru.get(k);
    if (n === undefined) {
      n = compute();
      this.#lru.set(k, n);
    }
    return n;
  }
}

/** The tokenizer for a model name (see {@link resolveModel}); throws SIRA_ERR_CONTEXT_MODEL_UNKNOWN. */
export function tokenizerForModel(model: string): Promise<Tokenizer> {
  return loadTokenizer(resolveModel(model).encoding);
}

/**
 * Tokens a stored turn adds to a prompt: its rendered chat messages ({@link turnToMessages}) with their overhead.
 * Text, roles and names are exact; tool calls and media are the documented estimates.
 */
export function countTurnTokens(turn: Turn, tok: Tokenizer, opts: RenderOptions & { media?: MediaTokens } = {}): number {
  let n = 0;
  for (const m of turnToMessages(turn, opts)) n += countMessageTokens(m, tok, opts.media);
  return n;
}
