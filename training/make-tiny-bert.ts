/**
 * @module training/make-tiny-bert
 * Writes a tiny BERT-style sentence-transformers model directory, for testing the `onnx` embedder offline: a
 * WordPiece `tokenizer.json` (letters, `##` letters, digits, a few words), `config.json` (model_type bert),
 * `modules.json` + `1_Pooling/config.json` (mean pooling) and `onnx/model.onnx`, a graph written directly as ONNX
 * protobuf: token embeddings (Gather) → dense (MatMul) → Tanh → × attention mask = `last_hidden_state`. Weights
 * are a fixed pseudo-random function of the seed, so every run writes the same bytes. No Python, no download.
 * usage: node training/make-tiny-bert.ts <out-dir> [hidden=16]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// --- protobuf encoding (just what ONNX needs: varints, length-delimited fields) ---
type Field = Uint8Array;
function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}
const tag = (field: number, wire: number) => varint((field << 3) | wire);
const vint = (field: number, n: number | bigint): Field => Uint8Array.from([...tag(field, 0), ...varint(n)]);
function bytes(field: number, data: Uint8Array): Field {
  return Uint8Array.from([...tag(field, 2), ...varint(data.length), ...data]);
}
const str = (field: number, s: string): Field => bytes(field, new TextEncoder().encode(s));
const msg = (field: number, ...parts: Field[]): Field => bytes(field, concat(parts));
function concat(parts: Field[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const FLOAT = 1;
const INT64 = 7;

/** TensorProto with raw little-endian data. */
function tensor(field: number, name: string, dtype: number, dims: number[], raw: Uint8Array): Field {
  return msg(field, ...dims.map((d) => vint(1, d)), vint(2, dtype), str(8, name), bytes(9, raw));
}
/** ValueInfoProto of a tensor with symbolic or fixed dims. */
function valueInfo(field: number, name: string, dtype: number, dims: (number | string)[]): Field {
  const shape = msg(2, ...dims.map((d) => msg(1, typeof d === 'number' ? vint(1, d) : str(2, d))));
  return msg(field, str(1, name), msg(2, msg(1, vint(1, dtype), shape)));
}
function node(op: string, inputs: string[], outputs: string[], attrs: Field[] = []): Field {
  return msg(1, ...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, `${op}_${outputs[0]}`), str(4, op), ...attrs);
}
const intAttr = (name: string, v: number): Field => msg(5, str(1, name), vint(3, v), vint(20, 2));

/** Deterministic weights in [−1, 1). */
function weights(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** The vocabulary: specials, digits, letters, `##` letters and digits, punctuation, a few whole words. */
export function tinyVocab(): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
  return ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...letters, ...letters.map((c) => `##${c}`), ...'.,!?;:\'"-()'.split(''), 'the', 'meeting', 'moved', 'to', 'window', 'seat', 'hotel', 'prefer'];
}

/** The ONNX model bytes for a vocabulary size and hidden width. */
export function tinyBertOnnx(vocabSize: number, hidden: number, seed = 7): Uint8Array {
  const emb = weights(vocabSize * hidden, seed);
  const dense = weights(hidden * hidden, seed + 1);
  const f32 = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const axes = new Uint8Array(new BigInt64Array([2n]).buffer);
  const graph = msg(
    7,
    node('Gather', ['embeddings', 'input_ids'], ['tok']),
    node('MatMul', ['tok', 'dense'], ['proj']),
    node('Tanh', ['proj'], ['act']),
    node('Cast', ['attention_mask'], ['maskf'], [intAttr('to', FLOAT)]),
    node('Unsqueeze', ['maskf', 'axes'], ['mask3']),
    node('Mul', ['act', 'mask3'], ['last_hidden_state']),
    str(2, 'tiny-bert'),
    tensor(5, 'embeddings', FLOAT, [vocabSize, hidden], f32(emb)),
    tensor(5, 'dense', FLOAT, [hidden, hidden], f32(dense)),
    tensor(5, 'axes', INT64, [1], axes),
    valueInfo(11, 'input_ids', INT64, ['batch', 'sequence']),
    valueInfo(11, 'attention_mask', INT64, ['batch', 'sequence']),
    valueInfo(12, 'last_hidden_state', FLOAT, ['batch', 'sequence', hidden]),
  );
  return concat([vint(1, 8), str(2, 'sira-training'), graph, msg(8, str(1, ''), vint(2, 13))]);
}

/** The tokenizer.json of {@link tinyVocab} (BERT normaliser and pre-tokeniser, WordPiece, [CLS] … [SEP]). */
export function tinyTokenizerJson(vocab: string[]): object {
  const special = (id: number) => ({ id, content: vocab[id], single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [0, 1, 2, 3, 4].map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((t, i) => [t, i])) },
  };
}

/** Write the model directory; returns its path. */
export function makeTinyBert(dir: string, hidden = 16): string {
  const vocab = tinyVocab();
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  mkdirSync(join(dir, '1_Pooling'), { recursive: true });
  writeFileSync(join(dir, 'onnx', 'model.onnx'), tinyBertOnnx(vocab.length, hidden));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson(vocab)));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 128, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]' }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], hidden_size: hidden, num_attention_heads: 1, num_hidden_layers: 1, intermediate_size: hidden, vocab_size: vocab.length, max_position_embeddings: 128, type_vocab_size: 2, pad_token_id: 0 }),
  );
  writeFileSync(join(dir, 'modules.json'), JSON.stringify([{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' }, { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' }, { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' }]));
  writeFileSync(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: hidden, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true, pooling_mode_max_tokens: false }));
  return dir;
}

if (import.meta.main) {
  const out = process.argv[2];
  if (out === undefined) {
    console.error('usage: node training/make-tiny-bert.ts <out-dir> [hidden=16]');
    process.exit(2);
  }
  console.log(makeTinyBert(out, Number(process.argv[3] ?? 16)));
}
