import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openContainer } from '../../src/infra/blob.js';
import { Store } from '../../src/store/store.js';
import { localFileKek } from '../../src/store/keys/kek.js';
import { testStorageConnectionString } from '../../../test/support/db.js';
import { csv } from '../store/fixture.js';
import { startTestApi, type TestApi } from './harness.js';

/** GET /orgs/{orgId}/check answers the store's own report, the one `orgvault check` prints, over real stored data. */
describe('API: the store check of one org', () => {
  let api: TestApi;
  let dir: string;
  let key: string;
  let orgId: string;
  let packId: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(process.env.ORGVAULT_TEST_TMP ?? tmpdir(), 'api-check-'));
    const container = await openContainer(testStorageConnectionString(), 'orgvault-api-check');
    api = await startTestApi(({ pool }) => ({ store: new Store({ pool, container, kek: localFileKek(path.join(dir, 'kek.key')) }) }));
    const tenant = await api.newTenant('Acme');
    key = tenant.key;
    orgId = (await api.addOrg(tenant.tenantId, '00D000000000001AAA')).id;
    const page = csv(
      ['Id', 'Name', 'SystemModstamp', 'IsDeleted'],
      [
        ['001A', 'One', '2024-01-01T00:00:00.000Z', 'false'],
        ['001B', 'Two', '2024-01-02T00:00:00.000Z', 'false'],
      ],
    );
    const store = api.services.store as Store;
    const columns = { id: 'Id', modstamp: 'SystemModstamp', deleted: 'IsDeleted' };
    [packId] = (await store.putCsvPage({ orgId, object: 'Account', source: 'bulk', csv: page, columns })).packIds as [string];
  });
  afterAll(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = (query = '', roles = 'administrator') => api.call('GET', `/orgs/${orgId}/check${query}`, { key, roles });

  it('answers the report of an intact org, and refuses roles below administrator', async () => {
    const res = await check('?readData=100');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, packs: 1, versions: 2, readData: { percent: 100, packsRead: 1 }, problems: [] });
    expect((await check('', 'backup_operator')).status).toBe(403);
    expect((await check('?readData=0')).status).toBe(400);
  });

  it('names the org, pack, object, record and entry of a changed row index', async () => {
    // Damage below the application: the write-once trigger is bypassed on purpose.
    await api.db.pool.query('ALTER TABLE packs DISABLE TRIGGER packs_write_once');
    await api.db.pool.query('UPDATE packs SET row_deleted[2] = true WHERE org_id = $1 AND id = $2', [orgId, packId]);
    await api.db.pool.query('ALTER TABLE packs ENABLE TRIGGER packs_write_once');
    const res = await check('?readData=100');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ok: false,
      problems: [
        { code: 'row-index-mac-mismatch', orgId, packId, object: 'Account', recordId: '001A' },
        { code: 'row-index-mismatch', orgId, packId, object: 'Account', recordId: '001B', row: 1, entry: 'deleted' },
      ],
    });
  });
});
