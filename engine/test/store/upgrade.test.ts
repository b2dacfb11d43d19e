import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { createTestDb, testStorageConnectionString, type TestDb } from '../../../test/support/db.js';
import { insertTenantAndOrg } from '../../../test/support/fixtures.js';
import { discoverMigrations, migrate } from '../../src/infra/migrate.js';
import { Store } from '../../src/store/store.js';
import { localFileKek } from '../../src/store/keys/kek.js';
import { csvBatch } from '../../src/store/packs/batch.js';
import { PACK_CODEC, sealPack } from '../../src/store/packs/codec.js';
import { collect, csv } from './fixture.js';

const HEADER = ['Id', 'Name', 'SystemModstamp', 'IsDeleted'];
const columns = { id: 'Id', modstamp: 'SystemModstamp', deleted: 'IsDeleted' };
const T1 = '2024-01-01T00:00:00.000Z';
const T2 = '2024-02-01T00:00:00.000Z';
const T3 = '2024-03-01T00:00:00.000Z';

/**
 * A backup written before migration 0101 (one record_versions row per version) is still all
 * there after it: the versions move into their packs' row indexes, unchanged.
 */
describe('store upgrade to row indexes in the packs', () => {
  let db: TestDb;
  let dir: string;
  let container: ContainerClient;
  let store: Store;
  let org: string;
  const first = csv(HEADER, [
    ['o1', 'One', T1, 'false'],
    ['o2', 'Two', T1, 'false'],
    ['o3', 'Three', T1, 'false'],
  ]);
  const second = csv(HEADER, [
    ['o1', 'One again', T2, 'false'],
    ['o2', 'Two', T2, 'true'],
  ]);

  /** What the store wrote before 0101: a sealed pack plus a catalog row per version. */
  const writeOldLayout = async (page: Buffer, tombstone?: { id: string; at: string }) => {
    const keys = await store.keyring.forOrg(org);
    const { rows: ids } = await db.pool.query<{ id: string }>(`SELECT nextval(pg_get_serial_sequence('packs', 'id'))::text AS id`);
    const packId = ids[0]!.id;
    if (tombstone) {
      await db.pool.query(
        `INSERT INTO packs (org_id, id, object, format, codec, row_count, plain_size, source) VALUES ($1, $2, 'Account', 'tombstones', 'none', 1, 0, 'getDeleted')`,
        [org, packId],
      );
      await db.pool.query(
        `INSERT INTO record_versions (org_id, object, record_id, valid_from, deleted, hash, pack_id, row_no) VALUES ($1, 'Account', $2, $3, true, $4, $5, 0)`,
        [org, tombstone.id, tombstone.at, randomBytes(8), packId],
      );
      return;
    }
    const batch = csvBatch(page, columns);
    const plain = Buffer.concat([
      batch.header!,
      Buffer.from('\n'),
      ...Array.from({ length: batch.count }, (_, i) => Buffer.concat([batch.payload(i), Buffer.from('\n')])),
    ]);
    const sealed = await sealPack(keys, { orgId: org, packId, object: 'Account', format: 'csv', rowCount: batch.count }, plain);
    await db.pool.query(
      `INSERT INTO packs (org_id, id, object, format, codec, row_count, plain_size, plain_hash, cipher_hash, data, source, job_id)
       VALUES ($1, $2, 'Account', 'csv', $3, $4, $5, $6, $7, $8, 'bulk', 'job-old')`,
      [org, packId, PACK_CODEC, batch.count, plain.length, sealed.plainHash, sealed.cipherHash, sealed.data],
    );
    const keyed = keys.keyDigests(batch.digests);
    for (let i = 0; i < batch.count; i++) {
      await db.pool.query(
        `INSERT INTO record_versions (org_id, object, record_id, valid_from, deleted, hash, pack_id, row_no) VALUES ($1, 'Account', $2, $3, $4, $5, $6, $7)`,
        [org, batch.ids[i], batch.validFrom[i], batch.deleted[i] === 1, keyed.subarray(i * 16, i * 16 + 8), packId, i],
      );
    }
  };

  beforeAll(async () => {
    db = await createTestDb({ migrate: false });
    await migrate(
      db.pool,
      db.schema,
      discoverMigrations().filter((m) => m.version <= 100),
    );
    dir = mkdtempSync(path.join(process.env.ORGVAULT_TEST_TMP ?? tmpdir(), 'store-upgrade-'));
    container = BlobServiceClient.fromConnectionString(testStorageConnectionString()).getContainerClient(
      `upgrade-${randomBytes(6).toString('hex')}`,
    );
    await container.create();
    store = new Store({ pool: db.pool, container, kek: localFileKek(path.join(dir, 'keys', 'kek.key')) });
    ({ orgId: org } = await insertTenantAndOrg(db.pool));
    await writeOldLayout(first);
    await writeOldLayout(second);
    await writeOldLayout(first, { id: 'o3', at: T3 });
    await migrate(db.pool, db.schema);
  });
  afterAll(async () => {
    await container.deleteIfExists();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the old backup exactly as before', async () => {
    const asOf = async (at: string) =>
      Object.fromEntries(
        (await collect(store.readAsOf({ orgId: org, object: 'Account', at: new Date(at) }))).map((r) => [r.id, r.fields.Name]),
      );
    expect(await asOf(T1)).toEqual({ o1: 'One', o2: 'Two', o3: 'Three' });
    expect(await asOf(T2)).toEqual({ o1: 'One again', o3: 'Three' });
    expect(await asOf(T3)).toEqual({ o1: 'One again' });
    const o2 = await store.versionsOf({ orgId: org, object: 'Account', recordId: 'o2' });
    expect(o2.map((v) => [v.validFrom.toISOString(), v.kind, v.jobId])).toEqual([
      [T1, 'live', 'job-old'],
      [T2, 'deleted', 'job-old'],
    ]);
    const { rows } = await db.pool.query(`SELECT record_id, row_no FROM record_versions WHERE org_id = $1 ORDER BY pack_id, row_no`, [org]);
    expect(rows.map((r) => r.record_id)).toEqual(['o1', 'o2', 'o3', 'o1', 'o2', 'o3']);
  });

  it('passes check, reading every pack against its converted row index', async () => {
    const report = await store.check({ orgId: org, readDataPercent: 100 });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, packs: 3, versions: 6 });
  });

  it('recognises the old versions: the same pages and deletions stored again add nothing', async () => {
    for (const page of [first, second]) {
      expect(await store.putCsvPage({ orgId: org, object: 'Account', source: 'bulk', csv: page, columns })).toMatchObject({ stored: 0 });
    }
    expect(
      await store.putTombstones({ orgId: org, object: 'Account', source: 'reconcile', tombstones: [{ id: 'o3', deletedAt: T3 }] }),
    ).toMatchObject({ stored: 0 });
    expect(
      await store.putCsvPage({
        orgId: org,
        object: 'Account',
        source: 'bulk',
        csv: csv(HEADER, [['o1', 'Changed', T3, 'false']]),
        columns,
      }),
    ).toMatchObject({ stored: 1 });
  });

  it('keeps reading packs from before index MACs, and check re-derives their index from their rows', async () => {
    const report = await store.check({ orgId: org, readDataPercent: 100 });
    expect(report).toMatchObject({ ok: true, packs: 4, legacyIndexPacks: 3 });
    const { rows } = await db.pool.query<{ id: string }>(
      `SELECT id::text FROM packs WHERE org_id = $1 AND format = 'csv' AND job_id = 'job-old' ORDER BY id LIMIT 1`,
      [org],
    );
    const flip = async () => {
      // Damage below the application: the write-once trigger is bypassed on purpose.
      await db.pool.query('ALTER TABLE packs DISABLE TRIGGER packs_write_once');
      await db.pool.query('UPDATE packs SET row_deleted[2] = NOT row_deleted[2] WHERE org_id = $1 AND id = $2', [org, rows[0]!.id]);
      await db.pool.query('ALTER TABLE packs ENABLE TRIGGER packs_write_once');
    };
    await flip();
    const damaged = await store.check({ orgId: org, readDataPercent: 100 });
    expect(damaged.problems).toEqual([
      expect.objectContaining({
        code: 'row-index-mismatch',
        packId: rows[0]!.id,
        object: 'Account',
        recordId: 'o2',
        row: 1,
        entry: 'deleted',
      }),
    ]);
    await flip();
  });
});
