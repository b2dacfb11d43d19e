import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createTestDb, type TestDb } from '../../../test/support/db.js';
import { insertTenantAndOrg } from '../../../test/support/fixtures.js';
import { OrgVaultError } from '../../src/errors.js';
import type { ScheduleServices } from '../../src/schedule/index.js';
import type { PermissionReader, PermissionSnapshot } from '../../src/schedule/ports.js';
import { createSmtpMailer } from '../../src/schedule/permission-check/mail.js';
import { FakeClock, dropBossSchema, scheduleFor } from './support.js';
import { startSmtpServer, type ReceivedMail } from './smtp.js';

const T0 = '2031-05-20T09:00:00.000Z';

// What the salesforce layer would report: Account.Industry without Read, Invoice__c without
// object Read, Query All Files not granted.
const snapshot: PermissionSnapshot = {
  user: { id: '005000000000001AAA', username: 'integration@acme.example' },
  objects: [
    { name: 'Account', read: true },
    { name: 'Contact', read: true },
    { name: 'Invoice__c', read: false },
  ],
  fields: [
    { object: 'Account', field: 'Industry', read: false },
    { object: 'Account', field: 'Phone', read: true },
    { object: 'Contact', field: 'Email', read: true },
    { object: 'Invoice__c', field: 'Amount__c', read: true },
  ],
  userPermissions: { ApiEnabled: true, ViewAllData: true, QueryAllFiles: false, ModifyAllData: true, ViewSetup: true, ViewAllUsers: true },
};

