import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { readFileSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OrgVaultError } from '../../src/errors.js';
import { localFileKek } from '../../src/store/keys/kek.js';
import { kekSecretBox } from '../../src/store/keys/secret-box.js';
import { storeFixture, type StoreFixture } from './fixture.js';

describe('store keys', () => {
  let fx: StoreFixture;
  beforeAll(async () => {
    fx = await storeFixture();
  });
  afterAll(async () => {
    await fx.drop();
  });

  it('creates the key file once, mode 0600, and reuses it', () => {
    const again = localFileKek(fx.keyFile);
    expect(statSync(fx.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(fx.keyFile)).mode & 0o777).toBe(0o700);
    expect(again.id).toBe(fx.store.keyring.kek.id);
    expect(readFileSync(fx.keyFile, 'utf8')).toMatch(/^orgvault-kek-v1:/);
  });

  it('stores one wrapped data key per org and gets the same keys back in another process', async () => {
    const org = await fx.newOrg();
    const a = await fx.store.keyring.forOrg(org);
    const b = await fx.reopen(fx.keyFile).keyring.forOrg(org);
    expect(b.packKey.equals(a.packKey)).toBe(true);
    const { rows } = await fx.db.pool.query('SELECT kek_id, wrapped_key FROM org_keys WHERE org_id = $1', [org]);
    expect(rows).toHaveLength(1);
    expect(rows[0].kek_id).toBe(fx.store.keyring.kek.id);
    // The wrapped key is not the key, nor any key derived from it.
    expect((rows[0].wrapped_key as Buffer).includes(a.packKey)).toBe(false);
    const other = await fx.store.keyring.forOrg(await fx.newOrg());
    expect(other.packKey.equals(a.packKey)).toBe(false);
  });

  it('refuses a wrong key file with KEY_ERROR', async () => {
    const org = await fx.newOrg();
    await fx.store.keyring.forOrg(org);
    const wrong = fx.reopen(path.join(mkdtempSync(path.join(tmpdir(), 'wrong-')), 'kek.key'));
    await expect(wrong.keyring.forOrg(org)).rejects.toMatchObject({ code: 'KEY_ERROR' });
    await expect(wrong.putRecords({ orgId: org, object: 'Account', source: 'test', records: [] })).rejects.toMatchObject({
      code: 'KEY_ERROR',
    });
  });

  it('creates no org key under a second KEK: a key file path pointing at nothing cannot split the orgs between two keys', async () => {
    await fx.store.keyring.forOrg(await fx.newOrg());
    const moved = fx.reopen(path.join(mkdtempSync(path.join(tmpdir(), 'moved-')), 'kek.key'));
    const fresh = await fx.newOrg();
    await expect(moved.keyring.forOrg(fresh)).rejects.toMatchObject({
      code: 'KEY_ERROR',
      message: expect.stringContaining('not by the configured'),
    });
    const { rows } = await fx.db.pool.query('SELECT 1 FROM org_keys WHERE org_id = $1', [fresh]);
    expect(rows).toEqual([]);
    // With the right key file the same org gets its key as always.
    expect((await fx.reopen(fx.keyFile).keyring.forOrg(fresh)).orgId).toBe(fresh);
  });

  it('refuses a key file that is not one', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'bad-')), 'kek.key');
    writeFileSync(file, 'hello\n');
    expect(() => localFileKek(file)).toThrow(OrgVaultError);
    expect(() => localFileKek(file)).toThrow(/not an OrgVault key file/);
  });

  it('seals secrets with the KEK and with an org key; wrong key or tampering fails', async () => {
    const org = await fx.newOrg();
    for (const box of [await fx.store.secretBox(), await fx.store.secretBox(org)]) {
      const sealed = await box.seal('refresh-token-é');
      expect(sealed).not.toContain('refresh');
      expect(await box.open(sealed)).toBe('refresh-token-é');
      const body = Buffer.from(sealed.slice(7), 'base64url');
      body[body.length - 1]! ^= 1;
      await expect(box.open(sealed.slice(0, 7) + body.toString('base64url'))).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
    }
    const sealed = await (await fx.store.secretBox()).seal('x');
    const stranger = kekSecretBox(localFileKek(path.join(mkdtempSync(path.join(tmpdir(), 'other-')), 'kek.key')));
    await expect(stranger.open(sealed)).rejects.toMatchObject({ code: 'KEY_ERROR' });
    await expect((await fx.store.secretBox(await fx.newOrg())).open(await (await fx.store.secretBox(org)).seal('y'))).rejects.toMatchObject(
      {
        code: 'INTEGRITY_ERROR',
      },
    );
  });
});
