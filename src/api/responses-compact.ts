/**
 * @module api/responses-compact
 * `POST /v1/responses/compact` in OpenAI's shape (`object: 'response.compaction'`: every user message, then one
 * `compaction` item), computed by Sira's own extractive summarizer instead of a model call: the non-user items
 * (assistant text, function calls and their outputs) become one summary whose text is kept in the tenant's
 * `openai.compactions` collection. The item's `encrypted_content` is an opaque reference (`sira:v1:<id>`), not
 * OpenAI ciphertext: when a later `POST /v1/responses` input holds it, Sira replaces it with the summary as a
 * developer message before forwarding (see {@link expandCompactions}); it means nothing to another service.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { siraError } from '../core/errors.ts';
import { ANALYSIS_MAX_CHARS, textHead } from '../core/text-limits.ts';
import { newId } from '../core/ids.ts';
import type { JsonObject } from '../core/types.ts';
import { sentenceInfos, summarize, type SummarySource } from '../memory/context/index.ts';
import { loadTokenizer, resolveModel } from '../models/tokens.ts';
import type { SiraSession } from '../sira.ts';
import { itemText, normalizeInput, type ResponseItem } from './openai-items.ts';
import { OpenAIStore } from './openai-store.ts';
import { problemResponses } from './schemas.ts';
import type { RoutesOptions } from './sessions.ts';

const COMPACTIONS = 'openai.compactions';
const REF = 'sira:v1:';
/** Tokens the summary may take. */
export const COMPACTION_SUMMARY_TOKENS = 2000;

const utf8 = new TextEncoder();

/**
 * The newest non-user items a compaction reads (older ones are left out of the summary: it is recency-weighted
 * anyway), and the characters of them it analyses in all, newest first, each item's head at most
 * {@link ANALYSIS_MAX_CHARS}: the work of one request is bounded whatever the input (issue 11; before, a 1 Mi-character
 * item kept the event loop busy for ~200-250 ms on a quiet machine).
 */
export const COMPACTION_MAX_ITEMS = 2000;
export const COMPACTION_MAX_CHARS = 128 * 1024;
/** Items one compaction request may send in `input` (more: 413 SIRA_ERR_REQUEST_TOO_LARGE, before any work). */
export const COMPACTION_MAX_INPUT_ITEMS = 10_000;

/** The text a summary is drawn from for one item. */
function sourceText(item: ResponseItem): string {
  if (item.type === 'function_call') return `Called ${String(item.name)}(${textHead(String(item.arguments ?? ''), ANALYSIS_MAX_CHARS)}).`;
  if (item.type === 'function_call_output') return `Tool result: ${textHead(typeof item.output === 'string' ? item.output : JSON.stringify(item.output), ANALYSIS_MAX_CHARS)}.`;
  return itemText(item);
}

/** The summary text of the non-user `items` (undefined when they hold no sentence worth keeping). */
async function summaryOf(items: readonly ResponseItem[], model: string | undefined): Promise<string | undefined> {
  let encoding: Parameters<typeof loadTokenizer>[0] = 'o200k_base';
  try {
    if (model !== undefined) encoding = resolveModel(model).encoding;
  } catch {
    // An unknown model name only loses its exact tokenizer: o200k counts close enough for a summary budget.
  }
  const tok = await loadTokenizer(encoding);
  const sources: SummarySource[] = [];
  let left = COMPACTION_MAX_CHARS;
  for (let i = items.length - 1; i >= Math.max(0, items.length - COMPACTION_MAX_ITEMS) && left > 0; i--) {
    const item = items[i]!;
    const text = textHead(sourceText(item), Math.min(left, ANALYSIS_MAX_CHARS));
    left -= text.length;
    const sentences = sentenceInfos(text);
    sources.push({ seq: i + 1, speaker: item.type === 'message' ? String(item.role) : 'tool', score: (i + 1) / items.length, sentences, cost: sentences.map((s) => tok.count(s.text)) });
  }
  sources.reverse();
  return summarize(sources, new Map(), COMPACTION_SUMMARY_TOKENS, (c) => tok.count(c))?.content;
}

/**
 * Replace each compaction item Sira produced with its summary as a developer message (those of other services
 * pass unchanged). Throws SIRA_ERR_REQUEST_INVALID for a `sira:` reference this tenant does not hold.
 */
export async function expandCompactions(sira: SiraSession, tenant: string, items: readonly ResponseItem[]): Promise<ResponseItem[]> {
  const out: ResponseItem[] = [];
  for (const item of items) {
    const ref = item.type === 'compaction' && typeof item.encrypted_content === 'string' && item.encrypted_content.startsWith(REF) ? item.encrypted_content.slice(REF.length) : undefined;
    if (ref === undefined) {
      out.push(item);
      continue;
    }
    const doc = ref.length > 0 && ref.length <= 200 ? await sira.store.getDoc(tenant, COMPACTIONS, ref) : undefined;
    if (doc === undefined) throw siraError('SIRA_ERR_REQUEST_INVALID', `unknown compaction ${JSON.stringify(ref.slice(0, 100))}`);
    const { summary } = JSON.parse(Buffer.from(doc.value).toString('utf8')) as { summary: string };
    out.push({ type: 'message', role: 'developer', content: [{ type: 'input_text', text: summary }] });
  }
  return out;
}

/** The compaction route. */
export const compactRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  app.post(
    '/responses/compact',
    {
      schema: {
        tags: ['openai'],
        security: [{ bearer: [] }],
        summary: 'Compact a chain or an input: every user message, then one compaction item (Sira’s extractive summary of the rest)',
        body: Type.Object(
          {
            model: Type.Optional(Type.Union([Type.String(), Type.Null()])),
            input: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Record(Type.String(), Type.Unknown())), Type.Null()])),
            previous_response_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
            instructions: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          },
          { additionalProperties: true },
        ),
        response: { 200: Type.Record(Type.String(), Type.Unknown()), ...problemResponses },
      },
    },
    async (request) => {
      const now = sira.clock();
      const raw = request.body.input;
      if (Array.isArray(raw) && raw.length > COMPACTION_MAX_INPUT_ITEMS) {
        throw siraError('SIRA_ERR_REQUEST_TOO_LARGE', `input holds ${raw.length} items; a compaction takes at most ${COMPACTION_MAX_INPUT_ITEMS}`);
      }
      let input: ResponseItem[];
      try {
        input = normalizeInput(request.body.input ?? undefined, now);
      } catch (e) {
        throw siraError('SIRA_ERR_REQUEST_INVALID', (e as Error).message);
      }
      const previous = request.body.previous_response_id ?? null;
      const earlier = previous === null ? [] : (await new OpenAIStore(sira, request.tenant).chain(previous)).items.map((x) => x.item);
      const all = await expandCompactions(sira, request.tenant, [...earlier, ...input]);
      const users = all.filter((i) => i.type === 'message' && i.role === 'user');
      const rest = all.filter((i) => !(i.type === 'message' && i.role === 'user'));
      const summary = await summaryOf(rest, request.body.model ?? undefined);
      const output: JsonObject[] = [...users];
      if (summary !== undefined) {
        const id = newId('cmp_', now);
        await sira.store.putDoc(request.tenant, COMPACTIONS, id, utf8.encode(JSON.stringify({ summary })));
        output.push({ type: 'compaction', id, encrypted_content: `${REF}${id}` });
      }
      return { id: newId('resp_', now), object: 'response.compaction', created_at: Math.floor(now / 1000), output, usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } } };
    },
  );
};
