/**
 * The in-memory test Store (test/helpers/memory-store.ts) runs the same contract suite as the real backends, so the
 * API tests that use it (`SIRA_TEST_STORE=memory`) test against a store that behaves like LMDB and Redis.
 */
import { MemoryStore } from '../helpers/memory-store.ts';
import { runStoreContract } from './store.contract.ts';

runStoreContract({
  name: 'memory (test helper)',
  create: async (clock, events = {}) => {
    const store = new MemoryStore({ clock, ...events });
    return { store, cleanup: async () => store.close() };
  },
});
