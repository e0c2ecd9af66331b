/**
 * @module test/helpers/trajectories
 * Small agent trajectories for the experience tests: a few task families, each with paraphrased task texts, a
 * winning strategy (its successful runs follow it) and a losing one (its failed runs break at a known step).
 */

export interface Family {
  name: string;
  tasks: string[];
  win: { tool?: string; action: string }[];
  lose: { tool?: string; action: string; ok?: boolean }[];
}

export const FAMILIES: Family[] = [
  {
    name: 'refund',
    tasks: ['refund the duplicate charge on the customer invoice', 'customer was billed twice, issue a refund for the invoice', 'process a refund for a double charge on an invoice'],
    win: [{ tool: 'billing', action: 'lookup_invoice' }, { tool: 'billing', action: 'verify_duplicate' }, { tool: 'billing', action: 'refund' }, { action: 'reply' }],
    lose: [{ tool: 'billing', action: 'refund', ok: false }, { action: 'reply' }],
  },
  {
    name: 'flight',
    tasks: ['book a flight from berlin to lisbon next friday', 'find and book a plane ticket berlin to lisbon on friday', 'reserve a seat on a friday flight from berlin to lisbon'],
    win: [{ tool: 'flights', action: 'search' }, { tool: 'flights', action: 'compare_prices' }, { tool: 'flights', action: 'book' }],
    lose: [{ tool: 'flights', action: 'book', ok: false }],
  },
  {
    name: 'bug',
    tasks: ['fix the failing unit test in the parser module', 'the parser module unit test fails, repair it', 'make the broken parser unit test pass again'],
    win: [{ tool: 'shell', action: 'run_tests' }, { tool: 'editor', action: 'read_file' }, { tool: 'editor', action: 'edit_file' }, { tool: 'shell', action: 'run_tests' }],
    lose: [{ tool: 'editor', action: 'edit_file' }, { tool: 'shell', action: 'run_tests', ok: false }],
  },
];

/** `runs` trajectories of a family: run i succeeds unless i % 3 === 2 (then it follows the losing strategy). */
export function trajectories(f: Family, runs: number, agent = 'agent-1'): Record<string, unknown>[] {
  return Array.from({ length: runs }, (_, i) => {
    const ok = i % 3 !== 2;
    const steps = (ok ? f.win : f.lose).map((s) => ({ ...s, ok: (s as { ok?: boolean }).ok ?? true, input: { i } }));
    return { task: f.tasks[Math.floor(i / 3) % f.tasks.length], agent_id: agent, steps, outcome: ok ? 'success' : 'failure', reward: ok ? 1 : 0, metadata: { family: f.name, i } };
  });
}
