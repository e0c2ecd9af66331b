import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/main.ts';
import { SiraSession } from '../../src/sira.ts';
import { tempDir as makeTempDir } from '../helpers/app.ts';

const dirs: string[] = [];
const tempDir = async () => {
  const d = await makeTempDir();
  dirs.push(d);
  return d;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function captureIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {}, out: () => out, err: () => err };
}

const LINES = [
  ...['open the garage door', 'close the garage', 'is the garage open', 'garage door status'].map((text) => ({ text, label: 'garage' })),
  ...['turn on the lights', 'dim the lights in the kitchen', 'lights off', 'switch the hall lights on'].map((text) => ({ text, label: 'lights' })),
];

describe('sira-session intents', () => {
  it('intents train --file trains a tenant model into the store; list and classify read it back', async () => {
    const dir = await tempDir();
    const file = join(dir, 'examples.jsonl');
    await writeFile(file, `${LINES.map((l) => JSON.stringify(l)).join('\n')}\n\n`);
    const io = captureIo();
    expect(await main(['intents', 'train', '--file', file, '--tenant', 'acme', '--name', 'home', '--data-dir', join(dir, 'db')], io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ name: 'home', version: 1, labels: ['garage', 'lights'], examples: 8 });
    expect(io.err()).toMatch(/trained intent model home v1 for tenant acme/);

    const c = captureIo();
    expect(await main(['intents', 'classify', '--tenant', 'acme', '--model', 'home', '--data-dir', join(dir, 'db'), 'please', 'open', 'the', 'garage'], c)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({ label: 'garage', model: 'home', builtin: false });

    // Stored through the Store's documents, scoped to the tenant.
    const sira = await SiraSession.open({ dataDir: join(dir, 'db'), sweepIntervalMs: 0, logLevel: 'silent' });
    try {
      expect((await sira.tenant('acme').listIntentModels()).map((m) => m.name)).toEqual(['home']);
      expect(await sira.tenant('other').listIntentModels()).toEqual([]);
    } finally {
      await sira.close();
    }
  });

  it('intents train refuses a bad file (usage, exit 2) and too few examples per label (exit 1)', async () => {
    const dir = await tempDir();
    const bad = join(dir, 'bad.jsonl');
    await writeFile(bad, '{"text": "x"}\n');
    const io = captureIo();
    expect(await main(['intents', 'train', '--file', bad, '--tenant', 'acme', '--data-dir', join(dir, 'db')], io)).toBe(2);
    expect(io.err()).toMatch(/bad.jsonl:1: needs string "text" and "label"/);
    const few = join(dir, 'few.jsonl');
    await writeFile(few, `${LINES.slice(0, 5).map((l) => JSON.stringify(l)).join('\n')}\n`);
    const io2 = captureIo();
    expect(await main(['intents', 'train', '--file', few, '--tenant', 'acme', '--data-dir', join(dir, 'db')], io2)).toBe(1);
    expect(io2.err()).toMatch(/at least 3 examples/);
    const io3 = captureIo();
    expect(await main(['intents', 'train', '--tenant', 'acme'], io3)).toBe(2);
  });
});
