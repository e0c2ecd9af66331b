import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { BlobStore } from '../storage/blob-store.ts';
import { LmdbStore } from '../storage/lmdb/lmdb-store.ts';
import { INLINE_MEDIA_MAX_BYTES, offloadMedia } from './media-offload.ts';
import { assistantTurn, replyOfCompletion, StreamAccumulator, trailingUserTurns } from './proxy.ts';

const enc = new TextEncoder();

describe('api/proxy: recording helpers', () => {
  it('StreamAccumulator assembles content and tool-call deltas split across chunks and lines', () => {
    const acc = new StreamAccumulator();
    const frames = [
      { id: 'c1', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Let me ' } }] },
      { id: 'c1', choices: [{ index: 0, delta: { content: 'check.', tool_calls: [{ index: 0, id: 'call_1', function: { name: 'get_', arguments: '{"ci' } }] } }] },
      { id: 'c1', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'weather', arguments: 'ty":"Lisbon"}' } }, { index: 1, id: 'call_2', function: { name: 'now', arguments: '{}' } }] } }] },
      { id: 'c1', choices: [], usage: { total_tokens: 9 } },
    ];
    const text = frames.map((f) => `data: ${JSON.stringify(f)}\r\n\r\n`).join('') + ': comment\n\ndata: [DONE]\n\n';
    const bytes = enc.encode(text);
    // Odd-sized slices cut lines (and a UTF-8 sequence would be cut too) anywhere.
    for (let i = 0; i < bytes.length; i += 7) acc.push(bytes.subarray(i, i + 7));
    const reply = acc.end();
    expect(reply).toEqual({
      content: 'Let me check.',
      toolCalls: [
        { id: 'call_1', name: 'get_weather', arguments: '{"city":"Lisbon"}' },
        { id: 'call_2', name: 'now', arguments: '{}' },
      ],
      id: 'c1',
      model: 'm',
      usage: { total_tokens: 9 },
    });
    expect(assistantTurn(reply)).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Lisbon"}' },
        { type: 'tool_call', id: 'call_2', name: 'now', arguments: '{}' },
      ],
      metadata: { model: 'm', upstream_id: 'c1', usage: { total_tokens: 9 } },
    });
  });

  it('replyOfCompletion reads a non-streamed completion; an empty reply makes no turn', () => {
    const reply = replyOfCompletion({ id: 'x', model: 'm', choices: [{ message: { role: 'assistant', content: 'hi' } }] });
    expect(assistantTurn(reply)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'hi' }], metadata: { model: 'm', upstream_id: 'x' } });
    expect(assistantTurn(replyOfCompletion({ choices: [] }))).toBeUndefined();
  });

  it('trailingUserTurns takes the user messages after the last other role, with their media', () => {
    const wav = Buffer.from([1, 2, 3, 4]).toString('base64');
    const turns = trailingUserTurns([
      { role: 'user', content: 'old' },
      { role: 'assistant', content: 'a' },
      { role: 'user', content: 'one', name: 'ann' },
      { role: 'user', content: [{ type: 'text', text: 'two' }, { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } }] },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/z.png' } }, { type: 'input_audio', input_audio: { data: wav, format: 'wav' } }] },
      { role: 'user', content: [{ type: 'text', text: '' }] },
    ]);
    expect(turns).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'one' }], name: 'ann' },
      { role: 'user', content: [{ type: 'text', text: 'two' }, { type: 'image', mime: 'image/png', url: 'https://x/y.png', detail: 'low' }], name: null },
      { role: 'user', content: [{ type: 'image', mime: 'image/png', url: 'https://x/z.png' }, { type: 'audio', mime: 'audio/wav', data: new Uint8Array([1, 2, 3, 4]) }], name: null },
    ]);
    expect(trailingUserTurns([{ role: 'tool', tool_call_id: 'c', content: '{}' }])).toEqual([]);
  });


  it('offloadMedia moves inline media over the threshold to blobs and leaves out what the blob limits refuse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sira-proxy-offload-'));
    const store = await LmdbStore.open({ path: dir });
    try {
      const blobs = new BlobStore(store, systemClock, { maxBlobBytes: 3 * INLINE_MEDIA_MAX_BYTES });
      const warned: unknown[] = [];
      const log = { warn: (o: unknown) => warned.push(o) } as never;
      const fits = new Uint8Array(2 * INLINE_MEDIA_MAX_BYTES).fill(7);
      const over = new Uint8Array(4 * INLINE_MEDIA_MAX_BYTES).fill(9);
      const turns = await offloadMedia(blobs, 't1', [
        { role: 'user', content: 'plain' },
        { role: 'user', content: [{ type: 'text', text: 'two' }, { type: 'audio', mime: 'audio/wav', data: fits, transcript: 'hi' }, { type: 'image', mime: 'image/png', data: over }] },
        { role: 'user', content: [{ type: 'file', mime: 'application/pdf', data: over, name: 'big.pdf' }] },
      ], log);
      expect(turns).toHaveLength(2);
      expect(turns[0]).toEqual({ role: 'user', content: 'plain' });
      const [text, audio] = turns[1]!.content as { type: string; blob?: { sha256: string; size: number } }[];
      expect(text).toEqual({ type: 'text', text: 'two' });
      expect(audio).toMatchObject({ type: 'audio', mime: 'audio/wav', transcript: 'hi', blob: { size: fits.byteLength, mime: 'audio/wav' } });
      expect(audio).not.toHaveProperty('data');
      expect((await blobs.info('t1', audio!.blob!.sha256))?.size).toBe(fits.byteLength);
      expect(turns[1]!.content).toHaveLength(2);
      expect(warned).toHaveLength(2);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
