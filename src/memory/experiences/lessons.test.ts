import { describe, expect, it } from 'vitest';
import { dot } from '../../models/embedder.ts';
import { createHashingEmbedder } from './hashing-embedder.ts';
import { clusterKey, lessonPrompt, parseLessons } from './llm-lessons.ts';
import { mineLessons } from './patterns.ts';
import { checkExperience, decodeExperience, encodeExperience } from './record.ts';
import { clusterThreshold } from './experiences.ts';

describe('experience records', () => {
  it('encodeExperience/decodeExperience round-trip the run and its f32 vector', () => {
    const e = checkExperience({ task: 'a task', agent_id: 'a1', steps: [{ tool: 't', action: 'x', input: { q: [1, 'é'] }, ok: false }], outcome: 'failure', metadata: { m: 1 } }, 5, () => 'id1');
    const v = Float32Array.from([0.5, -0.25, 1e-7, 3]);
    const back = decodeExperience(encodeExperience(e, 'model-x', v));
    expect(back.experience).toEqual(e);
    expect(back.model).toBe('model-x');
    expect([...back.vector]).toEqual([...v]);
  });

  it('decodeExperience refuses foreign or truncated bytes with SIRA_ERR_CODEC_CORRUPT', () => {
    const bytes = encodeExperience(checkExperience({ task: 't', agent_id: 'a', steps: [], outcome: 'success' }, 0, () => 'i'), 'm', new Float32Array(4));
    expect(() => decodeExperience(bytes.subarray(0, bytes.length - 1))).toThrow(/length/);
    expect(() => decodeExperience(new Uint8Array(10))).toThrow(/not an experience/);
  });
});

describe('hashing embedder', () => {
  it('gives deterministic unit vectors; texts sharing stemmed words are closer than unrelated ones', async () => {
    const e = createHashingEmbedder(512);
    const [a, b, c, a2] = await e.embed(['refund the duplicate charges', 'refunding a duplicate charge', 'book a flight to Lisbon', 'refund the duplicate charges']);
    expect(dot(a!, a!)).toBeCloseTo(1, 5);
    expect([...a2!]).toEqual([...a!]);
    expect(dot(a!, b!)).toBeGreaterThan(0.5);
    expect(Math.abs(dot(a!, c!))).toBeLessThan(0.2);
  });
});

describe('cluster threshold', () => {
  it('splits where the similarities fall apart, and keeps one tight group whole', () => {
    expect(clusterThreshold([0.9, 0.88, 0.85, 0.3, 0.28, 0.25, 0.2], 0.1, 0.2)).toBe(0.85);
    expect(clusterThreshold([0.71, 0.71, 0.56, 0.56], 0.2, 0.2)).toBe(0.56);
    expect(clusterThreshold([0.9, 0.1, 0.05], 0.2, 0.2)).toBe(0.9);
    expect(clusterThreshold([0.1, 0.05], 0.2, 0.2)).toBe(0.2);
  });
});

describe('written lessons helpers', () => {
  it('clusterKey does not depend on order; parseLessons keeps list items', () => {
    expect(clusterKey(['b', 'a'])).toBe(clusterKey(['a', 'b']));
    expect(clusterKey(['a'])).not.toBe(clusterKey(['a', 'b']));
    expect(parseLessons('Here you go:\n- Verify first.\n2) Then refund.\n* Reply.')).toEqual(['Verify first.', 'Then refund.', 'Reply.']);
    expect(parseLessons('Just verify first.')).toEqual(['Just verify first.']);
  });

  it('lessonPrompt shows successful runs first with their steps and the mined statistics', () => {
    const runs = [
      checkExperience({ task: 'refund it', agent_id: 'a', steps: [{ tool: 'db', action: 'refund', ok: false }], outcome: 'failure' }, 0, () => 'f'),
      checkExperience({ task: 'refund it', agent_id: 'a', steps: [{ tool: 'db', action: 'lookup', ok: true }], outcome: 'success' }, 0, () => 's'),
    ];
    const [sys, user] = lessonPrompt(runs, mineLessons(runs));
    expect(sys!.role).toBe('system');
    expect(user!.content.indexOf('Run 1 (success')).toBeGreaterThan(-1);
    expect(user!.content).toContain('db:refund [failed]');
  });
});
