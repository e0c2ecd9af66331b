/** The workspace suite on the embedded LMDB store (a fresh data directory per test); compaction every 4 updates. */
import { openTestSira } from '../helpers/app.ts';
import { runWorkspaceSuite } from './workspaces.suite.ts';

runWorkspaceSuite(async () => {
  const { sira, cleanup } = await openTestSira({ eventPollIntervalMs: 20 }, { workspaces: { compactEvery: 4 } });
  return { sira, cleanup };
});
