/**
 * Finding what to recover, from the store alone: a record's history (every version, its source,
 * the fields that changed) and the records deleted in a window, with the parent a cascade took
 * them with. No org is needed: both read only the backups.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { csv, storeFixture, type StoreFixture } from '../store/fixture.js';
import { RecordBrowser } from '../../src/restore/browse.js';
import { OrgVaultError } from '../../src/errors.js';

const T1 = '2026-11-01T10:00:00.000Z';
const T2 = '2026-11-02T10:00:00.000Z';
const T3 = '2026-11-03T10:00:00.000Z';
const T4 = '2026-11-04T10:00:00.000Z';
const ACCOUNT = ['Id', 'Name', 'Industry', 'Phone', 'SystemModstamp', 'IsDeleted'];
const CONTACT = ['Id', 'LastName', 'AccountId', 'SystemModstamp', 'IsDeleted'];
const columns = { id: 'Id', modstamp: 'SystemModstamp', deleted: 'IsDeleted' };
const A1 = '001000000000001AAA';
const A2 = '001000000000002AAA';
const A3 = '001000000000003AAA';
const C1 = '003000000000001AAA';
const C2 = '003000000000002AAA';

describe('record history and deleted records from the store', () => {
  let fx: StoreFixture;
  let org: string;
  let browser: RecordBrowser;
  let fullJob: string;
  let pointJob: string;

  /** A job row of the given kind, as the backup writes it. */
  const job = async (kind: 'full' | 'recovery_point'): Promise<string> => {
    const id = randomUUID();
    await fx.db.pool.query(
      `INSERT INTO backup_jobs (org_id, id, cycle_id, kind, trigger, status, created_at, finished_at)
       VALUES ($1, $2, (SELECT id FROM backup_cycles WHERE org_id = $1 LIMIT 1), $3, 'on_demand', 'succeeded', now(), now())`,
      [org, id, kind],
    );
    return id;
  };

  beforeAll(async () => {
    fx = await storeFixture();
    org = await fx.newOrg();
    browser = new RecordBrowser({ pool: fx.db.pool, store: fx.store });
    await fx.db.pool.query(`INSERT INTO backup_cycles (org_id, id, started_at, ends_at) VALUES ($1, $2, '2000-01-01', '2100-01-01')`, [
      org,
      randomUUID(),
    ]);
    fullJob = await job('full');
    pointJob = await job('recovery_point');
    const put = (object: string, jobId: string | null, header: string[], rows: Array<Array<string | null>>) =>
      fx.store.putCsvPage({ orgId: org, object, source: 'bulk', jobId: jobId as string, csv: csv(header, rows), columns });
    await put('Account', fullJob, ACCOUNT, [
      [A1, 'Acme', 'Energy', '555-0100', T1, 'false'],
      [A2, 'Globex', 'Retail', null, T1, 'false'],
      [A3, 'Initech', 'Banking', null, T1, 'false'],
    ]);
    await put('Contact', fullJob, CONTACT, [
      [C1, 'Ng', A2, T1, 'false'],
      [C2, 'Ode', A1, T1, 'false'],
    ]);
    // A data load overwrites Industry; a change event then records a Phone edit.
    await put('Account', pointJob, ACCOUNT, [[A1, 'Acme', 'Oil', '555-0100', T2, 'false']]);
    await fx.store.putRecords({
      orgId: org,
      object: 'Account',
      source: 'cdc',
      records: [{ id: A1, validFrom: T3, fields: { Id: A1, Name: 'Acme', Industry: 'Oil', Phone: '555-0199', SystemModstamp: T3 } }],
    });
    // Globex is deleted with its contact (seen in the Recycle Bin); Initech's deletion is known only as such.
    await put('Account', fullJob, ACCOUNT, [[A2, 'Globex', 'Retail', null, T3, 'true']]);
    await put('Contact', fullJob, CONTACT, [[C1, 'Ng', A2, T3, 'true']]);
    await fx.store.putTombstones({
      orgId: org,
      object: 'Account',
      source: 'getDeleted',
      jobId: fullJob,
      tombstones: [{ id: A3, deletedAt: T4 }],
    });
  });
  afterAll(async () => {
    await fx.drop();
  });

  it('lists every version of a record with its source and the fields that changed', async () => {
    const h = await browser.history(org, A1);
    expect(h.object).toBe('Account');
    expect(h.versions.map((v) => [v.at.toISOString(), v.kind, v.source.kind, v.source.jobId])).toEqual([
      [T1, 'live', 'backup', fullJob],
      [T2, 'live', 'recovery-point', pointJob],
      [T3, 'live', 'change-event', null],
    ]);
    expect(h.versions[0]!.changes.map((c) => c.field)).toEqual(['Industry', 'Name', 'Phone']);
    expect(h.versions[1]!.changes).toEqual([{ field: 'Industry', from: 'Energy', to: 'Oil' }]);
    expect(h.versions[2]!.changes).toEqual([{ field: 'Phone', from: '555-0100', to: '555-0199' }]);
    expect(h.versions[2]!.fields).toMatchObject({ Name: 'Acme', Industry: 'Oil', Phone: '555-0199' });
  });

  it('ends a deleted record’s history with its deletion', async () => {
    const kinds = (await browser.history(org, A3, 'Account')).versions.map((v) => [v.kind, v.fields, v.changes]);
    expect(kinds).toEqual([
      ['live', expect.objectContaining({ Name: 'Initech' }), expect.any(Array)],
      ['tombstone', null, []],
    ]);
    const globex = (await browser.history(org, A2)).versions;
    expect(globex.map((v) => v.kind)).toEqual(['live', 'deleted']);
    expect(globex[1]!.changes).toEqual([]);
  });

  it('answers an id of the wrong object, or of no backed-up record, with NOT_FOUND saying which', async () => {
    const wrong = await browser.history(org, A1, 'Contact').catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(OrgVaultError);
    expect(wrong).toMatchObject({ code: 'NOT_FOUND', message: `Record ${A1} is stored as Account, not Contact` });
    const otherOrg = await fx.newOrg();
    await expect(browser.history(otherOrg, A1)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('No backup') });
    await expect(browser.history(org, '001000000000009AAA')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists records deleted in a window per object, newest first, with the parent a cascade took them with', async () => {
    const all = await browser.deleted({ orgId: org, since: new Date(T2), until: new Date('2026-12-01T00:00:00Z'), limit: 100 });
    expect(all).toEqual([
      {
        object: 'Account',
        truncated: false,
        records: [
          { id: A3, label: 'Initech', deletedAt: new Date(T4), parent: null },
          { id: A2, label: 'Globex', deletedAt: new Date(T3), parent: null },
        ],
      },
      {
        object: 'Contact',
        truncated: false,
        records: [{ id: C1, label: 'Ng', deletedAt: new Date(T3), parent: { object: 'Account', id: A2, field: 'AccountId' } }],
      },
    ]);
    const window = await browser.deleted({ orgId: org, since: new Date(T4), until: new Date(T4), objects: ['Account'], limit: 100 });
    expect(window.map((o) => o.records.map((r) => r.id))).toEqual([[A3]]);
    const capped = await browser.deleted({ orgId: org, since: new Date(T1), until: new Date(T4), objects: ['Account'], limit: 1 });
    expect(capped).toMatchObject([{ object: 'Account', truncated: true, records: [{ id: A3 }] }]);
  });

  it('leaves out records that came back after their deletion', async () => {
    await fx.store.putCsvPage({
      orgId: org,
      object: 'Contact',
      source: 'bulk',
      jobId: fullJob,
      csv: csv(CONTACT, [[C1, 'Ng', A2, '2026-11-05T10:00:00.000Z', 'false']]),
      columns,
    });
    const now = await browser.deleted({
      orgId: org,
      since: new Date(T1),
      until: new Date('2026-12-01T00:00:00Z'),
      objects: ['Contact'],
      limit: 10,
    });
    expect(now).toEqual([]);
    await expect(browser.deleted({ orgId: org, since: new Date(T4), until: new Date(T1), limit: 10 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
