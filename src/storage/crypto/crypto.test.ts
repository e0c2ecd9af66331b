import { createSecretKey, randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { openValue, SEAL_OVERHEAD, sealedKeyId, sealValue } from './envelope.ts';
import { FileKeyring, inTenant, tenantScope, userScope } from './keyring.ts';
import { parseMasterKey, resolveMasterKeys } from './master-key.ts';

const FC_SEED = Number(process.env.SIRA_FC_SEED ?? 20261202);
const aad = Buffer.from('turns');

describe('envelope (SEAL1)', () => {
  it('openValue(sealValue(x)) === x for any bytes; the key id reads back (seed printed on failure)', () => {
    const key = createSecretKey(randomBytes(32));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (plain, id) => {
        const sealed = sealValue(id, key, plain, aad);
        expect(sealed.byteLength).toBe(plain.byteLength + SEAL_OVERHEAD);
        expect(sealedKeyId(sealed)).toBe(id);
        expect(Uint8Array.from(openValue(sealed, () => key, aad)!)).toEqual(plain);
      }),
      { seed: FC_SEED, numRuns: 200 },
    );
  });
  it('two seals of the same bytes differ (fresh nonces) and hold no plaintext', () => {
    const key = createSecretKey(randomBytes(32));
    const plain = Buffer.from('the same secret text, twice');
    const a = sealValue(1, key, plain, aad);
    const b = sealValue(1, key, plain, aad);
    expect(a.equals(b)).toBe(false);
    expect(a.indexOf(plain)).toBe(-1);
  });
  it('openValue() is undefined when the key is gone (shredded) and throws SIRA_ERR_CODEC_CORRUPT on tampering, another database or a plain value', () => {
    const key = createSecretKey(randomBytes(32));
    const sealed = sealValue(7, key, Buffer.from('x'.repeat(40)), aad);
    expect(openValue(sealed, () => undefined, aad)).toBeUndefined();
    const flipped = Buffer.from(sealed);
    flipped[30]! ^= 1;
    expect(() => openValue(flipped, () => key, aad)).toThrow(expect.objectContaining({ code: 'SIRA_ERR_CODEC_CORRUPT' }));
    expect(() => openValue(sealed, () => key, Buffer.from('state'))).toThrow(expect.objectContaining({ code: 'SIRA_ERR_CODEC_CORRUPT' }));
    expect(() => openValue(Buffer.from('plain record bytes, not sealed at all'), () => key, aad)).toThrow(expect.objectContaining({ code: 'SIRA_ERR_CODEC_CORRUPT' }));
  });
});

describe('master keys', () => {
  it('parseMasterKey() takes 64 hex digits, base64 of 32 bytes, or a passphrase ≥ 32 chars; ids are stable', () => {
    const raw = randomBytes(32);
    expect(parseMasterKey(raw.toString('hex')).key).toEqual(raw);
    expect(parseMasterKey(raw.toString('base64')).key).toEqual(raw);
    expect(parseMasterKey(`${raw.toString('hex')}\n`).id).toBe(parseMasterKey(raw.toString('hex')).id);
    const p = parseMasterKey('a passphrase that is long enough!!');
    expect(p.key.byteLength).toBe(32);
    expect(p.id).toMatch(/^[0-9a-f]{16}$/);
    expect(() => parseMasterKey('short')).toThrow(expect.objectContaining({ code: 'SIRA_ERR_MASTER_KEY_INVALID' }));
  });
  it('resolveMasterKeys() reads a file or a command, refuses two sources, and lists previous keys after the current one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sira-mk-'));
    try {
      const file = join(dir, 'mk');
      appendFileSync(file, `${'ab'.repeat(32)}\n`);
      expect(resolveMasterKeys({ file })[0]!.key).toEqual(Buffer.from('ab'.repeat(32), 'hex'));
      expect(resolveMasterKeys({ command: `printf %s ${'cd'.repeat(32)}` })[0]!.key).toEqual(Buffer.from('cd'.repeat(32), 'hex'));
      expect(resolveMasterKeys({})).toEqual([]);
      expect(() => resolveMasterKeys({ value: 'x'.repeat(32), file })).toThrow(expect.objectContaining({ code: 'SIRA_ERR_MASTER_KEY_INVALID' }));
      expect(() => resolveMasterKeys({ command: 'exit 3' })).toThrow(expect.objectContaining({ code: 'SIRA_ERR_MASTER_KEY_INVALID' }));
      expect(() => resolveMasterKeys({ file: join(dir, 'missing') })).toThrow(expect.objectContaining({ code: 'SIRA_ERR_MASTER_KEY_INVALID' }));
      const both = resolveMasterKeys({ value: 'n'.repeat(32), previous: ['o'.repeat(32)] });
      expect(both.map((k) => k.id)).toEqual([parseMasterKey('n'.repeat(32)).id, parseMasterKey('o'.repeat(32)).id]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('FileKeyring', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'sira-ring-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const master = parseMasterKey('keyring unit test master key 0123456789');

  it('keyFor() is stable per scope, durable across opens, and the file holds no raw key', () => {
    const d = dir();
    const ring = new FileKeyring(d, [master]);
    const a = ring.keyFor(userScope('t', 'alice'));
    expect(ring.keyFor(userScope('t', 'alice')).id).toBe(a.id);
    expect(ring.keyFor(tenantScope('t')).id).not.toBe(a.id);
    const again = new FileKeyring(d, [master]);
    expect(again.lookup(a.id)!.export()).toEqual(a.key.export());
    expect(readFileSync(join(d, 'keyring.jsonl')).indexOf(a.key.export())).toBe(-1);
    expect(() => new FileKeyring(d, [parseMasterKey('another master key, not the right one')])).toThrow(expect.objectContaining({ code: 'SIRA_ERR_MASTER_KEY_INVALID' }));
  });
  it('destroy() removes the keys from the file for good and never reuses their ids', () => {
    const d = dir();
    const ring = new FileKeyring(d, [master]);
    const alice = ring.keyFor(userScope('t', 'alice'));
    const bob = ring.keyFor(userScope('t', 'bob'));
    ring.keyFor(userScope('u', 'carol'));
    expect(ring.destroy((s) => inTenant(s, 't'))).toBe(2);
    expect(ring.lookup(alice.id)).toBeUndefined();
    expect(new FileKeyring(d, [master]).lookup(bob.id)).toBeUndefined();
    expect(readFileSync(join(d, 'keyring.jsonl'), 'utf8')).not.toContain('alice');
    expect(ring.keyFor(userScope('t', 'alice')).id).toBeGreaterThan(bob.id + 1);
    expect(ring.scopes().sort()).toEqual([userScope('t', 'alice'), userScope('u', 'carol')].sort());
  });
  it('a second process sees keys the first one created (reload on an unknown id), and a torn last line is ignored', () => {
    const d = dir();
    const one = new FileKeyring(d, [master]);
    const two = new FileKeyring(d, [master]);
    const k = one.keyFor(userScope('t', 'x'));
    expect(two.lookup(k.id)!.export()).toEqual(k.key.export());
    appendFileSync(join(d, 'keyring.jsonl'), '{"id":99,"scope":"u:t');
    const three = new FileKeyring(d, [master]);
    expect(three.lookup(k.id)).toBeDefined();
    const next = three.keyFor(userScope('t', 'y')); // appends after cutting the torn line off
    expect(new FileKeyring(d, [master]).lookup(next.id)!.export()).toEqual(next.key.export());
  });
});
