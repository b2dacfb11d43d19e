import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Readable } from 'node:stream';
import { collect, csv, storeFixture, type StoreFixture } from './fixture.js';

const HEADER = ['Id', 'Name', 'SystemModstamp'];
const columns = { id: 'Id', modstamp: 'SystemModstamp' };
const AT = new Date('2024-06-01T00:00:00Z');

describe('store check', () => {
  let fx: StoreFixture;
  let org: string;
  let packIds: string[];
  let fileHash: string;

  const flipPackByte = async (packId: string, setHash: boolean) => {
    // Stands for damage below the application: the write-once trigger is bypassed on purpose.
    await fx.db.pool.query('ALTER TABLE packs DISABLE TRIGGER packs_write_once');
    await fx.db.pool.query(
      `UPDATE packs SET data = set_byte(data, 20, get_byte(data, 20) # 1)${setHash ? ', cipher_hash = sha256(set_byte(data, 20, get_byte(data, 20) # 1))' : ''}
        WHERE org_id = $1 AND id = $2`,
      [org, packId],
    );
    await fx.db.pool.query('ALTER TABLE packs ENABLE TRIGGER packs_write_once');
  };

  beforeAll(async () => {
    fx = await storeFixture();
    fx.store = fx.reopen(fx.keyFile, 200);
    org = await fx.newOrg();
    const rows = Array.from({ length: 40 }, (_, i) => [`r${i}`, `Name ${i}`, '2024-01-01T00:00:00.000Z']);
    ({ packIds } = await fx.store.putCsvPage({ orgId: org, object: 'Account', source: 'bulk', csv: csv(HEADER, rows), columns }));
    await fx.store.putTombstones({
      orgId: org,
      object: 'Account',
      source: 'getDeleted',
      tombstones: [{ id: 'r0', deletedAt: '2024-02-01T00:00:00Z' }],
    });
    ({ contentHash: fileHash } = await fx.store.putBlob(
      { orgId: org, object: 'Attachment', recordId: 'att1', field: 'Body', validFrom: '2024-01-01T00:00:00Z', source: 'bulk' },
      Readable.from([Buffer.alloc(3 * 1024 * 1024, 'attachment ')]),
    ));
  });
  afterAll(async () => {
    await fx.drop();
  });

  it('finds nothing wrong in an intact store, reading every pack and blob', async () => {
    const report = await fx.store.check({ readDataPercent: 100 });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, orgs: 1, versions: 41, blobs: 1, blobRefs: 1 });
    expect(report.readData).toEqual({ percent: 100, packsRead: packIds.length, blobsRead: 1 });
  });

  it('reports a flipped byte in a pack, and reading it fails with INTEGRITY_ERROR', async () => {
    await flipPackByte(packIds[1]!, false);
    const report = await fx.store.check({ orgId: org });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ code: 'pack-hash-mismatch', packId: packIds[1] })]);
    await expect(collect(fx.store.readAsOf({ orgId: org, object: 'Account', at: AT }))).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
  });

  it('finds damage that also rewrote the stored hash only by reading the data', async () => {
    await flipPackByte(packIds[2]!, true);
    const structural = await fx.store.check({ orgId: org });
    expect(structural.problems.map((p) => p.packId)).toEqual([packIds[1]]);
    const full = await fx.store.check({ orgId: org, readDataPercent: 100 });
    expect(full.problems).toContainEqual(expect.objectContaining({ code: 'pack-unreadable', packId: packIds[2] }));
    expect(full.problems.find((p) => p.packId === packIds[2])!.message).toMatch(/authentication failed/);
  });

  it('reports a row index that no longer describes its pack: structurally, and by re-hashing the rows', async () => {
    // Stands for damage to the catalog: the write-once trigger is bypassed on purpose.
    const damage = async (set: string, packId: string) => {
      await fx.db.pool.query('ALTER TABLE packs DISABLE TRIGGER packs_write_once');
      await fx.db.pool.query(`UPDATE packs SET ${set} WHERE org_id = $1 AND id = $2`, [org, packId]);
      await fx.db.pool.query('ALTER TABLE packs ENABLE TRIGGER packs_write_once');
    };
    const indexProblems = async (readDataPercent = 0) => [
      ...new Set(
        (await fx.store.check({ orgId: org, readDataPercent })).problems
          .filter((p) => p.code === 'row-index-mismatch')
          .map((p) => p.packId),
      ),
    ];
    expect(await indexProblems(100)).toEqual([]);
    // An entry lost: the index has fewer rows than the pack.
    await damage('row_hash = row_hash[1:cardinality(row_hash) - 1]', packIds[3]!);
    // A record id moved outside the recorded bounds.
    await damage(`row_record_ids[1] = 'zz'`, packIds[4]!);
    expect(await indexProblems()).toEqual([packIds[3], packIds[4]]);
    // Two rows' hashes swapped: every count and bound still agrees; only reading the data shows it.
    await damage('row_hash = ARRAY[row_hash[2], row_hash[1]] || row_hash[3:]', packIds[5]!);
    expect(await indexProblems()).toEqual([packIds[3], packIds[4]]);
    expect(await indexProblems(100)).toEqual([packIds[3], packIds[4], packIds[5]]);
  });

  it('reports a flipped byte in a blob, and reading it fails with INTEGRITY_ERROR', async () => {
    const blob = fx.container.getBlockBlobClient(`orgs/${org}/blobs/${fileHash}`);
    const bytes = await blob.downloadToBuffer();
    bytes[1024 * 1024 + 100]! ^= 1;
    await blob.uploadData(bytes);
    const report = await fx.store.check({ orgId: org, readDataPercent: 100 });
    expect(report.problems).toContainEqual(expect.objectContaining({ code: 'blob-unreadable', contentHash: fileHash }));
    const read = async () => {
      for await (const _ of await fx.store.openBlob(org, fileHash)) void _;
    };
    await expect(read()).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
  });

  it('reports a blob missing from storage and a reference without a blob', async () => {
    await fx.container.getBlockBlobClient(`orgs/${org}/blobs/${fileHash}`).delete();
    await fx.db.pool.query(
      `INSERT INTO blob_refs (org_id, object, record_id, field, valid_from, content_hash, size, source) VALUES ($1, 'Attachment', 'att2', 'Body', now(), '\\x00', 1, 'test')`,
      [org],
    );
    const codes = (await fx.store.check({ orgId: org })).problems.map((p) => p.code);
    expect(codes).toContain('blob-missing');
    expect(codes).toContain('blob-row-missing');
  });
});
