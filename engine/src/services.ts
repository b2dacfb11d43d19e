import type { EngineContext } from './context.js';
import type { ApiServices } from './api/services.js';
import { SalesforceAdapter } from './api/adapters/salesforce.js';
import { Store, kekFromConfig } from './store/store.js';
import {
  ConnectionRepository,
  connectOrg,
  openStoredConnection,
  revokeStoredConnection,
  type SecretBox,
} from './salesforce/connection-repository.js';
import type { OrgConnection } from './salesforce/connection.js';
import type { OrgCredentials } from './salesforce/credentials.js';
import type { ScopeOptions } from './salesforce/scope.js';
import { OrgOrigins } from './salesforce/origins.js';
import { ApiKeyService } from './tenants/keys.js';
import { SignInLinks } from './tenants/sign-in-links.js';
import { TenantService, ensureBootstrapKey } from './tenants/tenants.js';
import { type Org, OrgRegistry } from './orgs/registry.js';
import { createSchedule, type ScheduleServices } from './schedule/index.js';
import { scheduleApiServices } from './api/adapters/schedule.js';
import { salesforceOrgReaders } from './schedule/org-readers.js';
import { readBackupSettings } from './schedule/backup-settings.js';
import { BackupWorker } from './backup/worker.js';
import { BackupJobsAdapter } from './api/adapters/backup-jobs.js';
import { BackupJobs } from './backup/service.js';
import { scopeOptionsFrom } from './backup/scope-settings.js';
import { BackupScope } from './backup/scope.js';
import type { RunnerOptions } from './backup/runner.js';
import type { WorkerOptions } from './backup/worker.js';
import { Cdp, DEFAULT_CDP_OPTIONS, type CdpOptions } from './cdp/service.js';
import { RestoreService, type RestoreOptions } from './restore/restore.js';
import { CompareService } from './restore/compare.js';
import { RecordBrowser } from './restore/browse.js';
import { RestoreWorker, type RestoreWorkerOptions } from './restore/worker.js';
import { RestoreAdapter } from './api/adapters/restore.js';
import { AuditService, type AuditOptions } from './audit/index.js';
import { RetentionService, type RetentionOptions } from './retention/index.js';
import { WebLogin, type WebLoginDeps } from './salesforce/web-login.js';
import { ConnectStates } from './orgs/connect-states.js';
import { BackupDeletion, type BackupActivity } from './orgs/backup-deletion.js';
import { activeJobs } from './backup/jobs.js';
import type { Pool } from './infra/db.js';
import { OrgVaultError } from './errors.js';
import { Doctor } from './doctor/index.js';
import { readiness } from './infra/stack.js';

