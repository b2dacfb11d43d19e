import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { OrgConnection } from '../../../src/salesforce/connection.js';
import { saveCollection } from '../../../src/salesforce/collections.js';
import { queryRecords } from '../../../src/salesforce/rest-query.js';
import { startTestOrg, type TestOrg } from './org.js';

describe('writing through sObject collections (emulator)', () => {
  let org: TestOrg;
  let conn: OrgConnection;
  beforeAll(async () => {
    org = await startTestOrg();
    conn = await org.connect();
  });
  afterAll(async () => {
    await org.stop();
  });

  it('creates, updates and deletes in calls of 200 with one result per record, failures standing alone', async () => {
    const records = Array.from({ length: 450 }, (_, i) => ({ Name: `Restored ${i}` }));
    records[7] = { Name: null } as unknown as { Name: string }; // Name is required: this one fails
    const before = conn.budget.callsMade;
    const created = await saveCollection(conn, 'create', 'Account', records);
    expect(conn.budget.callsMade - before).toBe(3);
    expect(created).toHaveLength(450);
    expect(created[7]!.success).toBe(false);
    expect(created[7]!.errors[0]!.statusCode).toBe('REQUIRED_FIELD_MISSING');
    expect(created.filter((r) => r.success)).toHaveLength(449);
    const ids = created.filter((r) => r.success).map((r) => r.id!);
    const updated = await saveCollection(
      conn,
      'update',
      'Account',
      ids.map((Id) => ({ Id, Phone: '+49 30 1234' })),
    );
    expect(updated.every((r) => r.success)).toBe(true);
    const rows = await queryRecords<{ Phone: string }>(conn, `SELECT Phone FROM Account WHERE Name LIKE 'Restored %'`);
    expect(rows.every((r) => r.Phone === '+49 30 1234')).toBe(true);
    const deleted = await saveCollection(conn, 'delete', 'Account', [...ids, '001000000000000AAA']);
    expect(deleted.slice(0, ids.length).every((r) => r.success)).toBe(true);
    expect(deleted[ids.length]!.success).toBe(false);
  });

  it('upserts by external id: new keys create, known keys update', async () => {
    const rows = [
      { Name: 'Upsert 1', External_Id__c: 'ext-1' },
      { Name: 'Upsert 2', External_Id__c: 'ext-2' },
    ];
    const first = await saveCollection(conn, 'upsert', 'Project__c', rows, { externalIdField: 'External_Id__c' });
    expect(first.map((r) => [r.success, r.created])).toEqual([
      [true, true],
      [true, true],
    ]);
    const second = await saveCollection(conn, 'upsert', 'Project__c', [{ Name: 'Upsert 1 again', External_Id__c: 'ext-1' }], {
      externalIdField: 'External_Id__c',
    });
    expect(second[0]).toMatchObject({ success: true, created: false, id: first[0]!.id });
    const [row] = await queryRecords<{ Name: string }>(conn, `SELECT Name FROM Project__c WHERE External_Id__c = 'ext-1'`);
    expect(row!.Name).toBe('Upsert 1 again');
  });
});
