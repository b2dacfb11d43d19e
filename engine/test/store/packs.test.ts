import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { collect, csv, storeFixture, type StoreFixture } from './fixture.js';

const T0 = '2023-12-31T00:00:00.000Z';
const T1 = '2024-01-01T00:00:00.000Z';
const T2 = '2024-02-01T00:00:00.000Z';
const T3 = '2024-03-01T00:00:00.000Z';
const T4 = '2024-04-01T00:00:00.000Z';
const T5 = '2024-05-01T00:00:00.000Z';
const HEADER = ['Id', 'Name', 'Amount', 'SystemModstamp', 'IsDeleted'];
const columns = { id: 'Id', modstamp: 'SystemModstamp', deleted: 'IsDeleted' };
const row = (id: string, name: string, at: string, deleted = false): Array<string | null> => [
  id,
  name,
  id === 'a5' ? null : '10.5',
  at,
  String(deleted),
];

describe('store packs and as-of reads', () => {
  let fx: StoreFixture;
  let org: string;
  const target = () => ({ orgId: org, object: 'Account', source: 'bulk', jobId: 'job-1' });
  const asOf = async (at: string) =>
    Object.fromEntries(
      (await collect(fx.store.readAsOf({ orgId: org, object: 'Account', at: new Date(at) }))).map((r) => [r.id, r.fields]),
    );
  const counts = async () =>
    (
      await fx.db.pool.query(
        'SELECT (SELECT count(*) FROM packs WHERE org_id = $1)::int AS packs, (SELECT count(*) FROM record_versions WHERE org_id = $1)::int AS versions',
        [org],
      )
    ).rows[0] as { packs: number; versions: number };

  beforeAll(async () => {
    // Small packs, so that a page spans several and reads cross pack boundaries.
    fx = await storeFixture();
    fx.store = fx.reopen(fx.keyFile, 120);
    org = await fx.newOrg();
  });
  afterAll(async () => {
    await fx.drop();
  });

  it('stores a CSV page as several packs and reads it back field by field', async () => {
    const page = csv(
      HEADER,
      ['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => row(id, `Name ${id} "quoted", with comma`, T1)),
    );
    const res = await fx.store.putCsvPage({ ...target(), csv: page, columns });
    expect(res).toMatchObject({ received: 5, stored: 5, skipped: 0 });
    expect(res.packIds.length).toBeGreaterThan(1);
    expect(res.storedBytes).toBeGreaterThan(0);
    const at1 = await asOf(T1);
    expect(Object.keys(at1).sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(at1.a1).toEqual({ Id: 'a1', Name: 'Name a1 "quoted", with comma', Amount: '10.5', SystemModstamp: T1, IsDeleted: 'false' });
    expect(at1.a5!.Amount).toBeNull();
    expect(await asOf(T0)).toEqual({});
  });

  it('does not store a version twice: one lookup per batch filters repeats', async () => {
    const before = await counts();
    const page = csv(
      HEADER,
      ['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => row(id, `Name ${id} "quoted", with comma`, T1)),
    );
    expect(await fx.store.putCsvPage({ ...target(), csv: page, columns })).toMatchObject({
      received: 5,
      stored: 0,
      skipped: 5,
      packIds: [],
    });
    expect(await counts()).toEqual(before);
    // Changed and new rows are stored; unchanged ones in the same page are not.
    const page2 = csv(HEADER, [
      row('a1', 'Renamed', T2),
      ...['a2', 'a3', 'a4', 'a5'].map((id) => row(id, `Name ${id} "quoted", with comma`, T1)),
      row('a6', 'New', T2),
    ]);
    expect(await fx.store.putCsvPage({ ...target(), csv: page2, columns })).toMatchObject({ received: 6, stored: 2, skipped: 4 });
    // A repeat inside one batch is stored once.
    const dup = await fx.store.putRecords({
      ...target(),
      source: 'cdc',
      records: [1, 2].map(() => ({ id: 'a7', validFrom: new Date(T2), fields: { Id: 'a7', Name: 'From JSON', Amount: 3 } })),
    });
    expect(dup).toMatchObject({ received: 2, stored: 1, skipped: 1 });
  });

  it('keeps keyed hashes only: they differ per org and are not digests of the row', async () => {
    const other = await fx.newOrg();
    const page = csv(HEADER, [row('a1', 'Renamed', T2)]);
    await fx.store.putCsvPage({ ...target(), orgId: other, csv: page, columns });
    const { rows } = await fx.db.pool.query(
      `SELECT org_id, hash FROM record_versions WHERE record_id = 'a1' AND valid_from = $1 ORDER BY org_id`,
      [T2],
    );
    expect(rows).toHaveLength(2);
    expect((rows[0].hash as Buffer).equals(rows[1].hash as Buffer)).toBe(false);
    const plain = createHash('sha256')
      .update(page.subarray(page.indexOf('\n') + 1, page.length - 1))
      .digest();
    for (const r of rows) expect(plain.includes(r.hash as Buffer)).toBe(false);
  });

  it('tombstones and deleted rows hide records from later as-of reads; undelete brings them back', async () => {
    expect(await fx.store.putTombstones({ ...target(), source: 'getDeleted', tombstones: [{ id: 'a3', deletedAt: T3 }] })).toMatchObject({
      stored: 1,
    });
    await fx.store.putCsvPage({
      ...target(),
      source: 'queryAll',
      csv: csv(HEADER, [row('a4', `Name a4 "quoted", with comma`, T3, true)]),
      columns,
    });
    // Already deleted: no second tombstone, whether deleted by tombstone or by a deleted row.
    const again = await fx.store.putTombstones({
      ...target(),
      source: 'reconcile',
      tombstones: [
        { id: 'a3', deletedAt: T3 },
        { id: 'a4', deletedAt: new Date(T4) },
      ],
    });
    expect(again).toMatchObject({ received: 2, stored: 0 });
    await fx.store.putCsvPage({ ...target(), csv: csv(HEADER, [row('a3', 'Back', T4)]), columns });

    const at2 = await asOf(T2);
    expect(Object.keys(at2).sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']);
    expect(at2.a1!.Name).toBe('Renamed');
    expect(at2.a7).toEqual({ Id: 'a7', Name: 'From JSON', Amount: 3 });
    expect((await asOf('2024-01-15T00:00:00Z')).a1!.Name).toBe('Name a1 "quoted", with comma');
    expect(Object.keys(await asOf(T3)).sort()).toEqual(['a1', 'a2', 'a5', 'a6', 'a7']);
    const at4 = await asOf(T4);
    expect(Object.keys(at4).sort()).toEqual(['a1', 'a2', 'a3', 'a5', 'a6', 'a7']);
    expect(at4.a3!.Name).toBe('Back');
    expect(await collect(fx.store.idsAt({ orgId: org, object: 'Account', at: new Date(T3) }))).toEqual(['a1', 'a2', 'a5', 'a6', 'a7']);
    const some = await fx.store.readRecords({ orgId: org, object: 'Account', at: new Date(T3), ids: ['a1', 'a3', 'a7', 'zz'] });
    expect(some.map((r) => [r.id, r.validFrom.toISOString(), r.fields.Name]).sort()).toEqual([
      ['a1', T2, 'Renamed'],
      ['a7', T2, 'From JSON'],
    ]);
  });

  it('lists every version of a record with its kind, fields and writer', async () => {
    const versions = await fx.store.versionsOf({ orgId: org, object: 'Account', recordId: 'a3' });
    expect(versions.map((v) => [v.validFrom.toISOString(), v.kind, v.source, v.fields?.Name ?? null])).toEqual([
      [T1, 'live', 'bulk', 'Name a3 "quoted", with comma'],
      [T3, 'tombstone', 'getDeleted', null],
      [T4, 'live', 'bulk', 'Back'],
    ]);
    expect(versions[0]!.jobId).toBe('job-1');
    const a4 = await fx.store.versionsOf({ orgId: org, object: 'Account', recordId: 'a4' });
    expect(a4.map((v) => v.kind)).toEqual(['live', 'deleted']);
    expect(a4[1]!.fields!.IsDeleted).toBe('true');
  });

  it('reads each version with its own columns when the field list changed', async () => {
    const wider = csv([...HEADER, 'Phone'], [[...row('a2', 'With phone', T5), '555']]);
    await fx.store.putCsvPage({ ...target(), csv: wider, columns });
    const at5 = await asOf(T5);
    expect(at5.a2).toEqual({ Id: 'a2', Name: 'With phone', Amount: '10.5', SystemModstamp: T5, IsDeleted: 'false', Phone: '555' });
    expect(at5.a6).not.toHaveProperty('Phone');
    expect(await fx.store.objects(org)).toEqual(['Account']);
  });

  it('stores nothing from a page with a broken row, nor from a batch PostgreSQL rejects', async () => {
    const before = await counts();
    const good = (id: string) => `"${id}","x","1",${T5},"false"`;
    const broken = Buffer.from(`${HEADER.join(',')}\n${good('b1')}\n${good('b2')}\n"b3","unclosed,"1",${T5},"false"\n`);
    await expect(fx.store.putCsvPage({ ...target(), csv: broken, columns })).rejects.toMatchObject({
      code: 'MALFORMED_DATA',
      details: { row: 3 },
    });
    // Passes the scanner, fails inside PostgreSQL's COPY after the packs were inserted: all rolled back.
    const late = csv(HEADER, [row('c1', 'x', T5), row('c2', 'y', '2024-13-45T00:00:00Z')]);
    await expect(fx.store.putCsvPage({ ...target(), csv: late, columns })).rejects.toMatchObject({ code: 'MALFORMED_DATA' });
    await expect(fx.store.putRecords({ ...target(), records: [{ id: '', validFrom: T5, fields: {} }] })).rejects.toMatchObject({
      code: 'MALFORMED_DATA',
    });
    expect(await counts()).toEqual(before);
  });

  it('streams a large as-of read in bounded batches across many packs', async () => {
    const big = csv(
      HEADER,
      Array.from({ length: 12000 }, (_, i) => row(`m${String(i).padStart(6, '0')}`, `Bulk ${i}`, T1)),
    );
    const store = fx.reopen(fx.keyFile, 64 * 1024);
    const res = await store.putCsvPage({ ...target(), object: 'Contact', csv: big, columns });
    expect(res.stored).toBe(12000);
    expect(res.storedBytes / big.length).toBeLessThan(0.4);
    let n = 0;
    for await (const r of store.readAsOf({ orgId: org, object: 'Contact', at: new Date(T5) })) {
      expect(r.fields.Name).toBe(`Bulk ${Number(r.id.slice(1))}`);
      n++;
    }
    expect(n).toBe(12000);
  });

  it('serves more concurrent as-of reads than the pool has connections', async () => {
    // The suite's pool has 10 connections; each reader holds one for its cursor and reads its packs through it.
    const reads = Array.from({ length: 12 }, () => collect(fx.store.readAsOf({ orgId: org, object: 'Account', at: new Date(T5) })));
    for (const r of await Promise.all(reads)) expect(r.map((x) => x.id).sort()).toEqual(['a1', 'a2', 'a3', 'a5', 'a6', 'a7']);
  });

  it('counts what new versions change: inserts, updates and deletions of live records', async () => {
    const contacts = { orgId: org, object: 'Contact', source: 'bulk', jobId: 'job-c' };
    const first = await fx.store.putCsvPage({
      ...contacts,
      csv: csv(HEADER, [row('c1', 'One', T1), row('c2', 'Two', T1), row('c3', 'Gone before', T1, true)]),
      columns,
    });
    // A record first seen deleted (the recycle bin of a queryAll) was never protected.
    expect(first).toMatchObject({ stored: 3, inserted: 2, updated: 0, removed: 0 });
    const second = await fx.store.putCsvPage({
      ...contacts,
      csv: csv(HEADER, [row('c1', 'One', T1), row('c2', 'Two again', T2), row('c4', 'Four', T2), row('c1', 'One', T0)]),
      columns,
    });
    // c1 at T1 is stored already; c1 at T0 is older than its latest version and changes nothing.
    expect(second).toMatchObject({ stored: 3, skipped: 1, inserted: 1, updated: 1, removed: 0 });
    const gone = await fx.store.putTombstones({
      ...contacts,
      source: 'getDeleted',
      tombstones: [
        { id: 'c2', deletedAt: T3 },
        { id: 'c3', deletedAt: T3 },
      ],
    });
    expect(gone).toMatchObject({ stored: 1, removed: 1, inserted: 0, updated: 0 });
    const back = await fx.store.putCsvPage({
      ...contacts,
      csv: csv(HEADER, [row('c2', 'Undeleted', T4), row('c4', 'Four', T4, true)]),
      columns,
    });
    expect(back).toMatchObject({ stored: 2, inserted: 1, updated: 0, removed: 1 });
  });
});
