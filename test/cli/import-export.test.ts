/**
 * `sira-session import | export` with OpenAI chat logs and ShareGPT (both ways, byte-identical round trips of the
 * canonical form), the progress bar, and `--resume` completing a cut import with nothing stored twice.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { SiraSession } from '../../src/sira.ts';
import { captureIo, tempDirs } from '../helpers/cli.ts';

const dir = tempDirs();
const io = captureIo;

/** Canonical OpenAI chat-log lines: ids, metadata, tool calls and results, names, image URL parts. */
function openAiLog(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const messages = [
      { role: 'system', content: 'You are a support agent.' },
      { role: 'user', name: 'maria', content: `Order ${i} has not arrived` },
      { role: 'assistant', content: null, tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'get_order', arguments: `{"id":${i}}` } }] },
      { role: 'tool', tool_call_id: `call_${i}`, content: '{"status":"shipped"}' },
      { role: 'user', content: [{ type: 'text', text: 'here is the label' }, { type: 'image_url', image_url: { url: 'https://example.com/label.png' } }] },
      { role: 'assistant', content: `It shipped yesterday (${i}).` },
    ];
    lines.push(JSON.stringify({ id: `conv-${i}`, ...(i % 2 === 0 ? { metadata: { source: 'test', i } } : {}), messages }));
  }
  return `${lines.join('\n')}\n`;
}

