import { describe, expect, it } from 'vitest';
import { mineLessons, runStats, stepToken, strategyOf } from './patterns.ts';
import type { Experience, Outcome } from './record.ts';

let n = 0;
function run(outcome: Outcome, steps: [string, boolean?][], reward = outcome === 'success' ? 1 : 0): Experience {
  return {
    id: `e${n++}`,
    task: 't',
    agent_id: 'a',
    outcome,
    reward,
    metadata: {},
    created_at: 0,
    steps: steps.map(([s, ok]) => {
      const [tool, action] = s.includes(':') ? s.split(':') : [undefined, s];
      return { ...(tool === undefined ? {} : { tool }), action: action!, ok: ok ?? true };
    }),
  };
}

describe('patterns', () => {
  it('stepToken and strategyOf normalise and collapse repeats', () => {
    expect(stepToken({ tool: 'Web Search', action: ' Query ' })).toBe('web_search:query');
    expect(stepToken({ action: 'answer' })).toBe('answer');
    expect(strategyOf(run('success', [['s:a'], ['s:a'], ['b'], ['s:a']]))).toBe('s:a → b → s:a');
  });

  it('runStats counts outcomes, the success rate and the mean reward', () => {
    expect(runStats([run('success', []), run('failure', []), run('partial', [], 0.5), run('success', [], 0.5)])).toEqual({
      runs: 4, success: 2, partial: 1, failure: 1, success_rate: 0.5, mean_reward: 0.5,
    });
    expect(runStats([])).toMatchObject({ runs: 0, success_rate: 0, mean_reward: 0 });
  });

  it('mineLessons finds the pattern successes share and failures lack, the one failures share, and where failures broke', () => {
    const runs = [
      ...Array.from({ length: 6 }, () => run('success', [['db:lookup'], ['db:verify'], ['db:refund'], ['reply']])),
      ...Array.from({ length: 3 }, () => run('failure', [['db:refund', false], ['reply']])),
      run('failure', [['db:lookup'], ['db:refund', false]]),
    ];
    const m = mineLessons(runs);
    expect(m.do[0]!.pattern).toEqual(['db:lookup', 'db:verify', 'db:refund']);
    expect(m.do[0]).toMatchObject({ success_support: 1, failure_support: 0, success_rate_with: 1, success_rate_without: 0 });
    // db:refund → reply is in every success too (and 3 of 4 failures): not a lesson; "reply" alone neither.
    expect(m.do.map((p) => p.pattern.join(' '))).not.toContain('reply');
    expect(m.failed_steps).toEqual([{ step: 'db:refund', runs: 4 }]);
    expect(m.text.some((t) => t.includes('db:lookup → db:verify → db:refund'))).toBe(true);
    expect(m.avoid).toEqual([]);
  });

  it('mineLessons gives nothing to follow without successes, and no contrast from one lone success', () => {
    expect(mineLessons([run('failure', [['x']]), run('failure', [['x']])]).do).toEqual([]);
    expect(mineLessons([run('success', [['x']])]).do).toEqual([]);
  });
});
