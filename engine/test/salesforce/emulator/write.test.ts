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
});
