import { describe, expect, it } from 'vitest';
import { isSiraError } from './errors.ts';
import { DEFAULT_OPTIONS, optionsFromEnv, resolveConfig } from './config.ts';

describe('config: experiences and cross-session recall', () => {
  it('defaults: no lessons model, cross-session recall off', () => {
    expect(DEFAULT_OPTIONS).toMatchObject({ lessonsModel: undefined, crossSessionRecall: false });
  });

  it('SIRA_LESSONS_MODEL and SIRA_CROSS_SESSION are read from the environment', () => {
    expect(optionsFromEnv({ SIRA_LESSONS_MODEL: 'gpt-4o-mini', SIRA_CROSS_SESSION: 'true' })).toMatchObject({ lessonsModel: 'gpt-4o-mini', crossSessionRecall: true });
    expect(optionsFromEnv({ SIRA_CROSS_SESSION: '0' }).crossSessionRecall).toBe(false);
    expect(optionsFromEnv({}).crossSessionRecall).toBeUndefined();
  });

  it('an empty lessons model or a non-boolean crossSessionRecall is SIRA_ERR_CONFIG_INVALID', () => {
    for (const bad of [{ lessonsModel: '' }, { crossSessionRecall: 'yes' as unknown as boolean }]) {
      try {
        resolveConfig(bad);
        throw new Error('accepted');
      } catch (e) {
        expect(isSiraError(e, 'SIRA_ERR_CONFIG_INVALID'), String(e)).toBe(true);
      }
    }
  });
});
