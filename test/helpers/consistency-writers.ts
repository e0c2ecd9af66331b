/**
 * @module test/helpers/consistency-writers
 * The writer kinds of the consistency harness (./consistency.ts): turn appends and CAS counters. A CRDT workload
 * (workspaces: Yjs updates) is a third {@link WriterKind}: its write posts an update through an instance, its
 * event key names the update, and its verify checks that the merged document holds every acknowledged update.
 */
import type { WriterKind } from './consistency.ts';

/** Turn appends: each carries a unique text; the store must hold it at the acknowledged seq. */
export function turnWriter(weight = 1): WriterKind {
  return {
    name: 'turns',
    weight,
    async write(ctx, session, instance, agent, n) {
      const text = `a${agent}-${n}`;
      const r = await ctx.call(instance, 'POST', `/v1/sessions/${session}/turns`, { turns: [{ role: 'user', content: text }] });
      if (r.status !== 201) return undefined;
      const seq = (r.body as { turns: { seq: number }[] }).turns[0]!.seq;
      return { kind: 'turns', session, eventKey: `turn:${seq}`, value: { seq, text } };
    },
    eventKey: (type, data) => (type === 'turns.appended' ? `turn:${String(data.first_seq)}` : undefined),
    async verify(ctx, session, acks) {
      const bySeq = new Map<number, string>();
      for (let after = 0; ; ) {
        const r = await ctx.call(0, 'GET', `/v1/sessions/${session}/turns?after_seq=${after}&limit=1000`);
        const turns = (r.body as { turns: { seq: number; content: unknown }[] }).turns;
        for (const t of turns) bySeq.set(t.seq, typeof t.content === 'string' ? t.content : JSON.stringify(t.content));
        if (turns.length < 1000) break;
        after = turns.at(-1)!.seq;
      }
      let lost = 0;
      for (const a of acks) {
        const { seq, text } = a.value as { seq: number; text: string };
        if (bySeq.get(seq) !== text) lost++;
      }
      return lost;
    },
  };
}

/**
 * CAS counters: read the state and its ETag, write `count + 1` with If-Match, retry on 409. A lost update would
 * leave the final count below the number of acknowledged increments, or two acknowledgements with one version.
 */
export function casCounterWriter(weight = 1): WriterKind {
  let retries = 0;
  const kind: WriterKind & { retries: () => number } = {
    name: 'cas',
    weight,
    retries: () => retries,
    async setup(ctx, session) {
      const r = await ctx.call(0, 'PUT', `/v1/sessions/${session}/state`, { count: 0 });
      if (r.status !== 200) throw new Error(`state setup of ${session}: HTTP ${r.status}`);
    },
    async write(ctx, session, instance) {
      for (let attempt = 0; attempt < 1000; attempt++) {
        const cur = await ctx.call(instance, 'GET', `/v1/sessions/${session}/state`);
        if (cur.status !== 200) return undefined;
        const { version, state } = cur.body as { version: number; state: { count: number } };
        const next = state.count + 1;
        const put = await ctx.call(instance, 'PUT', `/v1/sessions/${session}/state`, { count: next }, { 'if-match': `"${version}"` });
        if (put.status === 409) {
          retries++;
          continue;
        }
        if (put.status !== 200) return undefined;
        const v = (put.body as { version: number }).version;
        return { kind: 'cas', session, eventKey: `state:${v}`, value: { version: v, count: next } };
      }
      return undefined;
    },
    eventKey: (type, data) => (type === 'state.changed' ? `state:${String(data.version)}` : undefined),
    async verify(ctx, session, acks) {
      const r = await ctx.call(0, 'GET', `/v1/sessions/${session}/state`);
      const final = (r.body as { state: { count: number } }).state.count;
      const versions = new Set(acks.map((a) => (a.value as { version: number }).version));
      const counts = new Set(acks.map((a) => (a.value as { count: number }).count));
      // Every acknowledged increment must be in the final count, each with its own version and value.
      return Math.max(0, acks.length - final) + (acks.length - versions.size) + (acks.length - counts.size);
    },
  };
  return kind;
}
