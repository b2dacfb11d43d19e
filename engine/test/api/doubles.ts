/**
 * Test doubles for what the API suites cannot use for real: the backup runner and CDP (not on
 * main yet), and connect and describe without an org (the real ones, over the emulator, are in
 * salesforce.test.ts). They hold just enough behaviour to exercise the API's side of each
 * contract — validation, scoping, error pass-through, shapes — and are never wired into the
 * engine. The job catalog and the schedule are the real services (real-services.ts).
 */
import type { DoctorProblem, DoctorReport } from '../../src/doctor/index.js';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../../src/audit/index.js';
import { RetentionService, type ErasureStore, type PruneStore } from '../../src/retention/index.js';
import { createLogger } from '../../src/infra/logger.js';
import { OrgVaultError, type ErrorCode } from '../../src/errors.js';
import type { Org, OrgRegistry } from '../../src/orgs/registry.js';
import type { Pool } from '../../src/infra/db.js';
import { markCycleFullComplete, setJobStatus, type Job } from '../../src/backup/jobs.js';
import { BackupJobsAdapter } from '../../src/api/adapters/backup-jobs.js';
import { BackupJobs, type BackupJobsWiring } from '../../src/backup/service.js';
import type { ApiServices, CdpService, ObjectScopeService, OrgConnectService, RestoreApiService } from '../../src/api/services.js';
import type { CheckOptions, CheckReport } from '../../src/store/store.js';
import { WebLogin } from '../../src/salesforce/web-login.js';
import { ConnectStates } from '../../src/orgs/connect-states.js';
import { BackupDeletion } from '../../src/orgs/backup-deletion.js';
import { OrgOrigins } from '../../src/salesforce/origins.js';
import type { CdpSettingsIn, CdpSettingsOut, RecoveryPointOut } from '../../src/api/schemas.js';
import type { CompareRequestIn, RestoreRequestIn } from '../../src/api/restore-schemas.js';
import { SignInLinks } from '../../src/tenants/sign-in-links.js';
import { deletedWindow } from '../../src/restore/browse.js';

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

