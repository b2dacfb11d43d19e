import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { storeError } from '../../src/store/db-errors.js';
import { csv, storeFixture, type StoreFixture } from './fixture.js';

describe('store errors', () => {
  it('maps what PostgreSQL and the OS report to codes users can act on', () => {
    const pg = (code: string) => Object.assign(new Error('x'), { code });
    expect(storeError(pg('53100'), 'Storing').code).toBe('DISK_FULL');
    expect(storeError(pg('ENOSPC'), 'Storing').code).toBe('DISK_FULL');
    expect(storeError(pg('22008'), 'Storing').code).toBe('MALFORMED_DATA');
    expect(storeError(pg('57P01'), 'Storing').code).toBe('DATABASE_UNAVAILABLE');
    expect(storeError(new Error('boom'), 'Storing').code).toBe('INTERNAL');
  });

  describe('against the database', () => {
    let fx: StoreFixture;
    beforeAll(async () => {
      fx = await storeFixture();
    });
    afterAll(async () => {
      await fx.drop();
    });

    it('keeps packs write-once', async () => {
      const org = await fx.newOrg();
      const page = csv(['Id', 'SystemModstamp'], [['x1', '2024-01-01T00:00:00Z']]);
      const { packIds } = await fx.store.putCsvPage({
        orgId: org,
        object: 'Account',
        source: 'bulk',
        csv: page,
        columns: { id: 'Id', modstamp: 'SystemModstamp' },
      });
      await expect(fx.db.pool.query(`UPDATE packs SET data = '\\x00' WHERE id = $1`, [packIds[0]])).rejects.toThrow(/write-once/);
    });

    it('reports a lost database connection as DATABASE_UNAVAILABLE and stores nothing', async () => {
      const org = await fx.newOrg();
      const broken = fx.reopen(fx.keyFile);
      await broken.keyring.forOrg(org);
      // Terminate every session of this suite's pool while a write waits on its lock.
      const client = await fx.db.pool.connect();
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [org, 'Account']);
      const page = csv(['Id', 'SystemModstamp'], [['y1', '2024-01-01T00:00:00Z']]);
      const write = broken.putCsvPage({
        orgId: org,
        object: 'Account',
        source: 'bulk',
        csv: page,
        columns: { id: 'Id', modstamp: 'SystemModstamp' },
      });
      const outcome = write.then(
        () => null,
        (err: unknown) => err,
      );
      await new Promise((r) => setTimeout(r, 200));
      await client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock%' AND pid <> pg_backend_pid()`,
      );
      expect(await outcome).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      await client.query('ROLLBACK');
      client.release();
      const { rows } = await fx.db.pool.query('SELECT count(*)::int AS n FROM record_versions WHERE org_id = $1', [org]);
      expect(rows[0].n).toBe(0);
    });
  });
});
