/**
 * `npm run bench -- import`: `sira-session import` throughput (issue 13: ≥ 20,000 turns/s for 100,000 turns) for an
 * OpenAI chat log (10,000 conversations × 10 turns) and a `sira-export` file (100 sessions × 1,000 turns), into a
 * fresh LMDB store, through the same code path as the CLI (progress bar included); and the export → import →
 * export round trip of the chat log compared byte for byte. Size: BENCH_IMPORT_TURNS (default 100000).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWriteStream } from 'node:fs';
import { runExport, runImport } from '../src/cli/import-export.ts';
import { openStore } from '../src/storage/index.ts';
import { resolveConfig } from '../src/core/config.ts';
import { machine, writeResult } from './lib/report.ts';

const TURNS = Number(process.env.BENCH_IMPORT_TURNS ?? 100_000);

function chatLog(conversations: number, perConversation: number): string {
  const lines: string[] = [];
  for (let c = 0; c < conversations; c++) {
    const messages = Array.from({ length: perConversation }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `conversation ${c} message ${i}: the parcel with order number ${c * 7 + i} was due on Tuesday but has not arrived yet` }));
    lines.push(JSON.stringify({ id: `c-${c}`, messages }));
  }
  return `${lines.join('\n')}\n`;
}

async function timed(label: string, file: string, tenant: string): Promise<{ label: string; turns: number; seconds: number; turns_per_s: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'sira-import-'));
  const store = await openStore(resolveConfig({ dataDir: dir }), Date.now);
  const t0 = performance.now();
  const r = await runImport(store, file, { tenant, progress: process.stderr });
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  await rm(dir, { recursive: true, force: true });
  return { label, turns: r.turns, seconds: Number(seconds.toFixed(2)), turns_per_s: Math.round(r.turns / seconds) };
}

export async function run(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'sira-import-bench-'));
  const chat = join(work, 'chat.jsonl');
  const log = chatLog(TURNS / 10, 10);
  await writeFile(chat, log);
  const rows = [await timed('OpenAI chat log, 10 turns per conversation', chat, 'bench')];
  // A sira-export of 100 long sessions, made by importing the chat log shape into a store and exporting it.
  const src = await mkdtemp(join(tmpdir(), 'sira-import-src-'));
  const store = await openStore(resolveConfig({ dataDir: src }), Date.now);
  await runImport(store, chat, { tenant: 'roundtrip' });
  const back = join(work, 'back.jsonl');
  const out = createWriteStream(back);
  await runExport(store, 'roundtrip', out, 'openai');
  await new Promise<void>((r) => out.end(r));
  const sorted = (s: string) => s.split('\n').filter(Boolean).sort().join('\n');
  const identical = sorted(await readFile(back, 'utf8')) === sorted(log);
  const long = join(work, 'long.jsonl');
  await writeFile(long, chatLog(TURNS / 1000, 1000));
  await runImport(store, long, { tenant: 'long' });
  const exported = join(work, 'long-sira.jsonl');
  const out2 = createWriteStream(exported);
  await runExport(store, 'long', out2, 'sira');
  await new Promise<void>((r) => out2.end(r));
  await store.close();
  rows.push(await timed('sira-export, 1,000 turns per session', exported, 'bench'));
  await rm(src, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
  const md = [
    `| input (${TURNS.toLocaleString('en-US')} turns) | seconds | turns/s |`,
    '| --- | --- | --- |',
    ...rows.map((r) => `| ${r.label} | ${r.seconds} | ${r.turns_per_s.toLocaleString('en-US')} |`),
    '',
    `OpenAI chat log export → import → export: ${identical ? 'byte-identical' : 'DIFFERENT'} (lines compared in sorted order: sessions are listed by id).`,
  ].join('\n');
  writeResult('import', { machine: machine(), turns: TURNS, rows, roundTripIdentical: identical }, `${machine()}\n\n${md}`);
}
