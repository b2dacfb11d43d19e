/**
 * Test doubles for the services other domains own and that are not on main yet (see
 * engine/src/api/services.ts). They hold just enough behaviour to exercise the API's side of
 * each contract — validation, scoping, error pass-through, shapes — and are replaced by the real
 * services in these suites as those land. They are never wired into the engine.
 */
import { randomUUID } from 'node:crypto';
import { OrgVaultError, type ErrorCode } from '../../src/errors.js';
import type { Org, OrgRegistry } from '../../src/orgs/registry.js';
import type { Pool } from '../../src/infra/db.js';
import { markCycleFullComplete, setJobStatus, type Job } from '../../src/backup/jobs.js';
import { BackupJobsAdapter, type BackupJobsWiring } from '../../src/api/adapters/backup-jobs.js';
import type { CdpService, ObjectScopeService, OrgConnectService, PermissionCheckService, ScheduleService } from '../../src/api/services.js';
import type { BackupSettingsOut, PermissionCheckSettingsOut, PermissionReportOut, RecoveryPointOut } from '../../src/api/schemas.js';

export const DESCRIBE: Record<string, string[]> = {
  Account: ['Id', 'Name', 'Industry', 'AnnualRevenue'],
  Contact: ['Id', 'FirstName', 'LastName', 'Email', 'AccountId'],
  Opportunity: ['Id', 'Name', 'Amount', 'StageName'],
  Case: ['Id', 'Subject', 'Status'],
  Invoice__c: ['Id', 'Name', 'Total__c'],
};

export class ScopeDouble implements ObjectScopeService {
  async listObjects(_org: Org) {
    return Object.keys(DESCRIBE).map((name) => ({
      name,
      label: name.replace(/__c$/, ''),
      custom: name.endsWith('__c'),
      inScope: name !== 'Case',
      reason: name === 'Case' ? 'Excluded by the backup settings' : null,
    }));
  }
  async assertKnown(_org: Org, names: { objects?: string[]; fields?: string[] }) {
    const unknown = [
      ...(names.objects ?? []).filter((o) => !DESCRIBE[o]),
      ...(names.fields ?? []).filter((f) => {
        const [o, field] = f.split('.');
        return !DESCRIBE[o!]?.includes(field!);
      }),
    ];
    if (unknown.length) throw new OrgVaultError('VALIDATION_FAILED', `Not in the org: ${unknown.join(', ')}`, { details: { unknown } });
  }
}

/**
 * Stands in for the backup runner (not on main yet): records the jobs it is handed and moves
 * them through backup/jobs.ts's own status functions, as the runner will. The catalog and its
 * rules (JOB_RUNNING, FULL_BACKUP_REQUIRED) are the real ones.
 */
export class RunnerDouble {
  readonly launched: Job[] = [];
  /** Admission refusal for the next start (subscription, seats, storage rules not on main yet). */
  refuse: { code: ErrorCode; message?: string; actions?: string[] } | null = null;

  constructor(private readonly pool: Pool) {}

  wiring(): BackupJobsWiring {
    return {
      launch: async (job) => {
        this.launched.push(job);
      },
      admit: async () => {
        if (this.refuse) throw new OrgVaultError(this.refuse.code, this.refuse.message, { actions: this.refuse.actions });
      },
    };
  }

  async run(job: Job): Promise<void> {
    await setJobStatus(this.pool, job.orgId, job.id, 'running');
  }

  async finish(job: Job, status: 'succeeded' | 'failed' = 'succeeded'): Promise<void> {
    await setJobStatus(this.pool, job.orgId, job.id, status);
    if (status === 'succeeded' && job.kind === 'full') await markCycleFullComplete(this.pool, job.orgId, job.cycleId);
  }
}

