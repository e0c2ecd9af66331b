/**
 * Train the zstd dictionary for turn bodies (src/storage/codec/zstd-dict.ts) on the `train` split of the
 * benchmark corpus (CLINC150 train queries, Moby-Dick chapters 1-67; never on user data, never on the `test`
 * split the figures are measured on). Needs the `zstd` command (Debian package zstd) — only here, offline; the
 * service loads the committed file.
 *
 * usage: node training/zstd-dict.ts [--out data/zstd/chat-v1.dict] [--samples 20000] [--size 65536] [--seed 1]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chatTurns } from './lib/corpus.ts';
import { encodeTurnBody } from '../src/storage/codec/turn.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'data/zstd/chat-v1.dict' },
    samples: { type: 'string', default: '20000' },
    size: { type: 'string', default: '65536' },
    seed: { type: 'string', default: '1' },
  },
});
const n = Number(values.samples);
const dir = mkdtempSync(join(tmpdir(), 'sira-dict-'));
try {
  const g = chatTurns(Number(values.seed), 'train');
  const t0 = Date.UTC(2026, 0, 1);
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const body = encodeTurnBody(g.next(), t0 + i * 1000);
    bytes += body.byteLength;
    writeFileSync(join(dir, String(i)), body);
  }
  execFileSync('zstd', ['-q', '-f', '--train', '-r', dir, '-o', values.out!, `--maxdict=${values.size}`, '-3'], { stdio: 'inherit' });
  const dict = readFileSync(values.out!);
  console.log(`trained ${values.out} (${dict.byteLength} bytes) on ${n} turn bodies (${bytes} bytes) of the train split`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