export class CdpDouble implements CdpService {
  readonly points: RecoveryPointOut[] = [];
  settings: CdpSettingsOut = {
    enabled: true,
    objects: ['Account'],
    selection: { Account: { selected: true } },
    transport: 'auto',
    activeTransport: { transport: 'pubsub', since: null, reason: null },
    coveredFrom: null,
    caughtUpAt: null,
    lastEventAt: null,
    fallbacks: [],
    paused: null,
  };
  async enabled(_org: Org) {
    return this.settings.enabled;
  }
  async getSettings(_org: Org) {
    return this.settings;
  }
  async putSettings(_org: Org, input: CdpSettingsIn) {
    this.settings = {
      ...this.settings,
      ...input,
      transport: input.transport ?? this.settings.transport,
      selection: Object.fromEntries(input.objects.map((o) => [o, { selected: true }])),
    };
    return this.settings;
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

/** Plans without an org: one object plan per object named; runs are remembered by id and finish at once. */
export class RestoreDouble implements RestoreApiService {
  readonly runs = new Map<string, { orgId: string; outcome: Awaited<ReturnType<RestoreApiService['restore']>> }>();
  async restore(org: Org, target: Org, r: RestoreRequestIn) {
    const runId = r.dryRun ? null : randomUUID();
    const outcome = {
      runId,
      status: r.dryRun ? ('planned' as const) : ('queued' as const),
      dryRun: r.dryRun,
      depth: r.depth ?? null,
      at: 'at' in r.from ? r.from.at : new Date('2026-11-20T10:00:00Z'),
      mode: r.mode,
      targetOrgId: target.id,
      objects: r.objects.map((object) => ({
        object,
        backedUp: 1,
        undelete: 0,
        create: 1,
        update: 0,
        relink: 0,
        fieldsChanged: { '(record)': 1 },
        conflicts: {},
        apiCalls: 1,
      })),
      survivors: [],
      written: [],
      apiCalls: r.objects.length,
      planningCalls: 2,
      succeeded: 0,
      failed: 0,
      progress: { total: r.objects.length, done: 0 },
      error: null,
      queuedAt: runId ? new Date() : null,
      finishedAt: null,
    };
    if (runId) this.runs.set(runId, { orgId: org.id, outcome });
    return outcome;
  }
  #run(org: Org, runId: string) {
    const run = this.runs.get(runId);
    if (run?.orgId !== org.id) throw new OrgVaultError('NOT_FOUND', 'No such restore run');
    return run.outcome;
  }
  async status(org: Org, runId: string) {
    const o = this.#run(org, runId);
    return {
      ...o,
      status: 'succeeded' as const,
      succeeded: o.objects.length,
      progress: { total: o.objects.length, done: o.objects.length },
    };
  }
  async list(org: Org, page: { limit: number }) {
    return [...this.runs.values()]
      .filter((r) => r.orgId === org.id)
      .map((r) => r.outcome)
      .reverse()
      .slice(0, page.limit);
  }
  async resultsCsv(org: Org, runId: string) {
    this.#run(org, runId);
    return 'object,operation,old_id,new_id,success,error\n';
  }
  /** One backed-up version of any id that looks like an Account's; NOT_FOUND for the rest. */
  async history(_org: Org, recordId: string, object?: string) {
    if (!recordId.startsWith('001') || (object ?? 'Account') !== 'Account') throw new OrgVaultError('NOT_FOUND', 'No backup holds it');
    const fields = { Id: recordId, Name: 'Acme' };
    return {
      object: 'Account',
      recordId,
      versions: [
        {
          at: new Date('2026-11-20T10:00:00Z'),
          kind: 'live' as const,
          source: { kind: 'backup' as const, jobId: null, via: 'bulk' },
          fields,
          changes: [{ field: 'Name', from: null, to: 'Acme' }],
        },
      ],
    };
  }
  async deleted(_org: Org, q: { since?: Date; until?: Date; objects?: string[] }) {
    return { ...deletedWindow(q), objects: (q.objects ?? []).map((object) => ({ object, truncated: false, records: [] })) };
  }
  async compare(_org: Org, _against: Org | null, r: CompareRequestIn) {
    return { objects: r.objects.map((object) => ({ object, added: [], deleted: [], changed: [], fieldCounts: {}, details: [] })) };
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

/** A store whose every org checks clean: the route's shape, not the check (test/store and api/check.test.ts run the real one). */
/** A sound install: the routes' shapes are what these suites check (test/e2e/doctor.test.ts breaks real things). */
export class DoctorDouble {
  async install(): Promise<DoctorReport> {
    return { checkedAt: new Date(), ok: true, orgs: 0, problems: [] };
  }
  async org(): Promise<DoctorProblem[]> {
    return [];
  }
}

export class StoreCheckDouble {
  async check(options: CheckOptions): Promise<CheckReport> {
    const percent = options.readDataPercent ?? 0;
    return {
      ok: true,
      orgs: 1,
      packs: 0,
      versions: 0,
      legacyIndexPacks: 0,
      blobs: 0,
      blobRefs: 0,
      readData: { percent, packsRead: 0, blobsRead: 0 },
      problems: [],
    };
  }
}

export interface Doubles {
  scope: ScopeDouble;
  runner: RunnerDouble;
  jobs: BackupJobsAdapter;
  cdp: CdpDouble;
  connect: ConnectDouble;
  restore: RestoreDouble;
  store: StoreCheckDouble;
  doctor: DoctorDouble;
}

/** Fresh doubles, with the real job catalog over the suite's database. */
export function doubles(own: { pool: Pool; orgs: OrgRegistry }): Doubles {
  const runner = new RunnerDouble(own.pool);
  return {
    scope: new ScopeDouble(),
    runner,
    jobs: new BackupJobsAdapter(new BackupJobs(own.pool, runner.wiring())),
    cdp: new CdpDouble(),
    connect: new ConnectDouble(own.orgs),
    restore: new RestoreDouble(),
    store: new StoreCheckDouble(),
    doctor: new DoctorDouble(),
  };
}

/**
 * The schedule's services for suites that do not exercise them (attachSchedule in real-services.ts
 * puts the real ones behind the routes): no start time is planned, and any other call fails the
 * test loudly rather than answer something made up.
 */
/** The store's prune, for suites that hold no backups: legal holds are real, prune is not part of them. */
export function storeNotUnderTest(): PruneStore & ErasureStore {
  const notUnderTest = (): never => {
    throw new Error('The store is not part of this suite');
  };
  return {
    objects: notUnderTest,
    pruneVersions: notUnderTest,
    prunePack: notUnderTest,
    pruneFileRefs: notUnderTest,
    deleteFileRefs: notUnderTest,
    collectFiles: notUnderTest,
    objectsHolding: notUnderTest,
    get erasure(): never {
      return notUnderTest();
    },
  };
}

export function scheduleNotUnderTest(): Pick<ApiServices, 'schedule' | 'permissionChecks' | 'tenantSettings'> {
  const notUnderTest = (): never => {
    throw new Error('The schedule is not part of this suite: attach it with attachSchedule');
  };
  return {
    schedule: { nextBackupAt: async () => null, getBackupSettings: notUnderTest, putBackupSettings: notUnderTest },
    permissionChecks: { getSettings: notUnderTest, putSettings: notUnderTest, run: notUnderTest, latestReport: notUnderTest },
    tenantSettings: { adminEmails: notUnderTest, putAdminEmails: notUnderTest, subscription: notUnderTest },
  };
}

/**
 * The real browser login, as far as handing out Salesforce's login page goes (the suites have no
 * org to log in to; web-login.test.ts follows the callback against the emulator).
 */
export function webLoginUpToSalesforce(own: { pool: Pool; orgs: OrgRegistry }): WebLogin {
  return new WebLogin({
    states: new ConnectStates(own.pool),
    orgs: own.orgs,
    box: { seal: (s) => s, open: (s) => s },
    origins: new OrgOrigins(['https://*.my.example.test']),
    app: {
      clientId: 'OrgVaultApp',
      clientSecret: undefined,
      callbackUrl: () => 'https://engine.example.test/oauth/callback',
      loginUrl: 'https://login.salesforce.com',
      sandboxLoginUrl: 'https://test.salesforce.com',
    },
    connect: () => Promise.reject(new Error('no login comes back in the API suites')),
  });
}

/** Every service the API is built over: the suite's own where it gives them, doubles for the rest. */
export function apiServices(
  own: { pool: Pool; orgs: OrgRegistry } & Pick<ApiServices, 'tenants' | 'keys'>,
  given: Partial<ApiServices>,
): ApiServices {
  const d = doubles(own);
  return {
    tenants: own.tenants,
    keys: own.keys,
    orgs: own.orgs,
    connect: d.connect,
    webLogin: webLoginUpToSalesforce(own),
    signIn: new SignInLinks(),
    // The real deletion over the suite's registry; the API suites store no backups, so there is nothing to delete.
    backupDeletion: new BackupDeletion({
      db: own.pool,
      orgs: own.orgs,
      holds: { assertNotHeld: async () => undefined },
      activity: async () => null,
      store: { deleteOrgBackups: async () => ({ packs: 0, versions: 0, files: 0, blobObjects: 0 }) },
    }),
    scope: d.scope,
    jobs: d.jobs,
    cdp: d.cdp,
    restore: d.restore,
    store: d.store,
    doctor: d.doctor,
    ...scheduleNotUnderTest(),
    // The real trail: every suite's requests are recorded as in the engine.
    audit: new AuditService(own.pool, createLogger('silent')),
    retention: new RetentionService(own.pool, storeNotUnderTest()),
    ...given,
  };
}