describe('permission check of the integration user', () => {
  let db: TestDb;
  let s: ScheduleServices;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const clock = new FakeClock(new Date(T0));
  let reader: PermissionReader = { readIntegrationUserPermissions: async () => snapshot };

  beforeAll(async () => {
    db = await createTestDb();
    smtp = await startSmtpServer();
    s = await scheduleFor(db, clock, {
      permissions: { readIntegrationUserPermissions: (orgId) => reader.readIntegrationUserPermissions(orgId) },
      mailer: createSmtpMailer(smtp.url, 'OrgVault <orgvault@test.local>'),
    });
  });
  afterAll(async () => {
    await s.stop();
    await smtp.stop();
    await dropBossSchema(db);
    await db.drop();
  });

  it('on demand: stores the three lists, marks the unprotected, and mails the administrators', async () => {
    const { tenantId, orgId } = await insertTenantAndOrg(db.pool);
    expect(await s.adminEmails.put(tenantId, ['Admin@Acme.example', 'second@acme.example'])).toEqual([
      'admin@acme.example',
      'second@acme.example',
    ]);
    const stored = await s.permissionChecks.runNow(orgId);
    expect(stored).toMatchObject({ trigger: 'on_demand', status: 'succeeded', mailStatus: 'sent', error: null });
    const report = stored.report!;
    expect(report.summary).toEqual({ objects: 3, unprotectedObjects: 1, fields: 4, unprotectedFields: 2, missingUserPermissions: 2 });
    expect(report.fieldPermissions.filter((f) => f.status === 'unprotected')).toEqual([
      { field: 'Industry', object: 'Account', read: false, status: 'unprotected' },
      // Read on the field, but not on its object: nothing of it is backed up.
      { field: 'Amount__c', object: 'Invoice__c', read: true, status: 'unprotected' },
    ]);
    expect(report.objectPermissions).toContainEqual({ object: 'Invoice__c', read: false, status: 'unprotected' });
    expect(report.userPermissions.map((p) => [p.permission, p.granted])).toEqual([
      ['ApiEnabled', true],
      ['ViewAllData', true],
      ['QueryAllFiles', false],
      ['ModifyAllData', true],
      ['ViewSetup', true],
      ['ViewAllUsers', true],
      ['CustomizeApplication', false],
    ]);
    expect(report.userPermissions.every((p) => p.usedFor.length > 0 && p.neededFor.length > 0)).toBe(true);

    expect(await s.permissionChecks.latest(orgId)).toEqual(stored);
    const mail = smtp.received.at(-1) as ReceivedMail;
    expect(mail.to.sort()).toEqual(['admin@acme.example', 'second@acme.example']);
    expect(mail.from).toBe('orgvault@test.local');
    expect(mail.subject).toBe('OrgVault permission check for Test Org: 1 objects and 2 fields unprotected, 2 permissions missing');
    expect(mail.body).toContain('Industry on Account');
    expect(mail.body).toContain('MISSING  Query All Files (QueryAllFiles) — Read every file');
    expect(mail.body).toContain('Invoice__c');
  });

  it('mail status says when nobody could be told; a failing check is stored as failed', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool);
    expect((await s.permissionChecks.runNow(orgId)).mailStatus).toBe('no_recipients');

    reader = {
      readIntegrationUserPermissions: async () => {
        throw new OrgVaultError('ORG_AUTH_FAILED', 'The org refused the refresh token', { actions: ['Reconnect the org.'] });
      },
    };
    try {
      clock.set(new Date(Date.parse(T0) + 60_000));
      const failed = await s.permissionChecks.runNow(orgId);
      expect(failed).toMatchObject({ status: 'failed', report: null, error: 'The org refused the refresh token — Reconnect the org.' });
      // The latest report is the failed run: the page shows that the check could not run.
      expect((await s.permissionChecks.latest(orgId))!.id).toBe(failed.id);
    } finally {
      reader = { readIntegrationUserPermissions: async () => snapshot };
    }
  });

  it('settings: default start is the connection, every month; validated; disabling stops the schedule', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool, { timeZone: 'Europe/Berlin' });
    await db.pool.query(`UPDATE orgs SET connected_at = '2031-01-31T09:00:00Z' WHERE id = $1`, [orgId]);
    expect(await s.permissionChecks.getSettings(orgId)).toEqual({ orgId, enabled: true, startAt: null, every: 'P1M' });
    expect((await s.permissionChecks.nextCheckAt(orgId))?.toISOString()).toBe('2031-05-31T08:00:00.000Z');
    await s.permissionChecks.putSettings(orgId, { every: 'P7D', startAt: '2031-05-21T06:00:00Z' });
    expect((await s.permissionChecks.nextCheckAt(orgId))?.toISOString()).toBe('2031-05-21T06:00:00.000Z');
    for (const bad of [{ every: 'PT1H' }, { every: 'sometimes' }, { startAt: 'soon' }, { enabled: 'yes' }]) {
      await expect(s.permissionChecks.putSettings(orgId, bad)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    await s.permissionChecks.putSettings(orgId, { enabled: false });
    expect(await s.permissionChecks.nextCheckAt(orgId)).toBeNull();
  });

  it('a scheduled check runs once per start, whichever process gets it', async () => {
    const { tenantId, orgId } = await insertTenantAndOrg(db.pool);
    await s.adminEmails.put(tenantId, ['ops@acme.example']);
    await db.pool.query(`UPDATE orgs SET connected_at = '2031-05-01T00:00:00Z' WHERE id = $1`, [orgId]);
    const other = await scheduleFor(db, clock, { permissions: { readIntegrationUserPermissions: async () => snapshot } });
    const before = smtp.received.length;
    try {
      clock.set('2031-06-01T00:00:05Z');
      const slot = new Date('2031-06-01T00:00:00Z');
      await Promise.all([s.scheduler.runPermissionCheckSlot(orgId, slot), other.scheduler.runPermissionCheckSlot(orgId, slot)]);
    } finally {
      await other.stop();
    }
    const { rows } = await db.pool.query(`SELECT trigger, slot_at, status FROM permission_reports WHERE org_id = $1`, [orgId]);
    expect(rows).toEqual([{ trigger: 'scheduled', slot_at: new Date('2031-06-01T00:00:00Z'), status: 'succeeded' }]);
    expect(smtp.received.length).toBe(before + 1);
  });
});
