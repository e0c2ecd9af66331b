/**
 * @module training/lib/intent-data
 * Readers for the shared intent datasets (../shared/data, or $SIRA_SHARED_DATA_DIR): CLINC150 (`data_full.json`: train,
 * val, test and their out-of-scope rows, labelled `oos`) and BANKING77 (`train.csv`, `test.csv`; no official
 * validation split, so a seeded, per-label stratified 10% of train is held out for validation).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IntentExample } from '../../src/models/intent/index.ts';
import { mulberry32, shuffleInPlace } from '../../src/models/intent/train.ts';

/** A dataset's splits. */
export interface IntentSplits {
  train: IntentExample[];
  val: IntentExample[];
  test: IntentExample[];
}

/** The shared data directory: $SIRA_SHARED_DATA_DIR, else ../shared/data beside the repository. */
export function sharedDataDir(): string {
  if (process.env.SIRA_SHARED_DATA_DIR !== undefined) return resolve(process.env.SIRA_SHARED_DATA_DIR);
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  for (const p of [resolve(repo, '../shared/data'), '/work/shared/data']) if (existsSync(p)) return p;
  return resolve(repo, '../shared/data');
}

/** CLINC150 "full": in-scope rows plus the `oos` rows of each split. */
export function loadClinc150(dir = sharedDataDir()): IntentSplits {
  const d = JSON.parse(readFileSync(join(dir, 'clinc150', 'data_full.json'), 'utf8')) as Record<string, [string, string][]>;
  const rows = (...keys: string[]): IntentExample[] => keys.flatMap((k) => (d[k] ?? []).map(([text, label]) => ({ text, label })));
  return { train: rows('train', 'oos_train'), val: rows('val', 'oos_val'), test: rows('test', 'oos_test') };
}

/** Parse RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      out.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    out.push(row);
  }
  return out;
}

function readBankingCsv(path: string): IntentExample[] {
  const [, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  return rows.filter((r) => r.length >= 2 && r[0] !== '').map((r) => ({ text: r[0] as string, label: r[1] as string }));
}

/** BANKING77 with a seeded, stratified `valFraction` of train held out as validation. */
export function loadBanking77(seed: number, valFraction = 0.1, dir = sharedDataDir()): IntentSplits {
  const all = readBankingCsv(join(dir, 'banking77', 'train.csv'));
  const test = readBankingCsv(join(dir, 'banking77', 'test.csv'));
  const byLabel = new Map<string, IntentExample[]>();
  for (const r of all) byLabel.set(r.label, [...(byLabel.get(r.label) ?? []), r]);
  const rand = mulberry32(seed);
  const train: IntentExample[] = [];
  const val: IntentExample[] = [];
  for (const label of [...byLabel.keys()].sort()) {
    const rows = byLabel.get(label) as IntentExample[];
    shuffleInPlace(rows, rand);
    const k = Math.max(1, Math.round(rows.length * valFraction));
    val.push(...rows.slice(0, k));
    train.push(...rows.slice(k));
  }
  return { train, val, test };
}