export class ScheduleDouble implements ScheduleService {
  readonly settings = new Map<string, BackupSettingsOut>();
  async nextBackupAt(_org: Org) {
    return new Date('2030-01-02T23:00:00Z');
  }
  async getBackupSettings(org: Org) {
    return (
      this.settings.get(org.id) ?? {
        enabled: true,
        includeFeedAndShare: false,
        excludedObjects: [],
        excludedFields: [],
        jobsPerDay: 1,
        startTime: null,
        maxJobsPerDay: 4,
        nextBackupAt: await this.nextBackupAt(org),
      }
    );
  }
  async putBackupSettings(org: Org, s: Omit<BackupSettingsOut, 'maxJobsPerDay' | 'nextBackupAt'>) {
    if (s.jobsPerDay > 4) throw new OrgVaultError('VALIDATION_FAILED', 'The subscription allows at most 4 jobs a day');
    const out = { ...s, maxJobsPerDay: 4, nextBackupAt: await this.nextBackupAt(org) };
    this.settings.set(org.id, out);
    return out;
  }
}

export class PermissionChecksDouble implements PermissionCheckService {
  readonly settings = new Map<string, PermissionCheckSettingsOut>();
  readonly reports = new Map<string, PermissionReportOut>();
  async getSettings(org: Org) {
    return (
      this.settings.get(org.id) ?? {
        enabled: true,
        startAt: org.connectedAt,
        intervalUnit: 'month' as const,
        intervalCount: 1,
        nextRunAt: null,
      }
    );
  }
  async putSettings(org: Org, s: Omit<PermissionCheckSettingsOut, 'nextRunAt'>) {
    const out = { ...s, nextRunAt: s.enabled ? s.startAt : null };
    this.settings.set(org.id, out);
    return out;
  }
  async run(org: Org) {
    const id = randomUUID();
    this.reports.set(org.id, {
      id,
      orgId: org.id,
      ranAt: new Date(),
      fieldPermissions: [{ object: 'Account', field: 'AnnualRevenue', read: false }],
      objectPermissions: [{ object: 'Account', read: true }],
      userPermissions: [{ name: 'ViewAllData', label: 'View All Data', granted: true, usedFor: 'Reading every record' }],
    });
    return { id, status: 'queued' as const, requestedAt: new Date(), finishedAt: null };
  }
  async latestReport(org: Org) {
    return this.reports.get(org.id) ?? null;
  }
}

export class CdpDouble implements CdpService {
  readonly points: RecoveryPointOut[] = [];
  async enabled(_org: Org) {
    return true;
  }
  async createRecoveryPoint(org: Org, r: { objects: string[]; at: Date; by: string | null }) {
    const p: RecoveryPointOut = {
      id: randomUUID(),
      orgId: org.id,
      objects: r.objects,
      at: r.at,
      status: 'pending',
      requestedBy: r.by,
      createdAt: new Date(),
    };
    this.points.push(p);
    return p;
  }
}

/** Connects by access token only; the token's org id prefix names the org ("00D…!x"). */
export class ConnectDouble implements OrgConnectService {
  constructor(private readonly orgs: OrgRegistry) {}
  async connect(tenantId: string, c: Parameters<OrgConnectService['connect']>[1]) {
    if (c.method !== 'access_token' || !c.accessToken.includes('!'))
      throw new OrgVaultError('ORG_AUTH_FAILED', 'The org refused the token');
    const sfOrgId = c.accessToken.split('!')[0]!;
    return this.orgs.register(tenantId, {
      sfOrgId,
      name: `Org ${sfOrgId}`,
      instanceUrl: c.instanceUrl,
      isSandbox: false,
      timeZone: 'UTC',
    });
  }
}

export interface Doubles {
  scope: ScopeDouble;
  runner: RunnerDouble;
  jobs: BackupJobsAdapter;
  schedule: ScheduleDouble;
  permissionChecks: PermissionChecksDouble;
  cdp: CdpDouble;
  connect: ConnectDouble;
}

/** Fresh doubles, with the real job catalog over the suite's database. */
export function doubles(own: { pool: Pool; orgs: OrgRegistry }): Doubles {
  const runner = new RunnerDouble(own.pool);
  return {
    scope: new ScopeDouble(),
    runner,
    jobs: new BackupJobsAdapter(own.pool, runner.wiring()),
    schedule: new ScheduleDouble(),
    permissionChecks: new PermissionChecksDouble(),
    cdp: new CdpDouble(),
    connect: new ConnectDouble(own.orgs),
  };
}
