/**
 * `POST /v1/responses/compact` does bounded work whatever the input (issue 11): it reads only the newest
 * COMPACTION_MAX_ITEMS non-user items and COMPACTION_MAX_CHARS characters of them (each item's head), so an item
 * beyond that budget is left out of the summary, and an input of more than COMPACTION_MAX_INPUT_ITEMS items is
 * refused before any work. Timing is not asserted (the bench measures it): what is read is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPACTION_MAX_CHARS, COMPACTION_MAX_INPUT_ITEMS } from '../../src/api/responses-compact.ts';
import { ANALYSIS_MAX_CHARS } from '../../src/core/text-limits.ts';
import { testApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp({ embedder: 'none' });
});
afterAll(() => t.close());

const MARKER = 'The zebra migration report names Kilimanjaro as the meeting point.';
const filler = (i: number) => ({ type: 'message', role: 'assistant', content: `Filler block ${i} says hello there. ${'padding '.repeat(ANALYSIS_MAX_CHARS / 8 + 100)}` });

async function compact(input: unknown[]) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/responses/compact', headers: t.auth, payload: { model: 'gpt-4o', input } });
  return { status: res.statusCode, body: JSON.parse(res.body) as { output?: { type: string; encrypted_content?: string }[]; code?: string } };
}

async function summaryText(output: { type: string; encrypted_content?: string }[]): Promise<string> {
  const ref = output.find((o) => o.type === 'compaction')!.encrypted_content!.slice('sira:v1:'.length);
  const doc = await t.sira.store.getDoc('acme', 'openai.compactions', ref);
  return (JSON.parse(Buffer.from(doc!.value).toString('utf8')) as { summary: string }).summary;
}

describe('POST /v1/responses/compact bounds its work', () => {
  it('summarises an old item while the newer ones leave it within the character budget (control)', async () => {
    const r = await compact([{ type: 'message', role: 'assistant', content: MARKER }, filler(1), filler(2)]);
    expect(r.status).toBe(200);
    expect(await summaryText(r.body.output!)).toContain('zebra migration');
  });

  it('leaves out an item older than the newest COMPACTION_MAX_CHARS characters, and reads 1 Mi-character items by their head', async () => {
    const newer = Math.ceil(COMPACTION_MAX_CHARS / ANALYSIS_MAX_CHARS) + 1;
    const huge = { type: 'function_call_output', call_id: 'c1', output: `Tool said fine. ${'x'.repeat(1 << 20)}` };
    const r = await compact([{ type: 'message', role: 'assistant', content: MARKER }, huge, ...Array.from({ length: newer }, (_, i) => filler(i))]);
    expect(r.status).toBe(200);
    const summary = await summaryText(r.body.output!);
    expect(summary).not.toContain('zebra migration');
    expect(summary).toContain('Filler block');
  });

  it(`refuses more than ${COMPACTION_MAX_INPUT_ITEMS} input items with 413 SIRA_ERR_REQUEST_TOO_LARGE`, async () => {
    const items = Array.from({ length: COMPACTION_MAX_INPUT_ITEMS + 1 }, () => ({ role: 'assistant', content: 'ok.' }));
    const r = await compact(items);
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('SIRA_ERR_REQUEST_TOO_LARGE');
    expect((await compact(items.slice(1))).status).toBe(200);
  });
});
