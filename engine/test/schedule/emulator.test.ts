import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import jsforce from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../../../test/emulator/server.js';
import { createTestDb, type TestDb } from '../../../test/support/db.js';
import { insertTenantAndOrg } from '../../../test/support/fixtures.js';
import { openConnection } from '../../src/salesforce/connection.js';
import { salesforceOrgReaders } from '../../src/schedule/org-readers.js';
import { createSmtpMailer } from '../../src/schedule/permission-check/mail.js';
import { createSchedule, type ScheduleServices } from '../../src/schedule/index.js';
import { FakeClock, dropBossSchema, silentLog } from './support.js';
import { startSmtpServer } from './smtp.js';
import { EMULATOR_ORIGINS } from '../../../test/support/origins.js';

// The permission check and the seat count against the org emulator, through the salesforce layer;
// the org is changed the way an admin would, with jsforce.
describe('permission check and seats against the org emulator', () => {
  let emu: EmulatorHandle;
  let db: TestDb;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let s: ScheduleServices;
  let admin: jsforce.Connection;
  let tenantId: string;
  let orgId: string;
  const clock = new FakeClock(new Date('2031-02-01T10:00:00Z'));

  beforeAll(async () => {
    emu = await startEmulator({ records: 60 });
    db = await createTestDb();
    smtp = await startSmtpServer();
    ({ tenantId, orgId } = await insertTenantAndOrg(db.pool, { sfOrgId: emu.orgId }));
    const readers = salesforceOrgReaders(() =>
      openConnection({ kind: 'accessToken', accessToken: emu.accessToken, instanceUrl: emu.instanceUrl }, { origins: EMULATOR_ORIGINS }),
    );
    s = await createSchedule({
      pool: db.pool,
      databaseUrl: db.url,
      databaseSchema: db.schema,
      log: silentLog,
      mailFrom: 'OrgVault <orgvault@test.local>',
      users: readers,
      permissions: readers,
      clock,
      mailer: createSmtpMailer(smtp.url, 'OrgVault <orgvault@test.local>'),
      subscriptionLimits: true, // the seat count is a subscription limit
    });
    await s.adminEmails.put(tenantId, ['admin@acme.example']);
    admin = new jsforce.Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.accessToken, version: '62.0' });
  });
  afterAll(async () => {
    await s.stop();
    await smtp.stop();
    await dropBossSchema(db);
    await db.drop();
    await emu.stop();
  });

  /** The permission sets assigned to the integration user (its profile's own included). */
  async function integrationUserSets(): Promise<string[]> {
    const res = await admin.query<{ PermissionSetId: string }>(
      `SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = '${emu.userId}'`,
    );
    return res.records.map((r) => r.PermissionSetId);
  }

  it('a full-access integration user: everything protected, every needed permission granted', async () => {
    const stored = await s.permissionChecks.runNow(orgId);
    expect(stored.status).toBe('succeeded');
    const report = stored.report!;
    expect(report.user.id).toBe(emu.userId);
    expect(report.summary.objects).toBeGreaterThan(5);
    expect(report.summary.fields).toBeGreaterThan(20);
    expect(report.fieldPermissions).toContainEqual({ field: 'Industry', object: 'Account', read: true, status: 'protected' });
    expect(report.summary).toMatchObject({ unprotectedObjects: 0, unprotectedFields: 0, missingUserPermissions: 0 });
  });

  it('finds a field without Read and a removed system permission, in the stored report and in the mail', async () => {
    const sets = await integrationUserSets();
    const inList = sets.map((id) => `'${id}'`).join(', ');
    const industry = await admin.query<{ Id: string }>(
      `SELECT Id FROM FieldPermissions WHERE ParentId IN (${inList}) AND Field = 'Account.Industry'`,
    );
    expect(industry.records.length).toBeGreaterThan(0);
    for (const r of industry.records) expect((await admin.sobject('FieldPermissions').destroy(r.Id)).success).toBe(true);
    for (const id of sets)
      expect((await admin.sobject('PermissionSet').update({ Id: id, PermissionsQueryAllFiles: false })).success).toBe(true);

    clock.set('2031-02-01T11:00:00Z');
    const mailsBefore = smtp.received.length;
    const stored = await s.permissionChecks.runNow(orgId);
    expect(stored).toMatchObject({ status: 'succeeded', mailStatus: 'sent' });
    const report = (await s.permissionChecks.latest(orgId))!.report!;
    expect(report.fieldPermissions.filter((f) => f.status === 'unprotected')).toEqual([
      { field: 'Industry', object: 'Account', read: false, status: 'unprotected' },
    ]);
    expect(report.userPermissions.filter((p) => !p.granted).map((p) => p.permission)).toEqual(['QueryAllFiles']);

    expect(smtp.received.length).toBe(mailsBefore + 1);
    const mail = smtp.received.at(-1)!;
    expect(mail.to).toEqual(['admin@acme.example']);
    expect(mail.subject).toMatch(/0 objects and 1 fields unprotected, 1 permissions missing/);
    expect(mail.body).toContain('Industry on Account');
    expect(mail.body).toContain('MISSING  Query All Files (QueryAllFiles)');
  });

  it('seats: active users with a Salesforce license are counted in production; a sandbox is not counted', async () => {
    const users = await admin.query<{ Id: string; Profile: { UserLicense: { LicenseDefinitionKey: string } } | null }>(
      'SELECT Id, Profile.UserLicense.LicenseDefinitionKey FROM User WHERE IsActive = true',
    );
    const licensed = users.records.filter((u) => u.Profile?.UserLicense?.LicenseDefinitionKey === 'SFDC');
    expect(licensed.length).toBeGreaterThan(1);

    await s.subscriptions.put(tenantId, { type: 'professional', seats: licensed.length - 1 });
    await expect(s.subscriptions.assertMayBackUp(orgId, clock.now())).rejects.toMatchObject({
      code: 'SEATS_EXCEEDED',
      details: { activeUsers: licensed.length, seats: licensed.length - 1 },
    });
    // Deactivating one user in the org brings it back within the seats.
    const someone = licensed.find((u) => u.Id !== emu.userId)!;
    expect((await admin.sobject('User').update({ Id: someone.Id, IsActive: false })).success).toBe(true);
    await expect(s.subscriptions.assertMayBackUp(orgId, clock.now())).resolves.toBeUndefined();

    await s.subscriptions.put(tenantId, { type: 'professional', seats: 0 });
    await db.pool.query('UPDATE orgs SET is_sandbox = true WHERE id = $1', [orgId]);
    await expect(s.subscriptions.assertMayBackUp(orgId, clock.now())).resolves.toBeUndefined();
  });
});
