/**
 * The schedule's own work in the audit trail: each scheduled backup start it decides (started,
 * skipped, failed to start) and each scheduled permission check is exactly one entry in the org's
 * tenant's trail, actor and source "schedule", with the outcome of what happened; a start another
 * process already decided adds none.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createTestDb, type TestDb } from '../../../test/support/db.js';
import { insertTenantAndOrg } from '../../../test/support/fixtures.js';
import { OrgVaultError } from '../../src/errors.js';
import { markCycleFullComplete, getJob, setJobStatus } from '../../src/backup/jobs.js';
import { backupJobsLauncher } from '../../src/schedule/backup-jobs.js';
import { AuditService, type AuditEntry } from '../../src/audit/index.js';
import type { ScheduleServices } from '../../src/schedule/index.js';
import type { PermissionReader } from '../../src/schedule/ports.js';
import { FakeClock, dropBossSchema, fullAccessSnapshot, scheduleFor, silentLog } from './support.js';

// In the real future: nothing this suite queues comes due in pg-boss; it calls the decisions itself.
const T0 = '2031-03-10T12:00:00.000Z';
const HOUR = 3600_000;

describe("the schedule's own actions in the audit trail", () => {
  let db: TestDb;
  let s: ScheduleServices;
  let other: ScheduleServices;
  let audit: AuditService;
  const clock = new FakeClock(new Date(T0));
  let reader: PermissionReader = { readIntegrationUserPermissions: async () => fullAccessSnapshot };

  beforeAll(async () => {
    db = await createTestDb();
    audit = new AuditService(db.pool, silentLog);
    const permissions = { readIntegrationUserPermissions: (orgId: string) => reader.readIntegrationUserPermissions(orgId) };
    s = await scheduleFor(db, clock, { audit, permissions });
    // A second engine process over the same database.
    other = await scheduleFor(db, clock, { audit, permissions });
  });
  afterAll(async () => {
    await other.stop();
    await s.stop();
    await dropBossSchema(db);
    await db.drop();
  });

  async function org() {
    const f = await insertTenantAndOrg(db.pool);
    await db.pool.query('UPDATE orgs SET connected_at = $2 WHERE id = $1', [f.orgId, new Date(Date.parse(T0) - 30 * 24 * HOUR)]);
    await s.subscriptions.put(f.tenantId, { type: 'enterprise', seats: null, expiresAt: null });
    return f;
  }
  const trail = async (tenantId: string, action: AuditEntry['action']) =>
    (await audit.list({ tenantId, action }, { limit: 100 })).entries.map((e) => ({
      actor: e.actor,
      source: e.source,
      orgId: e.orgId,
      outcome: e.outcome,
      code: e.code,
      target: e.target,
    }));
  const bySchedule = { actor: 'schedule', source: 'schedule' };

  it('a started backup is one entry naming its job, though two processes ran the start', async () => {
    const { tenantId, orgId } = await org();
    const slot = new Date('2031-03-11T00:00:00Z');
    clock.set(new Date(slot.getTime() + 1000));
    const [a, b] = await Promise.all([s.scheduler.runBackupSlot(orgId, slot), other.scheduler.runBackupSlot(orgId, slot)]);
    const started = [a, b].find((o) => o.outcome === 'started') as { jobId: string };
    expect([a, b].map((o) => o.outcome).sort()).toEqual(['dropped', 'started']);
    expect(await trail(tenantId, 'backup.run')).toEqual([
      { ...bySchedule, orgId, outcome: 'succeeded', code: null, target: started.jobId },
    ]);
  });

  it('a skipped start is one refused entry with its code (a missed start, a job still running)', async () => {
    const { tenantId, orgId } = await org();
    const missed = new Date('2031-03-11T00:00:00Z');
    clock.set(new Date(missed.getTime() + 2 * HOUR));
    expect(await s.scheduler.runBackupSlot(orgId, missed)).toMatchObject({ outcome: 'skipped', code: 'MISSED' });

    // The cycle's full backup is done and an incremental one runs when the next start comes.
    const slot = new Date('2031-03-12T00:00:00Z');
    const full = await backupJobsLauncher(db.pool).start(orgId, { trigger: 'on_demand', now: new Date(slot.getTime() - 5 * HOUR) });
    await setJobStatus(db.pool, orgId, full.jobId, 'succeeded', { at: new Date(slot.getTime() - 4 * HOUR) });
    await markCycleFullComplete(db.pool, orgId, (await getJob(db.pool, orgId, full.jobId)).cycleId, new Date(slot.getTime() - 4 * HOUR));
    const running = await backupJobsLauncher(db.pool).start(orgId, { trigger: 'on_demand', now: new Date(slot.getTime() - 3 * HOUR) });
    await setJobStatus(db.pool, orgId, running.jobId, 'running', { at: new Date(slot.getTime() - 3 * HOUR) });
    clock.set(slot);
    expect(await s.scheduler.runBackupSlot(orgId, slot)).toMatchObject({ outcome: 'skipped', code: 'JOB_RUNNING' });

    const entries = await trail(tenantId, 'backup.run');
    expect(entries.map((e) => [e.actor, e.source, e.orgId, e.outcome, e.code, e.target])).toEqual([
      ['schedule', 'schedule', orgId, 'refused', 'JOB_RUNNING', null],
      ['schedule', 'schedule', orgId, 'refused', 'MISSED', null],
    ]);
  });

  it('a scheduled permission check is one entry naming its report, succeeded or failed with its code', async () => {
    const { tenantId, orgId } = await org();
    await db.pool.query(`UPDATE orgs SET connected_at = '2031-02-01T00:00:00Z' WHERE id = $1`, [orgId]);
    const first = new Date('2031-03-01T00:00:00Z');
    clock.set(new Date(first.getTime() + 5000));
    await Promise.all([s.scheduler.runPermissionCheckSlot(orgId, first), other.scheduler.runPermissionCheckSlot(orgId, first)]);
    const ok = (await s.permissionChecks.latest(orgId))!;

    reader = {
      readIntegrationUserPermissions: async () => {
        throw new OrgVaultError('ORG_API_ERROR', 'Salesforce did not answer');
      },
    };
    const second = new Date('2031-04-01T00:00:00Z');
    clock.set(new Date(second.getTime() + 5000));
    await s.scheduler.runPermissionCheckSlot(orgId, second);
    const failed = (await s.permissionChecks.latest(orgId))!;
    expect([ok.status, failed.status]).toEqual(['succeeded', 'failed']);

    expect(await trail(tenantId, 'permission-check.run')).toEqual([
      { ...bySchedule, orgId, outcome: 'failed', code: 'ORG_API_ERROR', target: failed.id },
      { ...bySchedule, orgId, outcome: 'succeeded', code: null, target: ok.id },
    ]);
    expect((await audit.verify(tenantId)).ok).toBe(true);
  });
});
