import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { collect, csv, storeFixture, type StoreFixture } from './fixture.js';

const HEADER = ['Id', 'Name', 'SystemModstamp', 'IsDeleted'];
const columns = { id: 'Id', modstamp: 'SystemModstamp', deleted: 'IsDeleted' };
const BASE = Date.UTC(2024, 0, 1);
const at = (minutes: number): string => new Date(BASE + minutes * 60_000).toISOString();

/** What the store should hold: every version it accepted, in write order. */
interface Expected {
  id: string;
  ms: number;
  seq: number;
  name: string | null;
  deleted: boolean;
}

/**
 * The row index (per pack) replaces a catalog row per version: these prove as-of reads stay exact
 * across many packs, at ties, with tombstones, and that dedup still sees every stored version.
 */
describe('store row index in the packs', () => {
  let fx: StoreFixture;
  let org: string;
  const object = 'Opportunity';
  const expected: Expected[] = [];
  let seq = 0;
  const target = (source = 'bulk') => ({ orgId: org, object, source });
  const page = (rows: Array<[string, string, number, boolean?]>) =>
    csv(
      HEADER,
      rows.map(([id, name, minute, deleted]) => [id, name, at(minute), String(deleted ?? false)]),
    );
  const putPage = async (rows: Array<[string, string, number, boolean?]>) => {
    const res = await fx.store.putCsvPage({ ...target(), csv: page(rows), columns });
    for (const [id, name, minute, deleted] of rows) expected.push({ id, name, ms: BASE + minute * 60_000, seq: seq++, deleted: !!deleted });
    return res;
  };
  const tombstone = (id: string, minute: number) =>
    expected.push({ id, name: null, ms: BASE + minute * 60_000, seq: seq++, deleted: true });

  /** The model's answer: per record the latest accepted version at or before t (ties: later write), unless deleted. */
  const modelAt = (t: number): Record<string, string | null> => {
    const best = new Map<string, Expected>();
    for (const v of expected) {
      if (v.ms > t) continue;
      const cur = best.get(v.id);
      if (!cur || v.ms > cur.ms || (v.ms === cur.ms && v.seq > cur.seq)) best.set(v.id, v);
    }
    return Object.fromEntries(
      [...best.values()]
        .filter((v) => !v.deleted)
        .map((v) => [v.id, v.name])
        .sort(),
    );
  };
  const storeAt = async (t: number): Promise<Record<string, string | null>> =>
    Object.fromEntries(
      (await collect(fx.store.readAsOf({ orgId: org, object, at: new Date(t) })))
        .map((r) => [r.id, (r.fields.Name as string | undefined) ?? null] as const)
        .sort(),
    );

  beforeAll(async () => {
    fx = await storeFixture();
    // About one row per pack: every read crosses many packs with different time and id bounds.
    fx.store = fx.reopen(fx.keyFile, 60);
    org = await fx.newOrg();
  });
  afterAll(async () => {
    await fx.drop();
  });

  it('answers as-of reads exactly at every version time across many packs, ties to the later write', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `r${String(i).padStart(2, '0')}`);
    // Versions at scattered times, so packs' time bounds overlap in every way.
    const first = await putPage(ids.map((id, i): [string, string, number] => [id, `${id} v1`, (i * 37) % 100]));
    expect(first.packIds.length).toBeGreaterThan(10);
    // Later versions for some, and for r10–r14 another state at the very same time: the later write wins.
    await putPage([
      ...ids.slice(0, 10).map((id, i): [string, string, number] => [id, `${id} v2`, 100 + ((i * 13) % 50)]),
      ...ids.slice(10, 15).map((id, i): [string, string, number] => [id, `${id} tie`, ((10 + i) * 37) % 100]),
    ]);
    // The same time and a different state inside one batch: the later row wins.
    await putPage([
      ['r20', 'r20 first', 160],
      ['r20', 'r20 second', 160],
    ]);
    // A JSON version at the same time as a CSV one, written later, wins too.
    const r15 = (15 * 37) % 100;
    expect(
      await fx.store.putRecords({
        ...target('cdc'),
        records: [{ id: 'r15', validFrom: at(r15), fields: { Id: 'r15', Name: 'r15 json' } }],
      }),
    ).toMatchObject({ stored: 1 });
    expected.push({ id: 'r15', name: 'r15 json', ms: BASE + r15 * 60_000, seq: seq++, deleted: false });

    const times = [...new Set(expected.map((v) => v.ms))].sort((a, b) => a - b);
    for (const t of [times[0]! - 1, ...times.flatMap((t) => [t, t + 1])]) expect(await storeAt(t)).toEqual(modelAt(t));
    expect(await storeAt(BASE + 160 * 60_000)).toMatchObject({ r20: 'r20 second', r12: 'r12 tie', r15: 'r15 json' });
    const some = await fx.store.readRecords({ orgId: org, object, at: new Date(BASE + 120 * 60_000), ids: ['r03', 'r12', 'r29', 'nope'] });
    expect(Object.fromEntries(some.map((r) => [r.id, r.fields.Name]))).toEqual({
      r03: modelAt(BASE + 120 * 60_000).r03,
      r12: 'r12 tie',
      r29: 'r29 v1',
    });
  });

  it('keeps tombstones and deleted rows exact, and drops a tombstone only when the record is already deleted', async () => {
    expect(
      await fx.store.putTombstones({
        ...target('getDeleted'),
        tombstones: ['r00', 'r01', 'r02'].map((id) => ({ id, deletedAt: at(200) })),
      }),
    ).toMatchObject({ stored: 3 });
    ['r00', 'r01', 'r02'].forEach((id) => tombstone(id, 200));
    await putPage([['r03', 'r03 deleted', 200, true]]);
    // Already deleted at or before then: no second tombstone, however it was deleted.
    expect(
      await fx.store.putTombstones({
        ...target('reconcile'),
        tombstones: [
          { id: 'r01', deletedAt: at(205) },
          { id: 'r03', deletedAt: at(205) },
        ],
      }),
    ).toMatchObject({ received: 2, stored: 0 });
    // Undeleted later; the same tombstone sent again is still the one already stored.
    await putPage([['r00', 'r00 back', 210]]);
    expect(await fx.store.putTombstones({ ...target('getDeleted'), tombstones: [{ id: 'r00', deletedAt: at(200) }] })).toMatchObject({
      stored: 0,
    });
    // A tombstone for a record deleted only later than the tombstone's time is a new version.
    expect(await fx.store.putTombstones({ ...target('getDeleted'), tombstones: [{ id: 'r02', deletedAt: at(150) }] })).toMatchObject({
      stored: 1,
    });
    tombstone('r02', 150);

    for (const t of [150, 199, 200, 205, 210, 300].map((m) => BASE + m * 60_000)) expect(await storeAt(t)).toEqual(modelAt(t));
    expect((await collect(fx.store.idsAt({ orgId: org, object, at: new Date(at(205)) }))).sort()).toEqual(
      Object.keys(modelAt(BASE + 205 * 60_000)),
    );
    const r00 = await fx.store.versionsOf({ orgId: org, object, recordId: 'r00' });
    expect(r00.map((v) => [v.kind, v.fields?.Name ?? null])).toEqual([
      ['live', 'r00 v1'],
      ['live', 'r00 v2'],
      ['tombstone', null],
      ['live', 'r00 back'],
    ]);
  });

  it('recognises every stored version when whole pages come again, whatever packs hold them', async () => {
    const before = (await fx.db.pool.query('SELECT count(*)::int AS n FROM packs WHERE org_id = $1', [org])).rows[0].n as number;
    const again = expected.filter((v) => v.name !== null && v.name !== 'r15 json');
    const res = await fx.store.putCsvPage({
      ...target(),
      csv: page(again.map((v): [string, string, number, boolean] => [v.id, v.name!, (v.ms - BASE) / 60_000, v.deleted])),
      columns,
    });
    expect(res).toMatchObject({ received: again.length, stored: 0, skipped: again.length });
    expect((await fx.db.pool.query('SELECT count(*)::int AS n FROM packs WHERE org_id = $1', [org])).rows[0].n).toBe(before);
    const report = await fx.store.check({ orgId: org, readDataPercent: 100 });
    expect(report.problems).toEqual([]);
    expect(report.versions).toBe(expected.length);
  });

  it('keeps any record id as given and lists ids bytewise', async () => {
    const ids = ['a1', 'B1', '_x', 'b0', 'q"uote', 'back\\slash', 'com,ma', '{brace}', 'NULL', ' space ', 'é'];
    await fx.store.putRecords({
      ...target('rest'),
      object: 'Lead',
      records: ids.map((id) => ({ id, validFrom: at(1), fields: { Name: id } })),
    });
    const bytewise = [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(await collect(fx.store.idsAt({ orgId: org, object: 'Lead', at: new Date(at(2)) }))).toEqual(bytewise);
    const read = await fx.store.readRecords({ orgId: org, object: 'Lead', at: new Date(at(2)), ids });
    expect(read.map((r) => [r.id, r.fields.Name]).sort()).toEqual(ids.map((id) => [id, id]).sort());
    for (const id of ids)
      expect((await fx.store.versionsOf({ orgId: org, object: 'Lead', recordId: id })).map((v) => v.fields!.Name)).toEqual([id]);
  });

  it('looks up many ids at once by their overall range', async () => {
    const store = fx.reopen(fx.keyFile, 4096);
    const ids = Array.from({ length: 1500 }, (_, i) => `t${String(i).padStart(5, '0')}`);
    await store.putCsvPage({ ...target(), object: 'Task', csv: page(ids.map((id): [string, string, number] => [id, id, 1])), columns });
    const read = await store.readRecords({ orgId: org, object: 'Task', at: new Date(at(2)), ids: [...ids, 'nope'] });
    expect(read.map((r) => r.id).sort()).toEqual(ids);
    const tombstones = ids.map((id) => ({ id, deletedAt: at(3) }));
    expect(await store.putTombstones({ ...target('reconcile'), object: 'Task', tombstones })).toMatchObject({ stored: 1500 });
    expect(await store.putTombstones({ ...target('reconcile'), object: 'Task', tombstones })).toMatchObject({ stored: 0 });
    expect(await collect(store.idsAt({ orgId: org, object: 'Task', at: new Date(at(3)) }))).toEqual([]);
  });
});
