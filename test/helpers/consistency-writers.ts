/**
 * @module test/helpers/consistency-writers
 * The writer kinds of the consistency harness (./consistency.ts): turn appends and CAS counters (sessions or
 * workspaces), and CRDT edits (workspaces: each write posts a Yjs update through an instance, its event key names
 * the update, and verify checks that the merged document holds every acknowledged edit).
 */
import * as Y from 'yjs';
import type { WriterKind } from './consistency.ts';

/** Turn appends: each carries a unique text; the store must hold it at the acknowledged seq. */
export function turnWriter(weight = 1): WriterKind {
  return {
    name: 'turns',
    weight,
    async write(ctx, session, instance, agent, n) {
      const text = `a${agent}-${n}`;
      const r = await ctx.call(instance, 'POST', `${ctx.base(session)}/turns`, { turns: [{ role: 'user', content: text }] });
      if (r.status !== 201) return undefined;
      const seq = (r.body as { turns: { seq: number }[] }).turns[0]!.seq;
      return { kind: 'turns', session, eventKey: `turn:${seq}`, value: { seq, text } };
    },
    eventKey: (type, data) => (type === 'turns.appended' ? `turn:${String(data.first_seq)}` : undefined),
    async verify(ctx, session, acks) {
      const bySeq = new Map<number, string>();
      for (let after = 0; ; ) {
        const r = await ctx.call(0, 'GET', `${ctx.base(session)}/turns?after_seq=${after}&limit=1000`);
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
      const r = await ctx.call(0, 'PUT', `${ctx.base(session)}/state`, { count: 0 });
      if (r.status !== 200) throw new Error(`state setup of ${session}: HTTP ${r.status}`);
    },
    async write(ctx, session, instance) {
      for (let attempt = 0; attempt < 1000; attempt++) {
        const cur = await ctx.call(instance, 'GET', `${ctx.base(session)}/state`);
        if (cur.status !== 200) return undefined;
        const { version, state } = cur.body as { version: number; state: { count: number } };
        const next = state.count + 1;
        const put = await ctx.call(instance, 'PUT', `${ctx.base(session)}/state`, { count: next }, { 'if-match': `"${version}"` });
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
      const r = await ctx.call(0, 'GET', `${ctx.base(session)}/state`);
      const final = (r.body as { state: { count: number } }).state.count;
      const versions = new Set(acks.map((a) => (a.value as { version: number }).version));
      const counts = new Set(acks.map((a) => (a.value as { count: number }).count));
      // Every acknowledged increment must be in the final count, each with its own version and value.
      return Math.max(0, acks.length - final) + (acks.length - versions.size) + (acks.length - counts.size);
    },
  };
  return kind;
}

/**
 * CRDT edits of a workspace's Yjs doc: each write is an update from a fresh client setting its own map key, posted
 * as bytes through a random instance; the ack names the update id the `crdt.updated` event carries. verify reads
 * the whole doc back (snapshot + pending updates, whatever compaction did meanwhile) and counts acknowledged keys
 * that are missing or hold another value.
 */
export function crdtWriter(weight = 1, doc = 'board'): WriterKind {
  return {
    name: 'crdt',
    weight,
    async write(ctx, ws, instance, agent, n) {
      const client = new Y.Doc();
      const key = `a${agent}-${n}`;
      client.getMap('m').set(key, n);
      const r = await ctx.call(instance, 'POST', `${ctx.base(ws)}/crdt/${doc}`, Y.encodeStateAsUpdate(client));
      client.destroy();
      if (r.status !== 200) return undefined;
      const id = (r.body as { update_id: string }).update_id;
      return { kind: 'crdt', session: ws, eventKey: `crdt:${id}`, value: { key, n } };
    },
    eventKey: (type, data) => (type === 'crdt.updated' ? `crdt:${String(data.update_id)}` : undefined),
    async verify(ctx, ws, acks) {
      const r = await ctx.call(0, 'GET', `${ctx.base(ws)}/crdt/${doc}`);
      if (r.status !== 200 || !(r.body instanceof Uint8Array)) return acks.length;
      const merged = new Y.Doc();
      Y.applyUpdate(merged, r.body);
      const m = merged.getMap('m');
      let lost = 0;
      for (const a of acks) {
        const { key, n } = a.value as { key: string; n: number };
        if (m.get(key) !== n) lost++;
      }
      merged.destroy();
      return lost;
    },
  };
}
