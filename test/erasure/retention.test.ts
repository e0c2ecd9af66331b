/**
 * Per-tenant retention policies (src/memory/retention.ts), driven by a manual clock on the real LMDB store: a
 * session past its tenant's maximum age (since its last write) is deleted with everything under it, a younger one
 * or one another tenant keeps is left; `*` covers tenants without a policy; experiences age out the same way.
 */
import { describe, expect, it } from 'vitest';
import { manualClock } from '../../src/core/clock.ts';
import { openTestSira } from '../helpers/app.ts';

const DAY = 86_400;

describe('retention policies', () => {
  it('sweepRetention() deletes sessions and experiences older than their tenant policy, and nothing else', async () => {
    const clock = manualClock(Date.UTC(2026, 11, 1));
    const { sira, cleanup } = await openTestSira({ retention: { short: { sessions: DAY, experiences: 2 * DAY }, '*': { sessions: 30 * DAY } } }, { clock });
    try {
      await sira.createApiKey('short', 'k');
      await sira.createApiKey('other', 'k');
      const short = sira.tenant('short');
      const other = sira.tenant('other');
      await short.createSession({ id: 'old', user_id: 'u' });
      await short.appendTurns('old', [{ role: 'user', content: 'kept for a day' }]);
      await short.createSession({ id: 'touched' });
      await other.createSession({ id: 'old' });
      const exp = await short.putExperience({ task: 'an old run', agent_id: 'a', steps: [{ action: 'answer', ok: true }], outcome: 'success' });
      clock.advance(20 * 3600 * 1000);
      await short.appendTurns('touched', [{ role: 'user', content: 'a write moves its age' }]);
      clock.advance(6 * 3600 * 1000); // 26 h after creation; 'touched' was written 6 h ago
      expect(await sira.sweepRetention()).toEqual({ sessions: 1, experiences: 0 });
      await expect(short.getSession('old')).rejects.toMatchObject({ code: 'SIRA_ERR_SESSION_NOT_FOUND' });
      expect((await short.getSession('touched')).id).toBe('touched');
      expect((await other.getSession('old')).id).toBe('old');
      clock.advance(2 * DAY * 1000);
      expect(await sira.sweepRetention()).toEqual({ sessions: 1, experiences: 1 });
      await expect(short.getExperience(exp.id)).rejects.toMatchObject({ code: 'SIRA_ERR_EXPERIENCE_NOT_FOUND' });
      clock.advance(30 * DAY * 1000);
      expect(await sira.sweepRetention()).toEqual({ sessions: 1, experiences: 0 }); // '*' reaches tenant other
      expect(await sira.sweepRetention()).toEqual({ sessions: 0, experiences: 0 });
    } finally {
      await cleanup();
    }
  });

  it('a malformed policy is refused at start with SIRA_ERR_CONFIG_INVALID', async () => {
    await expect(openTestSira({ retention: { t: { sessions: 0 } } })).rejects.toMatchObject({ code: 'SIRA_ERR_CONFIG_INVALID' });
    await expect(openTestSira({ retention: { t: { turns: 5 } as never } })).rejects.toMatchObject({ code: 'SIRA_ERR_CONFIG_INVALID' });
  });
});
