import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../storage/index.ts';
import { resolveConfig } from '../../core/config.ts';
import type { Store } from '../../storage/store.ts';
import { BANDIT_DOC, ContextPolicy, POLICY_COLLECTION, rewardOf } from './policy.ts';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sira-policy-'));
  store = await openStore(resolveConfig({ dataDir: dir }), Date.now);
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('ContextPolicy', () => {
  it('two instances sharing a store both count their feedback (CAS retry on version conflicts)', async () => {
    const a = new ContextPolicy(store);
    const b = new ContextPolicy(store);
    const n = 25;
    for (let i = 0; i < n; i++) {
      a.served('t1', `a${i}`, 's', 'lexical', 'long:question', true);
      b.served('t1', `b${i}`, 's', 'lexical', 'long:question', true);
    }
    await Promise.all(Array.from({ length: n }, (_, i) => [a.feedback('t1', 's', { context_id: `a${i}`, thumbs: 'up' }), b.feedback('t1', 's', { context_id: `b${i}`, thumbs: 'down' })]).flat());
    const doc = await store.getDoc('t1', POLICY_COLLECTION, BANDIT_DOC);
    const stats = JSON.parse(new TextDecoder().decode(doc!.value)).stats;
    expect(stats['long:question'].lexical).toEqual([n, n, 2 * n]);
  });

  it('rewardOf maps thumbs, success and score, and rejects anything but exactly one', () => {
    expect(rewardOf({ context_id: 'x', thumbs: 'up' })).toBe(1);
    expect(rewardOf({ context_id: 'x', thumbs: 'down' })).toBe(0);
    expect(rewardOf({ context_id: 'x', success: true })).toBe(1);
    expect(rewardOf({ context_id: 'x', score: 0.3 })).toBe(0.3);
    expect(() => rewardOf({ context_id: 'x' })).toThrow(/exactly one/);
    expect(() => rewardOf({ context_id: 'x', score: Number.NaN })).toThrow(/score/);
    expect(() => rewardOf({ context_id: 'x', score: -0.1 })).toThrow(/score/);
  });
});
