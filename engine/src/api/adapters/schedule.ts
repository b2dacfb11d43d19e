import { Duration } from 'luxon';
import type { Org } from '../../orgs/registry.js';
import type { PermissionCheckService, ScheduleService, TenantSettingsService } from '../services.js';
import type { BackupSettingsIn, PermissionCheckSettingsIn, PermissionReportOut } from '../schemas.js';
import { OrgVaultError } from '../../errors.js';
import type { ScheduleServices } from '../../schedule/index.js';
import { maxJobsPerDay } from '../../schedule/subscriptions.js';
import { firstCheckAt, type PermissionCheckSettings, type StoredPermissionReport } from '../../schedule/permission-check/service.js';

/**
 * The schedule's services (schedule/) in the shapes the API's routes ask for (../services.ts); the API
 * has already resolved `org` within the caller's tenant.
 */
export function scheduleApiServices(s: ScheduleServices): {
  schedule: ScheduleService;
  permissionChecks: PermissionCheckService;
  tenantSettings: TenantSettingsService;
} {
  const nextBackupAt = async (org: Org): Promise<Date | null> => (await s.scheduler.nextBackupAt(org.id)).nextBackupAt;
  const backupSettingsOut = async (org: Org, settings: Awaited<ReturnType<typeof s.backupSettings.get>>) => {
    const { orgId: _orgId, ...rest } = settings;
    const sub = await s.subscriptions.get(org.tenantId);
    return { ...rest, maxJobsPerDay: maxJobsPerDay(sub), nextBackupAt: await nextBackupAt(org) };
  };
  const checkSettingsOut = async (org: Org, settings: PermissionCheckSettings) => ({
    enabled: settings.enabled,
    startAt: firstCheckAt(org, settings),
    ...intervalOf(settings.every),
    nextRunAt: await s.permissionChecks.nextCheckAt(org.id),
  });
  return {
    schedule: {
      nextBackupAt,
      getBackupSettings: async (org) => backupSettingsOut(org, await s.backupSettings.get(org.id)),
      putBackupSettings: async (org, settings: BackupSettingsIn) => backupSettingsOut(org, await s.backupSettings.put(org.id, settings)),
    },
    permissionChecks: {
      getSettings: async (org) => checkSettingsOut(org, await s.permissionChecks.getSettings(org.id)),
      putSettings: async (org, settings: PermissionCheckSettingsIn) => {
        const every = `P${settings.intervalCount}${{ day: 'D', week: 'W', month: 'M' }[settings.intervalUnit]}`;
        return checkSettingsOut(
          org,
          await s.permissionChecks.putSettings(org.id, { enabled: settings.enabled, startAt: settings.startAt, every }),
        );
      },
      run: async (org) => {
        const r = await s.permissionChecks.runNow(org.id);
        return { id: r.id, status: r.status, requestedAt: r.startedAt, finishedAt: r.finishedAt };
      },
      latestReport: async (org) => {
        const r = await s.permissionChecks.latest(org.id, { succeeded: true });
        return r ? reportOut(r) : null;
      },
    },
    tenantSettings: {
      adminEmails: (tenantId) => s.adminEmails.list(tenantId),
      putAdminEmails: (tenantId, emails) => s.adminEmails.put(tenantId, emails),
      subscription: async (tenantId) => {
        const { tenantId: _tenantId, ...out } = await s.subscriptions.status(tenantId);
        return out;
      },
    },
  };
}

/** The API speaks of N days, weeks or months; the schedule stores an ISO-8601 duration. */
export function intervalOf(every: string): { intervalUnit: 'day' | 'week' | 'month'; intervalCount: number } {
  const d = Duration.fromISO(every);
  if (d.months && !d.days && !d.weeks) return { intervalUnit: 'month', intervalCount: d.months };
  if (d.weeks && !d.days) return { intervalUnit: 'week', intervalCount: d.weeks };
  if (d.days && !d.months && !d.weeks) return { intervalUnit: 'day', intervalCount: d.days };
  throw new OrgVaultError('INTERNAL', `Stored permission-check interval ${every} has no day, week or month form`);
}

function reportOut(r: StoredPermissionReport): PermissionReportOut {
  const report = r.report!;
  return {
    id: r.id,
    orgId: r.orgId,
    ranAt: r.startedAt,
    summary: report.summary,
    fieldPermissions: report.fieldPermissions,
    objectPermissions: report.objectPermissions,
    userPermissions: report.userPermissions.map(({ permission, ...p }) => ({ name: permission, ...p })),
  };
}
