import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { exportRecords } from '../../src/backup/export.js';
import { collect, csv, storeFixture, type StoreFixture } from './fixture.js';

const HEADER = ['Id', 'Name', 'SystemModstamp', 'IsDeleted'];
const columns = { id: 'Id', modstamp: 'SystemModstamp', deleted: 'IsDeleted' };
const minute = (m: number) => new Date(Date.UTC(2024, 0, 1, 0, m)).toISOString();
const AT = new Date('2024-06-01T00:00:00Z');

/**
 * #25.3: a changed entry of a pack's row index (a deleted flag, two ids, a time) used to change
 * what reads return while `check` found nothing. Each single-field change is now found by check,
 * by its MAC without reading data and, with --read-data, down to the row and entry; and reads
 * refuse rather than answer from it.
 */
describe('store row index bound to its pack', () => {
  let fx: StoreFixture;
  let org: string;
  let object = '';
  let packId = '';

  /** Stands for damage to the catalog below the application: the write-once trigger is bypassed on purpose. */
  const damage = async (set: string) => {
    await fx.db.pool.query('ALTER TABLE packs DISABLE TRIGGER packs_write_once');
    await fx.db.pool.query(`UPDATE packs SET ${set} WHERE org_id = $1 AND id = $2`, [org, packId]);
    await fx.db.pool.query('ALTER TABLE packs ENABLE TRIGGER packs_write_once');
  };
  const findings = async (readDataPercent = 0) =>
    (await fx.store.check({ orgId: org, readDataPercent })).problems
      .filter((f) => f.object === object)
      .map((f) => ({
        code: f.code,
        packId: f.packId,
        object: f.object,
        recordId: f.recordId,
        row: f.row,
        entry: f.entry,
      }));
  const exported = async () => {
    const out = new PassThrough();
    const text = collect(out);
    await exportRecords(fx.store, { orgId: org, object, at: AT, format: 'jsonl' }, out);
    out.end();
    return (await text).join('');
  };

  beforeAll(async () => {
    fx = await storeFixture();
    org = await fx.newOrg();
  });
  afterAll(async () => {
    await fx.drop();
  });

  // Each case damages a pack of an object of its own: r0..r3 with increasing times, none deleted.
  let n = 0;
  const freshObject = async () => {
    object = `Object${n++}`;
    const page = csv(
      HEADER,
      [0, 1, 2, 3].map((i) => [`r${i}`, `Name ${i}`, minute(i * 10), 'false']),
    );
    [packId] = (await fx.store.putCsvPage({ orgId: org, object, source: 'bulk', csv: page, columns })).packIds as [string];
    expect(await findings(100)).toEqual([]);
    expect(await exported()).toContain('"Id":"r1"');
  };
  const macMismatch = () => ({ code: 'row-index-mac-mismatch', packId, object, recordId: 'r0', row: undefined, entry: undefined });
  const rowMismatch = (row: number, recordId: string, entry: string) => ({
    code: 'row-index-mismatch',
    packId,
    object,
    recordId,
    row,
    entry,
  });

  it('finds a flipped deleted flag, and export refuses instead of dropping the record', async () => {
    await freshObject();
    await damage('row_deleted[2] = true');
    expect(await findings()).toEqual([macMismatch()]);
    expect(await findings(100)).toEqual([macMismatch(), rowMismatch(1, 'r1', 'deleted')]);
    await expect(exported()).rejects.toMatchObject({
      code: 'INTEGRITY_ERROR',
      message: expect.stringContaining(`pack ${packId} (${object})`),
    });
    await expect(collect(fx.store.idsAt({ orgId: org, object, at: AT }))).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
  });

  it("finds two swapped ids, and reads by id refuse instead of giving one record the other's values", async () => {
    await freshObject();
    await damage('row_record_ids = ARRAY[row_record_ids[2], row_record_ids[1]] || row_record_ids[3:]');
    expect(await findings()).toEqual([{ ...macMismatch(), recordId: 'r1' }]);
    expect(await findings(100)).toEqual([
      { ...macMismatch(), recordId: 'r1' },
      rowMismatch(0, 'r1', 'recordId'),
      rowMismatch(1, 'r0', 'recordId'),
    ]);
    await expect(fx.store.readRecords({ orgId: org, object, at: AT, ids: ['r0'] })).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
    await expect(fx.store.versionsOf({ orgId: org, object, recordId: 'r1' })).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
    await expect(collect(fx.store.readAsOf({ orgId: org, object, at: AT }))).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
  });

  it('finds a changed version time within the pack bounds', async () => {
    await freshObject();
    await damage(`row_valid_from[3] = row_valid_from[3] - interval '5 minutes'`);
    expect(await findings()).toEqual([macMismatch()]);
    expect(await findings(100)).toEqual([macMismatch(), rowMismatch(2, 'r2', 'validFrom')]);
    await expect(collect(fx.store.readAsOf({ orgId: org, object, at: new Date(minute(17)) }))).rejects.toMatchObject({
      code: 'INTEGRITY_ERROR',
    });
  });

  it('finds a deleted MAC, and reads refuse a pack that should have one', async () => {
    await freshObject();
    await fx.db.pool.query('DELETE FROM pack_index_macs WHERE org_id = $1 AND pack_id = $2', [org, packId]);
    expect(await findings()).toEqual([{ ...macMismatch(), code: 'row-index-mac-missing' }]);
    await expect(collect(fx.store.readAsOf({ orgId: org, object, at: AT }))).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
  });

  it('names the object and record a damaged pack belongs to', async () => {
    await freshObject();
    await damage('data = set_byte(data, 20, get_byte(data, 20) # 1)');
    expect(await findings()).toEqual([{ code: 'pack-hash-mismatch', packId, object, recordId: 'r0', row: undefined, entry: undefined }]);
  });

  it('raises no alarm where the rows do not say what the index holds', async () => {
    object = 'Quiet';
    // Stored without a deleted column, beside a true/false column that is not one.
    const page = csv(
      ['Id', 'IsActive', 'CreatedDate', 'SystemModstamp'],
      [0, 1, 2].map((i) => [`q${i}`, String(i === 1), minute(0), minute(i)]),
    );
    await fx.store.putCsvPage({ orgId: org, object, source: 'bulk', csv: page, columns: { id: 'Id', modstamp: 'SystemModstamp' } });
    // JSON versions: time and deleted flag given beside the fields (a change event's commit time), not in them.
    await fx.store.putRecords({
      orgId: org,
      object,
      source: 'cdc',
      records: [{ id: 'q0', validFrom: minute(30), deleted: true, fields: { Id: 'q0', SystemModstamp: minute(29), IsDeleted: false } }],
    });
    expect(await findings(100)).toEqual([]);
  });
});