describe('import / export of chat logs', () => {
  it('an OpenAI chat log imports as sessions and exports back byte for byte', async () => {
    const d = await dir();
    const file = join(d, 'chats.jsonl');
    const log = openAiLog(50);
    await writeFile(file, log);
    const data = join(d, 'db');
    const a = io();
    expect(await main(['import', '--file', file, '--tenant', 'acme', '--data-dir', data], a)).toBe(0);
    expect(a.err()).toContain('imported 50 sessions, 300 turns, 0 tensors (openai) into tenant acme');
    expect(a.err()).toMatch(/300 turns\s+[\d,]+ turns\/s/);
    const sira = await SiraSession.open({ dataDir: data, sweepIntervalMs: 0, logLevel: 'silent' });
    const turns = await sira.tenant('acme').getTurns('conv-3');
    expect(turns.map((t) => t.role)).toEqual(['system', 'user', 'assistant', 'tool', 'user', 'assistant']);
    expect(turns[1]).toMatchObject({ name: 'maria', parts: [{ type: 'text', text: 'Order 3 has not arrived' }] });
    expect(turns[2]!.parts).toEqual([{ type: 'tool_call', id: 'call_3', name: 'get_order', arguments: '{"id":3}' }]);
    expect(turns[4]!.parts[1]).toMatchObject({ type: 'image', url: 'https://example.com/label.png' });
    expect((await sira.tenant('acme').getSession('conv-2')).metadata).toEqual({ source: 'test', i: 2 });
    await sira.close();
    const out = join(d, 'back.jsonl');
    const b = io();
    expect(await main(['export', '--tenant', 'acme', '--format', 'openai', '--out', out, '--data-dir', data], b)).toBe(0);
    const back = (await readFile(out, 'utf8')).split('\n').filter(Boolean).sort();
    expect(back).toEqual(log.split('\n').filter(Boolean).sort());
  });

  it('a ShareGPT JSON array imports (ids from the records or the position) and exports as ShareGPT lines', async () => {
    const d = await dir();
    const file = join(d, 'share.json');
    const records = [
      { id: 'sg-1', conversations: [{ from: 'system', value: 'be nice' }, { from: 'human', value: 'hi' }, { from: 'gpt', value: 'hello!' }] },
      { conversations: [{ from: 'human', value: 'what is 2+2?' }, { from: 'gpt', value: '4' }] },
    ];
    await writeFile(file, JSON.stringify(records));
    const data = join(d, 'db');
    const a = io();
    expect(await main(['import', '--file', file, '--tenant', 't1', '--data-dir', data], a)).toBe(0);
    expect(a.err()).toContain('imported 2 sessions, 5 turns, 0 tensors (sharegpt)');
    const out = join(d, 'back.jsonl');
    expect(await main(['export', '--tenant', 't1', '--format', 'sharegpt', '--out', out, '--data-dir', data], io())).toBe(0);
    const back = (await readFile(out, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(back.find((r) => r.id === 'sg-1')).toEqual(records[0]);
    expect(back.find((r) => r.id === 'import-2')).toEqual({ id: 'import-2', ...records[1] });
    // Importing again skips what exists.
    const again = io();
    expect(await main(['import', '--file', file, '--tenant', 't1', '--data-dir', data], again)).toBe(0);
    expect(again.err()).toContain('imported 0 sessions');
    expect(again.err()).toContain('skipped (existing or expired): sg-1, import-2');
  });

  it('a cut import resumes with --resume: the cut session is completed and nothing is stored twice', async () => {
    const src = await dir();
    const sira = await SiraSession.open({ dataDir: src, sweepIntervalMs: 0, logLevel: 'silent' });
    const acme = sira.tenant('acme');
    await acme.createSession({ id: 'long' });
    const all = Array.from({ length: 1203 }, (_, i) => ({ role: i % 2 === 0 ? ('user' as const) : ('assistant' as const), content: `turn ${i + 1}` }));
    for (let i = 0; i < all.length; i += 600) await acme.appendTurns('long', all.slice(i, i + 600));
    await acme.createSession({ id: 'short' });
    await acme.appendTurns('short', [{ role: 'user', content: 'only one' }]);
    await sira.close();
    const file = join(src, 'export.jsonl');
    expect(await main(['export', '--tenant', 'acme', '--out', file, '--data-dir', src], io())).toBe(0);
    // A crash after the first chunk of `long`: header, session, turns 1-500 made it, nothing else.
    const lines = (await readFile(file, 'utf8')).split('\n');
    const longAt = lines.findIndex((l) => l.startsWith('{"session":{"id":"long"'));
    const cut = join(src, 'cut.jsonl');
    await writeFile(cut, `${lines.slice(0, lines.findIndex((l, i) => i > longAt && l.startsWith('{"turns"')) + 1).join('\n')}\n`);
    const dst = join(src, 'dst');
    expect(await main(['import', '--file', cut, '--data-dir', dst, '--resume'], io())).toBe(0);
    const r = io();
    expect(await main(['import', '--file', file, '--data-dir', dst, '--resume'], r)).toBe(0);
    // `short` (before `long` in the export, or after it) and the rest of `long`: 703 + 1 turns, or 703 if short made it.
    expect(r.err()).toMatch(/imported 2 sessions, 70[34] turns/);
    const back = await SiraSession.open({ dataDir: dst, sweepIntervalMs: 0, logLevel: 'silent' });
    const turns = [...(await back.tenant('acme').getTurns('long', { after_seq: 0, limit: 1000 })), ...(await back.tenant('acme').getTurns('long', { after_seq: 1000, limit: 1000 }))];
    expect(turns.map((t) => (t.parts[0] as { text: string }).text)).toEqual(all.map((t) => t.content));
    expect((await back.tenant('acme').getSession('short')).turn_count).toBe(1);
    await back.close();
  });

  it('refuses a file in no known format, and a chat log without --tenant', async () => {
    const d = await dir();
    const file = join(d, 'x.jsonl');
    await writeFile(file, '{"hello":1}\n');
    const a = io();
    expect(await main(['import', '--file', file, '--data-dir', join(d, 'db')], a)).not.toBe(0);
    expect(a.err()).toContain('not a sira-export, OpenAI chat log or ShareGPT file');
    await writeFile(file, openAiLog(1));
    const b = io();
    expect(await main(['import', '--file', file, '--data-dir', join(d, 'db')], b)).not.toBe(0);
    expect(b.err()).toContain('needs --tenant');
  });
});
