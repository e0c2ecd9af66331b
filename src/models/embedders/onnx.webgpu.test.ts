import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTinyBert } from '../../../training/make-tiny-bert.ts';

// The WebGPU execution provider (Dawn over Vulkan) on a CPU-only machine through Mesa's lavapipe (DESIGN §8).
// `scripts/lavapipe.sh` fetches it (CI runs it before the tests); without it this test is skipped and says why.
const lvp = resolve(process.env.SIRA_LAVAPIPE_DIR ?? '.cache/lavapipe');
const icd = join(lvp, 'lvp_icd.json');
const lib = join(lvp, 'root/usr/lib/x86_64-linux-gnu');
const have = existsSync(icd) && existsSync(join(lib, 'libvulkan.so.1'));
const root = mkdtempSync(join(tmpdir(), 'sira-webgpu-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (env: NodeJS.ProcessEnv, dir: string, texts: string[]) =>
  spawnSync(process.execPath, ['test/fixtures/webgpu-embed.ts', dir, JSON.stringify(texts)], { env, encoding: 'utf8', timeout: 120_000 });

describe('models/embedders/onnx on WebGPU (lavapipe)', () => {
  const texts = ['the hotel window seat', 'meeting at noon on Tuesday', 'prefer hotel', 'x'];
  // Both tests need the CPU Vulkan driver that scripts/lavapipe.sh unpacks (`.ci/run` does); without it there is no
  // WebGPU device to compare against, so they are skipped rather than failed (the machine has no GPU).
  (have ? it : it.skip)(`webgpu gives the CPU provider's vectors${have ? '' : ' (skipped: run scripts/lavapipe.sh first)'}`, () => {
    const dir = makeTinyBert(join(root, 'tiny-bert'), 16);
    const r = run({ ...process.env, LD_LIBRARY_PATH: lib, VK_DRIVER_FILES: icd }, dir, texts);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { cpu: number[][]; webgpu: number[][] };
    expect(out.webgpu).toHaveLength(texts.length);
    let maxDiff = 0;
    for (let i = 0; i < texts.length; i++) {
      expect(out.webgpu[i]).toHaveLength(16);
      for (let j = 0; j < 16; j++) maxDiff = Math.max(maxDiff, Math.abs(out.cpu[i]![j]! - out.webgpu[i]![j]!));
    }
    expect(maxDiff).toBeLessThan(1e-4);
    // Different texts still give different vectors on the GPU path (not a constant output).
    expect(out.webgpu[0]).not.toEqual(out.webgpu[1]);
  });
  (have ? it : it.skip)(`without a Vulkan driver the webgpu provider fails loudly instead of silently using the CPU${have ? '' : ' (skipped: run scripts/lavapipe.sh first)'}`, () => {
    const dir = makeTinyBert(join(root, 'tiny-bert-2'), 16);
    const env = { ...process.env, VK_DRIVER_FILES: join(root, 'no-such-icd.json'), LD_LIBRARY_PATH: lib };
    const r = run(env, dir, texts);
    expect(r.status).not.toBe(0);
  });
});
