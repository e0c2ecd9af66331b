/**
 * The parts and blobs groups of the Store contract (issue 16): every part type round-trips through the backend,
 * alone, mixed and after a reopen; blobs (built on documents) are stored, read by range and refcounted. Called by {@link runStoreContract} inside its describe, so every backend runs it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { PART_TYPES, type NewTurn } from '../../src/core/types.ts';
import type { Store } from '../../src/storage/store.ts';
import type { ManualClock } from '../../src/core/clock.ts';
import { BlobStore, CHUNK_BYTES } from '../../src/storage/blob-store.ts';
import { anyParts, everyPart, partArbitraries } from '../helpers/parts.ts';

/** What the group needs from the running contract: the current store and tenant, and reopen when supported. */
export interface PartsContext {
  store: () => Store;
  tenant: () => string;
  reopen: () => (() => Promise<Store>) | undefined;
  setStore: (s: Store) => void;
}

const FC_SEED = Number(process.env.SIRA_FC_SEED ?? 20261125);

/** Register the parts tests with the contract's `test` (which applies the backend's skips). */
export function runPartsContract(ctx: PartsContext, test: (name: string, fn: () => Promise<void>) => void): void {
  describe('parts', () => {
    test('a turn with one part of each of the 16 types round-trips, envelope included', async () => {
      const store = ctx.store();
      const tenant = ctx.tenant();
      await store.createSession(tenant, { id: 'parts' });
      const turn: NewTurn = { role: 'assistant', name: 'bot', agent_id: 'a-1', importance: 0.5, pinned: true, metadata: { k: 'v' }, parts: everyPart() };
      const [written] = await store.appendTurns(tenant, 'parts', [turn]);
      expect(new Set(turn.parts.map((p) => p.type)).size).toBe(PART_TYPES.length);
      expect(written?.parts).toEqual(turn.parts);
      for (const range of [{ last: 1 }, { after_seq: 0 }] as const) {
        const [got] = (await store.getTurns(tenant, 'parts', range)) ?? [];
        expect(got).toMatchObject({ seq: 1, role: 'assistant', name: 'bot', agent_id: 'a-1', importance: 0.5, pinned: true, metadata: { k: 'v' } });
        expect(got?.parts).toEqual(turn.parts);
      }
      const reopen = ctx.reopen();
      if (reopen !== undefined) {
        const reopened = await reopen();
        ctx.setStore(reopened);
        expect((await reopened.getTurns(tenant, 'parts'))?.[0]?.parts).toEqual(turn.parts);
      }
    });

    test('each part type round-trips alone (property per type)', async () => {
      const store = ctx.store();
      const tenant = ctx.tenant();
      await store.createSession(tenant, { id: 'each' });
      for (const type of PART_TYPES) {
        await fc.assert(
          fc.asyncProperty(partArbitraries[type], async (part) => {
            const [w] = await store.appendTurns(tenant, 'each', [{ role: 'user', parts: [part] }]);
            const [r] = (await store.getTurns(tenant, 'each', { after_seq: w!.seq - 1, limit: 1 })) ?? [];
            expect(r?.parts).toEqual([part]);
          }),
          { seed: FC_SEED, numRuns: 8 },
        );
      }
    });

    test('batches of mixed parts round-trip in order (property)', async () => {
      const store = ctx.store();
      const tenant = ctx.tenant();
      await store.createSession(tenant, { id: 'mixed' });
      await fc.assert(
        fc.asyncProperty(fc.array(anyParts, { minLength: 1, maxLength: 3 }), async (batch) => {
          const written = await store.appendTurns(tenant, 'mixed', batch.map((parts) => ({ role: 'user', parts })));
          const read = (await store.getTurns(tenant, 'mixed', { after_seq: written[0]!.seq - 1, limit: batch.length })) ?? [];
          expect(read.map((t) => t.parts)).toEqual(batch);
        }),
        { seed: FC_SEED, numRuns: 25 },
      );
    });
  });
}

/** The blob group: blobs are built on the store's documents, so each backend must hold them. */
export function runBlobContract(ctx: PartsContext, clock: () => ManualClock, test: (name: string, fn: () => Promise<void>) => void): void {
  describe('blobs', () => {
    const collect = async (it: AsyncIterable<Uint8Array>) => {
      const out: Buffer[] = [];
      for await (const c of it) out.push(Buffer.from(c));
      return Buffer.concat(out);
    };

    test('a blob of several chunks is stored once, read whole and by range, and goes with its last session', async () => {
      const store = ctx.store();
      const tenant = ctx.tenant();
      const blobs = new BlobStore(store, clock());
      const bytes = new Uint8Array(randomBytes(CHUNK_BYTES * 2 + 77));
      const a = await blobs.put(tenant, 'video/mp4', (async function* () {
        for (let i = 0; i < bytes.length; i += 100_000) yield bytes.subarray(i, i + 100_000);
      })());
      expect(a).toMatchObject({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, created: true });
      expect((await blobs.putBytes(tenant, 'video/mp4', bytes)).created).toBe(false);
      expect(await blobs.usage(tenant)).toBe(bytes.length);
      expect(Buffer.compare(await collect(blobs.read(tenant, a.sha256)), Buffer.from(bytes))).toBe(0);
      const from = CHUNK_BYTES - 5;
      expect(Buffer.compare(await collect(blobs.read(tenant, a.sha256, from, from + CHUNK_BYTES + 10)), Buffer.from(bytes.subarray(from, from + CHUNK_BYTES + 10)))).toBe(0);
      await store.createSession(tenant, { id: 'b1' });
      await store.createSession(tenant, { id: 'b2' });
      await blobs.addRefs(tenant, 'b1', [a.sha256]);
      await blobs.addRefs(tenant, 'b1', [a.sha256]);
      await blobs.addRefs(tenant, 'b2', [a.sha256]);
      expect((await blobs.info(tenant, a.sha256))?.refs).toBe(2);
      expect(await blobs.dropSessions(tenant, ['b1'])).toBe(0);
      expect(await blobs.dropSessions(tenant, ['b2'])).toBe(1);
      expect(await blobs.info(tenant, a.sha256)).toBeUndefined();
      expect(await blobs.usage(tenant)).toBe(0);
      expect((await store.listDocs(tenant, 'blob.chunk')).items).toEqual([]);
    });
  });
}
