/**
 * Test doubles for the services other domains own and that are not on main yet (see
 * engine/src/api/services.ts). They hold just enough behaviour to exercise the API's side of
 * each contract — validation, scoping, error pass-through, shapes — and are replaced by the real
 * services in these suites as those land. They are never wired into the engine.
 */
import { randomUUID } from 'node:crypto';
import { OrgVaultError, type ErrorCode } from '../../src/errors.js';
import type { Org, OrgRegistry } from '../../src/orgs/registry.js';
import type {
  ApiServices,
  BackupJobService,
  CdpService,
  ObjectScopeService,
  OrgConnectService,
  PermissionCheckService,
  ScheduleService,
} from '../../src/api/services.js';
import type {
  BackupSettingsOut,
  JobDetailOut,
  PermissionCheckSettingsOut,
  PermissionReportOut,
  RecoveryPointOut,
} from '../../src/api/schemas.js';

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

export class JobsDouble implements BackupJobService {
  readonly jobs: JobDetailOut[] = [];
  /** The next start() refuses with this code (rules of the schedule and subscription). */
  refuse: { code: ErrorCode; message?: string; actions?: string[] } | null = null;

  async start(org: Org, request: { objects?: string[]; by: string | null }) {
    if (this.refuse) throw new OrgVaultError(this.refuse.code, this.refuse.message, { actions: this.refuse.actions });
    const mine = this.jobs.filter((j) => j.orgId === org.id);
    if (mine.some((j) => j.status === 'running' || j.status === 'queued')) throw new OrgVaultError('JOB_RUNNING');
    if (request.objects && !mine.some((j) => j.kind === 'full' && j.status === 'succeeded'))
      throw new OrgVaultError('FULL_BACKUP_REQUIRED');
    const job: JobDetailOut = {
      id: randomUUID(),
      orgId: org.id,
      kind: mine.length ? 'incremental' : 'full',
      trigger: 'on_demand',
      status: 'running',
      objects: request.objects ?? null,
      requestedBy: request.by,
      queuedAt: new Date(),
      startedAt: new Date(),
      finishedAt: null,
      progress: { objectsTotal: 2, objectsDone: 0, records: 0, bytes: 0, apiCalls: 1, percent: 0 },
      error: null,
      objectDetails: [
        { name: 'Account', status: 'running', records: 0, bytes: 0, apiCalls: 1, startedAt: new Date(), finishedAt: null, error: null },
      ],
    };
    this.jobs.unshift(job);
    return strip(job);
  }
  /** What the runner would do: progress, then a final state. */
  advance(jobId: string, status: JobDetailOut['status'], records: number): void {
    const job = this.jobs.find((j) => j.id === jobId)!;
    job.status = status;
    job.progress = { ...job.progress, records, objectsDone: status === 'running' ? 1 : 2, percent: status === 'running' ? 50 : 100 };
    if (status !== 'running') job.finishedAt = new Date();
  }
  async list(org: Org, page: { limit: number; before?: Date }) {
    return this.jobs
      .filter((j) => j.orgId === org.id && (!page.before || j.queuedAt < page.before))
      .slice(0, page.limit)
      .map(strip);
  }
  async get(org: Org, jobId: string) {
    const job = this.jobs.find((j) => j.id === jobId && j.orgId === org.id);
    if (!job) throw new OrgVaultError('NOT_FOUND', 'No such job');
    return { ...job };
  }
  async latest(org: Org) {
    const mine = this.jobs.filter((j) => j.orgId === org.id);
    const current = mine.find((j) => j.status === 'running' || j.status === 'queued');
    const last = mine.find((j) => j.finishedAt !== null);
    return { last: last ? strip(last) : null, current: current ? strip(current) : null };
  }
}

const strip = ({ objectDetails: _d, ...job }: JobDetailOut) => job;

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
  constructor(private readonly orgs: () => OrgRegistry) {}
  async connect(tenantId: string, c: Parameters<OrgConnectService['connect']>[1]) {
    if (c.method !== 'access_token' || !c.accessToken.includes('!'))
      throw new OrgVaultError('ORG_AUTH_FAILED', 'The org refused the token');
    const sfOrgId = c.accessToken.split('!')[0]!;
    return this.orgs().register(tenantId, {
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
  jobs: JobsDouble;
  schedule: ScheduleDouble;
  permissionChecks: PermissionChecksDouble;
  cdp: CdpDouble;
  connect: ConnectDouble;
}

/** Fresh doubles; `connect` registers through the real registry once the API has one. */
export function doubles(registry: () => OrgRegistry): Doubles & Partial<ApiServices> {
  return {
    scope: new ScopeDouble(),
    jobs: new JobsDouble(),
    schedule: new ScheduleDouble(),
    permissionChecks: new PermissionChecksDouble(),
    cdp: new CdpDouble(),
    connect: new ConnectDouble(registry),
  };
}
