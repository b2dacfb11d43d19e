import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from '../server.js';
import { executeSoql } from '../soql/execute.js';

describe('the running user’s permissions', () => {
  let emu: EmulatorHandle;
  let standardUser = '';

  beforeAll(async () => {
    emu = await startEmulator({ records: 4000, seed: 8 });
    const users = executeSoql(emu.org, "SELECT Id FROM User WHERE Profile.Name = 'Standard User' AND IsActive = true LIMIT 1");
    standardUser = emu.org.table('User').idOf(users.rows[0]!);
  });
  afterAll(async () => {
    await emu.stop();
  });

  const query = async (token: string, soql: string) => {
    const res = await fetch(`${emu.instanceUrl}/services/data/v62.0/query?q=${encodeURIComponent(soql)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    return (await res.json()) as { totalSize: number; records: Array<Record<string, unknown>> };
  };

  it('answers UserPermissionAccess for whoever runs the query', async () => {
    const admin = await query(emu.accessToken, 'SELECT PermissionsViewAllData, PermissionsQueryAllFiles FROM UserPermissionAccess');
    expect(admin.records[0]).toMatchObject({ PermissionsViewAllData: true, PermissionsQueryAllFiles: true });
    const token = emu.org.sessions.issueAccessToken(standardUser);
    const std = await query(token, 'SELECT PermissionsApiEnabled, PermissionsViewAllData FROM UserPermissionAccess');
    expect(std.records[0]).toMatchObject({ PermissionsApiEnabled: true, PermissionsViewAllData: false });
  });

  it('shows files only to their owners and the users they are shared with, unless Query All Files', async () => {
    const token = emu.org.sessions.issueAccessToken(standardUser);
    const all = (await query(emu.accessToken, 'SELECT Id FROM ContentDocument')).totalSize;
    const own = executeSoql(emu.org, `SELECT Id FROM ContentDocument WHERE OwnerId = '${standardUser}'`).totalSize;
    expect((await query(token, 'SELECT Id FROM ContentDocument')).totalSize).toBe(own);
    expect(own).toBeLessThan(all);
    const versions = await query(token, 'SELECT Id, ContentDocument.OwnerId FROM ContentVersion');
    expect(versions.records.every((r) => (r.ContentDocument as { OwnerId: string }).OwnerId === standardUser)).toBe(true);
  });
});