export interface Services {
  store: Store;
  connections: ConnectionRepository;
  /** The live connection of an org, one per org per process (its API budget is counted there). */
  connectionTo(orgId: string): Promise<OrgConnection>;
  connect(tenantId: string, credentials: OrgCredentials): Promise<{ orgId: string }>;
  orgs: OrgRegistry;
  tenants: TenantService;
  keys: ApiKeyService;
  schedule: ScheduleServices;
  /** Backups as users start and follow them, in the API's shapes. */
  jobs: BackupJobsAdapter;
  /** backup/'s service itself: jobs, figures, API usage, exports (the CLI's in-process commands). */
  backup: BackupJobs;
  worker: BackupWorker;
  /** Continuous data protection: settings, change event consumers, recovery points. */
  cdp: Cdp;
  api: ApiServices;
  /** Restore and compare: they never ask the subscription rules (restoring must work when backups are stopped). */
  restore: RestoreService;
  compare: CompareService;
  /** Runs queued restores (claimed across processes, resumed after a crash). */
  restoreWorker: RestoreWorker;
  /** The audit trail: the API records its routes' actions, the schedule its own starts. */
  audit: AuditService;
  /** Legal holds: ask `assertNotHeld` before removing an org's or a record's backups. */
  retention: RetentionService;
  /** Disconnect with deletion of the org's backups (refused under a legal hold). */
  backupDeletion: BackupDeletion;
  /** One-time sign-in links for the local page (a launcher issues them, the page redeems them). */
  signIn: SignInLinks;
  /** Tells the services the URL the engine listens on (the default OAuth callback is under it). */
  setPublicUrl(url: string): void;
  /** Makes this process a worker: backup jobs and the schedule's queues. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  runner?: Partial<RunnerOptions>;
  worker?: Partial<WorkerOptions>;
  cdp?: Partial<CdpOptions>;
  restore?: Partial<RestoreOptions>;
  restoreWorker?: Partial<RestoreWorkerOptions>;
  audit?: Partial<AuditOptions>;
  retention?: Partial<RetentionOptions>;
}

/** The live connections of orgs: one per org per process (its API budget is counted there). */
function orgConnections(ctx: EngineContext, secretBox: SecretBox, orgs: OrgRegistry) {
  const { pool } = ctx.infra;
  const connections = new ConnectionRepository(pool, secretBox);
  const origins = new OrgOrigins(ctx.config.salesforceOrigins);
  const live = new Map<string, Promise<OrgConnection>>();
  // Salesforce revoked or expired the refresh token: only an administrator's login brings it back.
  const refused = async (orgId: string, err: OrgVaultError): Promise<void> => {
    live.delete(orgId);
    if (err.details?.errorCode === 'invalid_grant') await orgs.markReconnectNeeded(orgId, err.message);
  };
  const connectionTo = (orgId: string): Promise<OrgConnection> => {
    let c = live.get(orgId);
    if (!c) {
      c = openStoredConnection(connections, orgId, { origins, onRefused: (err) => refused(orgId, err) });
      live.set(orgId, c);
      c.catch(() => live.delete(orgId));
    }
    return c;
  };
  /** Connects an org: its tokens stored, its connection kept live. */
  const connectNew = async (tenantId: string, credentials: OrgCredentials): Promise<{ orgId: string }> => {
    // The org's id is known only once connected; a refusal before that has nothing to mark.
    const known: { orgId?: string } = {};
    const onRefused = async (err: OrgVaultError) => (known.orgId ? refused(known.orgId, err) : undefined);
    const { orgId, connection } = await connectOrg(pool, secretBox, { tenantId, credentials, options: { origins, onRefused } });
    known.orgId = orgId;
    live.set(orgId, Promise.resolve(connection));
    return { orgId };
  };
  return { connections, origins, connectionTo, connectNew, forget: (orgId: string) => live.delete(orgId) };
}

/** Backups and continuous protection: the worker that runs jobs, CDP, and starting jobs on demand. */
function backupServices(
  ctx: EngineContext,
  deps: {
    store: Store;
    schedule: ScheduleServices;
    connectionTo(orgId: string): Promise<OrgConnection>;
    scopeOptions(orgId: string): Promise<ScopeOptions>;
  },
  options: ServiceOptions,
) {
  const { pool } = ctx.infra;
  const { config, log } = ctx;
  const { store, schedule, connectionTo, scopeOptions } = deps;
  const cdp = new Cdp(
    { pool, store, log, connect: connectionTo },
    { ...DEFAULT_CDP_OPTIONS, endpoint: config.pubSubEndpoint, insecureTls: config.pubSubInsecureTls, ...options.cdp },
  );
  const worker = new BackupWorker(
    {
      pool,
      store,
      log,
      connect: connectionTo,
      scopeOptions,
      recoveryPoint: cdp.runRecoveryPoint,
      options: {
        pauseMs: config.apiBudgetPauseSeconds * 1000,
        maxRecords: config.bulkPageRecords,
        resultEncoding: config.bulkResultEncoding,
        ...options.runner,
      },
    },
    { heartbeatMs: config.workerHeartbeatSeconds * 1000, staleMs: config.workerStaleSeconds * 1000, ...options.worker },
  );
  const backup = new BackupJobs(pool, {
    store,
    admit: async (org) => {
      if (org.reconnectNeeded) throw reconnectNeeded(org);
      await schedule.subscriptions.assertMayBackUp(org.id);
    },
    // The job row is the hand-over: any worker (NOTIFY wakes them) may claim it; poke ours too.
    launch: async () => worker.poll(),
    promise: async (org) => {
      const [settings, protection] = await Promise.all([schedule.backupSettings.get(org.id), cdp.getSettings(org)]);
      return {
        continuous: protection.enabled,
        everyMs: settings.enabled ? (24 * 3600_000) / settings.jobsPerDay : null,
        continuousUntil: protection.enabled ? protection.caughtUpAt : null,
      };
    },
  });
  return { cdp, worker, backup, jobs: new BackupJobsAdapter(backup) };
}

/** Restore and compare, and the worker that runs queued restores. */
function restoreServices(
  ctx: EngineContext,
  store: Store,
  connectionTo: (orgId: string) => Promise<OrgConnection>,
  options: ServiceOptions,
) {
  const { pool } = ctx.infra;
  const { config, log } = ctx;
  // A run is another process's while its heartbeat is fresher than this: the worker and the settling of creates in flight agree.
  const restoreStaleMs = options.restore?.staleMs ?? config.workerStaleSeconds * 1000;
  const restore = new RestoreService(
    { pool, store, connectionTo },
    {
      bulkThreshold: config.restoreBulkThreshold,
      undelete: config.restoreUndelete,
      heartbeatMs: config.workerHeartbeatSeconds * 1000,
      ...options.restore,
      staleMs: restoreStaleMs,
    },
  );
  const restoreWorker = new RestoreWorker(
    { pool, log, restore },
    { maxRuns: 1, staleMs: restoreStaleMs, pollMs: 5_000, ...options.restoreWorker },
  );
  const compare = new CompareService({ store, ledger: restore.ledger, connectionTo });
  return { restore, restoreWorker, compare, browser: new RecordBrowser({ pool, store }) };
}

/** The engine's services over its infrastructure: what the API, the CLI and the workers share. */
export async function createServices(ctx: EngineContext, options: ServiceOptions = {}): Promise<Services> {
  const { pool } = ctx.infra;
  const { config, log } = ctx;
  const store = new Store({ pool, container: ctx.infra.container, kek: kekFromConfig(config) });
  if (ctx.infra.blobsUnprovenSince) await verifyRecentFiles(store, ctx.infra.blobsUnprovenSince, log);
  const keys = new ApiKeyService(pool);
  const orgs = new OrgRegistry(pool);
  const secretBox = await store.secretBox();
  const { connections, origins, connectionTo, connectNew, forget } = orgConnections(ctx, secretBox, orgs);
  const tenants = new TenantService(pool);
  if (config.bootstrapKey) await ensureBootstrapKey(pool, config.bootstrapKey, config.bootstrapTenant, log);

  const audit = new AuditService(pool, log, options.audit);
  const schedule = await scheduleServices(ctx, audit, connectionTo);
  const scopeOptions = async (orgId: string) => scopeOptionsFrom(await readBackupSettings(pool, orgId));
  const { cdp, worker, backup, jobs } = backupServices(ctx, { store, schedule, connectionTo, scopeOptions }, options);
  const connect = async (tenantId: string, credentials: OrgCredentials): Promise<{ orgId: string }> => {
    const { orgId } = await connectNew(tenantId, credentials);
    await schedule.scheduler.planOrg(orgId);
    return { orgId };
  };
  const salesforce = new SalesforceAdapter({ orgs, connect, scope: new BackupScope({ open: connectionTo, scopeOptions }) });
  const { webLogin, setPublicUrl } = browserLogin(ctx, { orgs, box: secretBox, origins, connect });
  orgs.onReconnectNeeded(schedule.reconnectNeeded);
  orgs.onDisconnect(forgetOnDisconnect({ keys, forget, connections, log }));
  const { restore, restoreWorker, compare, browser } = restoreServices(ctx, store, connectionTo, options);
  const retention = new RetentionService(pool, store, options.retention);
  store.withhold((orgId) => retention.erasedFilter(orgId));
  const backupDeletion = new BackupDeletion({ db: pool, orgs, holds: retention, activity: backupActivity(pool, restore), store });

  const sf = { connect: salesforce, scope: salesforce, webLogin };
  const doctor = doctorOf(ctx, orgs, connectionTo, cdp);
  const owned = { tenants, keys, orgs, audit, retention, jobs, cdp, store, doctor, backupDeletion, signIn: new SignInLinks(), ...sf };
  const api: Services['api'] = { ...owned, restore: new RestoreAdapter(restore, compare, browser), ...scheduleApiServices(schedule) };
  return {
    store,
    connections,
    connectionTo,
    connect,
    orgs,
    tenants,
    keys,
    schedule,
    jobs,
    backup,
    worker,
    cdp,
    api,
    restore,
    compare,
    restoreWorker,
    audit,
    retention,
    backupDeletion,
    signIn: owned.signIn,
    setPublicUrl,
    ...lifecycle({ worker, restoreWorker, schedule, cdp, audit, backupDeletion }),
  };
}

/** A disconnected org's API keys, cached connection and stored refresh token go with it. */
function forgetOnDisconnect(deps: {
  keys: ApiKeyService;
  forget: (orgId: string) => void;
  connections: Services['connections'];
  log: EngineContext['log'];
}) {
  return async (org: Org): Promise<void> => {
    await deps.keys.revokeForOrg(org.tenantId, org.id);
    deps.forget(org.id);
    await revokeStoredConnection(deps.connections, org.id, deps.log);
  };
}

/** The schedule, its own backup starts and permission checks recorded in the audit trail. */
function scheduleServices(ctx: EngineContext, audit: AuditService, connectionTo: (orgId: string) => Promise<OrgConnection>) {
  const { pool } = ctx.infra;
  const { config, log } = ctx;
  return createSchedule({
    pool,
    audit,
    databaseUrl: ctx.infra.databaseUrl,
    databaseSchema: config.databaseSchema,
    log,
    ...(config.smtpUrl ? { smtpUrl: config.smtpUrl } : {}),
    mailFrom: config.mailFrom,
    subscriptionLimits: config.subscriptionLimits,
    ...salesforceReaders(connectionTo),
  });
}

/** The doctor over the install's services and the orgs' live connections. */
function doctorOf(ctx: EngineContext, orgs: OrgRegistry, connectionTo: (orgId: string) => Promise<OrgConnection>, cdp: Cdp): Doctor {
  return new Doctor({
    readiness: () => readiness(ctx.infra),
    listConnected: () => orgs.listConnected(),
    connectionTo,
    protectedObjects: async (org) => {
      const protection = await cdp.getSettings(org);
      return protection.enabled ? protection.objects : [];
    },
  });
}

/** Starts the process's workers and consumers; stops them all at once. */
function lifecycle(p: {
  worker: BackupWorker;
  restoreWorker: RestoreWorker;
  schedule: ScheduleServices;
  cdp: Cdp;
  audit: AuditService;
  backupDeletion: BackupDeletion;
}) {
  return {
    start: async () => {
      p.audit.start();
      await p.backupDeletion.resume();
      await p.worker.start();
      await p.restoreWorker.start();
      await p.schedule.start();
      await p.cdp.start();
    },
    // Everything stops taking work at once; each then waits for what it runs to reach its next checkpoint.
    stop: async () => {
      await Promise.all([p.cdp.stop(), p.worker.stop(), p.restoreWorker.stop(), p.schedule.stop(), p.audit.stop()]);
    },
  };
}

/**
 * Legal holds are the retention domain's (#18), not on main yet: until it lands no hold can be
 * placed, so none refuses. Wire RetentionService here when it does (it has this method).
 */

/** A backup job queued or running, or a restore reading the org's backups. */
function backupActivity(pool: Pool, restore: RestoreService): BackupActivity {
  return async (orgId) => {
    const job = (await activeJobs(pool, orgId))[0];
    if (job) return `backup job ${job.id} is ${job.status}`;
    const run = (await restore.list(orgId, 20)).find((r) => r.status === 'queued' || r.status === 'running');
    return run ? `restore ${run.runId} is ${run.status}` : null;
  };
}

const reconnectNeeded = (org: { name: string; reconnectReason: string | null }): OrgVaultError =>
  new OrgVaultError('RECONNECT_NEEDED', `Salesforce refused OrgVault's access to ${org.name}: reconnect it first`, {
    actions: ["Choose Reconnect in the organization's menu on the Backup page and log in to Salesforce."],
    ...(org.reconnectReason ? { details: { reason: org.reconnectReason } } : {}),
  });

/**
 * "Connect organization" in the browser, with the connected app of the settings; its callback
 * defaults to this engine's own URL, known once it listens (setPublicUrl).
 */
function browserLogin(ctx: EngineContext, deps: Pick<WebLoginDeps, 'orgs' | 'box' | 'origins' | 'connect'>) {
  const { config } = ctx;
  let publicUrl = `http://${config.host}:${config.port}`;
  const webLogin = new WebLogin({
    ...deps,
    states: new ConnectStates(ctx.infra.pool),
    app: {
      clientId: config.oauthClientId,
      clientSecret: config.oauthClientSecret,
      callbackUrl: () => config.oauthCallbackUrl ?? `${publicUrl}/oauth/callback`,
      loginUrl: config.oauthLoginUrl,
      sandboxLoginUrl: config.oauthSandboxLoginUrl,
    },
  });
  return { webLogin, setPublicUrl: (url: string) => void (publicUrl = url) };
}

function salesforceReaders(open: (orgId: string) => Promise<OrgConnection>) {
  const readers = salesforceOrgReaders(open);
  return { users: readers, permissions: readers };
}

/** Before any job trusts them: files the embedded blob store may have dropped in an unclean stop. */
async function verifyRecentFiles(store: Store, since: Date, log: EngineContext['log']): Promise<void> {
  const { verified, lost } = await store.verifyRecordedBlobs(since);
  if (lost.length > 0)
    log.warn(
      { verified, lost },
      `${lost.length} files recorded just before an unclean stop were lost by blob storage; the next backup fetches them again`,
    );
  else if (verified > 0) log.info({ verified, since }, 'files recorded before the last stop read back whole');
}
