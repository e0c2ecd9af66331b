/**
 * @module models/hf-tokenizer
 * Exact token counts for models that ship a Hugging Face `tokenizer.json` (Llama, Mistral, Qwen, Gemma, BERT …),
 * through `@huggingface/tokenizers` (pure JS; the same library transformers.js uses). The tokenizer is read from a
 * local directory (or the `tokenizer.json` file itself) — never downloaded. Counts exclude special tokens the
 * model's post-processor would add (BOS/EOS, [CLS]/[SEP]); the chat overhead is counted separately.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { siraError } from '../core/errors.ts';

/** Parsed tokenizer files of a directory (or of one `tokenizer.json`). */
export function readHfTokenizerFiles(path: string): { tokenizer: object; config: object } {
  let file = path;
  let dir: string | undefined;
  try {
    if (statSync(path).isDirectory()) {
      dir = path;
      file = join(path, 'tokenizer.json');
    }
    const tokenizer = JSON.parse(readFileSync(file, 'utf8')) as object;
    const cfgFile = dir === undefined ? undefined : join(dir, 'tokenizer_config.json');
    const config = cfgFile !== undefined && existsSync(cfgFile) ? (JSON.parse(readFileSync(cfgFile, 'utf8')) as object) : {};
    return { tokenizer, config };
  } catch (cause) {
    throw siraError('SIRA_ERR_CONFIG_INVALID', `no readable tokenizer.json at ${path}`, { cause });
  }
}

/** A counter over the tokenizer at `path`: `count(text)` = number of ids without added special tokens. */
export function loadHfTokenizer(path: string): { count(text: string): number; ids(text: string): number[] } {
  const { tokenizer, config } = readHfTokenizerFiles(path);
  let tok: HfTokenizer;
  try {
    tok = new HfTokenizer(tokenizer, config);
  } catch (cause) {
    throw siraError('SIRA_ERR_CONFIG_INVALID', `tokenizer.json at ${path} could not be loaded`, { cause });
  }
  const ids = (text: string): number[] => tok.encode(text, { add_special_tokens: false }).ids;
  return { count: (text) => (text.length === 0 ? 0 : ids(text).length), ids };
}
