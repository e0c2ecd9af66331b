/**
 * @module test/erasure/canary
 * Planting a canary in every kind of data a user leaves in the service, and scanning raw bytes for it: plain
 * (UTF-8, UTF-16 LE/BE) and, given data keys, inside every sealed value found in a file (the forensic view of
 * someone holding the master key and a keyring).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { openValue, SEAL_MAGIC, SEAL_OVERHEAD } from '../../src/storage/crypto/envelope.ts';
import type { DataKeyring } from '../../src/storage/crypto/keyring.ts';
import type { SiraSession } from '../../src/sira.ts';

/** A fresh canary: letters only (so profile rules take it for a place name), never compressed (short turns). */
export function newCanary(): string {
  const letters = [...randomBytes(14)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
  return `Kanary${letters}`;
}

/** The byte forms a canary can take in a file. */
export function canaryForms(canary: string): Buffer[] {
  const le = Buffer.from(canary, 'utf16le');
  const be = Buffer.from(le);
  be.swap16();
  return [Buffer.from(canary, 'utf8'), le, be];
}

/** Count occurrences of any form of `canary` in `bytes`. */
export function countIn(bytes: Uint8Array, canary: string): number {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (const form of canaryForms(canary)) for (let i = b.indexOf(form); i !== -1; i = b.indexOf(form, i + 1)) n++;
  return n;
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Files under `dir` that hold the canary in plain bytes, with counts. */
export function plainHits(dir: string, canary: string): Record<string, number> {
  const hits: Record<string, number> = {};
  for (const f of filesUnder(dir)) {
    const n = countIn(readFileSync(f), canary);
    if (n > 0) hits[f.slice(dir.length + 1)] = n;
  }
  return hits;
}

const DBS = ['sessions', 'turns', 'state', 'tensors', 'docs'].map((n) => Buffer.from(n));

/**
 * Sealed values found anywhere in `file` that open with `ring`'s keys and hold the canary: what an attacker with
 * the master key and this keyring recovers, freed pages included.
 */
export function sealedHits(file: string, ring: DataKeyring, canary: string): number {
  const b = readFileSync(file);
  let hits = 0;
  for (let i = b.indexOf(SEAL_MAGIC); i !== -1 && i + SEAL_OVERHEAD <= b.length; i = b.indexOf(SEAL_MAGIC, i + 1)) {
    const keyId = b.readUInt32LE(i + 1);
    const len = b.readUInt32LE(i + 5);
    if (ring.lookup(keyId) === undefined || i + SEAL_OVERHEAD + len > b.length) continue;
    const blob = b.subarray(i, i + SEAL_OVERHEAD + len);
    for (const aad of DBS) {
      try {
        const plain = openValue(blob, (id) => ring.lookup(id), aad);
        if (plain !== undefined && countIn(plain, canary) > 0) hits++;
        break;
      } catch {
        // not a value of this database (or not a sealed value at all): try the next
      }
    }
  }
  return hits;
}

/** What {@link plantEverywhere} made. */
export interface Planted {
  sessions: string[];
  experience: string;
}

/**
 * Plant `canary` in every kind of a user's data through the library facade: turn text, tool-call arguments, tool
 * results, turn and session metadata, state, tensor bytes, the rolling summary (the service-owned `_summary`
 * tensor), profile evidence (learned from the turn), an experience derived from the session, and the events those
 * writes log. Checks each one reads back, so a plant that silently failed cannot make the scan pass.
 */
export async function plantEverywhere(sira: SiraSession, tenant: string, user: string, canary: string): Promise<Planted> {
  const t = sira.tenant(tenant);
  const sessions: string[] = [];
  for (let i = 0; i < 2; i++) {
    const s = await t.createSession({ user_id: user, metadata: { note: canary } });
    sessions.push(s.id);
    await t.appendTurns(s.id, [
      { role: 'user', content: `I live in ${canary}.`, metadata: { tag: canary } },
      { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'lookup', arguments: JSON.stringify({ q: canary }) }] },
      { role: 'tool', content: [{ type: 'tool_result', tool_call_id: 'c1', content: `found ${canary}` }] },
    ]);
    await t.putState(s.id, { secret: canary });
    await t.patchState(s.id, { again: canary });
    const bytes = Buffer.from(canary, 'utf8');
    await t.putTensor(s.id, 'blob', { dtype: 'u8', shape: [bytes.byteLength], data: bytes });
    const summary = Buffer.from(JSON.stringify({ v: 1, text: `summary of ${canary}` }));
    await sira.store.putTensor(tenant, s.id, '_summary', { dtype: 'u8', shape: [summary.byteLength], data: summary });
  }
  await sira.profiles!.drain();
  const profile = await t.getProfile(user);
  expect(JSON.stringify(profile)).toContain(canary);
  const e = await t.putExperience({ task: `find ${canary}`, agent_id: 'agent-1', steps: [{ action: 'answer', output: canary, ok: true }], outcome: 'success', metadata: { session_id: sessions[0]! } });
  expect((await t.getExperience(e.id)).task).toContain(canary);
  expect(JSON.stringify(await t.getTurns(sessions[0]!))).toContain(canary);
  expect((await t.readEvents(sessions[0]!, 0, 100)).events.length).toBeGreaterThan(0);
  return { sessions, experience: e.id };
}
