import { describe, expect, it } from 'vitest';
import { addBackgroundErrorSink, backgroundError, backgroundErrorCounts, reportBackgroundError } from './background.ts';

describe('core/background', () => {
  it('backgroundError(where) counts the error and hands it to every sink; a throwing sink is ignored', async () => {
    const seen: [string, unknown][] = [];
    const remove = addBackgroundErrorSink((where, err) => seen.push([where, err]));
    const removeBroken = addBackgroundErrorSink(() => {
      throw new Error('broken logger');
    });
    const before = backgroundErrorCounts().get('test-task') ?? 0;
    const boom = new Error('boom');
    await Promise.reject(boom).catch(backgroundError('test-task'));
    expect(seen).toEqual([['test-task', boom]]);
    expect(backgroundErrorCounts().get('test-task')).toBe(before + 1);
    remove();
    removeBroken();
    reportBackgroundError('test-task', new Error('after removal'));
    expect(seen).toHaveLength(1);
    expect(backgroundErrorCounts().get('test-task')).toBe(before + 2);
  });
});
