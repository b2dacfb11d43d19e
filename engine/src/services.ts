import type { EngineContext } from './context.js';
import type { ApiServices, ObjectScopeService, OrgConnectService } from './api/services.js';
import type { ConnectInput } from './api/schemas.js';
import { OrgVaultError } from './errors.js';
import { Store, kekFromConfig } from './store/store.js';
import { ConnectionRepository, connectOrg, openStoredConnection } from './salesforce/connection-repository.js';
import type { OrgConnection } from './salesforce/connection.js';
import type { OrgCredentials } from './salesforce/credentials.js';
import { describeGlobal, describeSObject } from './salesforce/describe.js';
import { candidateObjects } from './salesforce/scope.js';
import { ApiKeyService } from './tenants/keys.js';
import { TenantService, ensureBootstrapKey } from './tenants/tenants.js';
import { OrgRegistry } from './orgs/registry.js';
import { createSchedule, type ScheduleServices } from './schedule/index.js';
import { scheduleApiServices } from './schedule/api-services.js';
import { salesforceOrgReaders } from './schedule/org-readers.js';
import { readBackupSettings } from './schedule/backup-settings.js';
import { BackupWorker } from './backup/worker.js';
import { BackupJobsAdapter } from './api/adapters/backup-jobs.js';
import { scopeOptionsFrom } from './backup/scope-settings.js';
import type { RunnerOptions } from './backup/runner.js';
import type { WorkerOptions } from './backup/worker.js';
import { Cdp, DEFAULT_CDP_OPTIONS, type CdpOptions } from './cdp/service.js';

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
  /** Backups as users start and follow them (API and CLI). */
  jobs: BackupJobsAdapter;
  worker: BackupWorker;
  /** Continuous data protection: settings, change event consumers, recovery points. */
  cdp: Cdp;
  api: ApiServices;
  /** Makes this process a worker: backup jobs and the schedule's queues. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  runner?: Partial<RunnerOptions>;
  worker?: Partial<WorkerOptions>;
  cdp?: Partial<CdpOptions>;
}

function credentialsFrom(input: ConnectInput): OrgCredentials {
  switch (input.method) {
    case 'refresh_token':
      return {
        kind: 'refreshToken',
        loginUrl: input.loginUrl,
        clientId: input.clientId,
        refreshToken: input.refreshToken,
        ...(input.clientSecret ? { clientSecret: input.clientSecret } : {}),
      };
    case 'jwt':
      if (!input.privateKey) {
        throw new OrgVaultError('VALIDATION_FAILED', 'privateKey is required for the JWT bearer flow', {
          actions: ["Send the PEM private key of the connected app's certificate."],
        });
      }
      return { kind: 'jwt', loginUrl: input.loginUrl, clientId: input.clientId, username: input.username, privateKey: input.privateKey };
    case 'access_token':
      return { kind: 'accessToken', instanceUrl: input.instanceUrl, accessToken: input.accessToken };
  }
}

/** The engine's services over its infrastructure: what the API, the CLI and the workers share. */
export async function createServices(ctx: EngineContext, options: ServiceOptions = {}): Promise<Services> {
  const { pool } = ctx.infra;
  const { config, log } = ctx;
  const store = new Store({ pool, container: ctx.infra.container, kek: kekFromConfig(config) });
  const connections = new ConnectionRepository(pool, await store.secretBox());
  const live = new Map<string, Promise<OrgConnection>>();
  const connectionTo = (orgId: string): Promise<OrgConnection> => {
    let c = live.get(orgId);
    if (!c) {
      c = openStoredConnection(connections, orgId);
      live.set(orgId, c);
      c.catch(() => live.delete(orgId));
    }
    return c;
  };

  const keys = new ApiKeyService(pool);
  const orgs = new OrgRegistry(pool);
  const tenants = new TenantService(pool);
  if (config.bootstrapKey) await ensureBootstrapKey(pool, config.bootstrapKey, config.bootstrapTenant, log);

  const schedule = await createSchedule({
    pool,
    databaseUrl: ctx.infra.databaseUrl,
    databaseSchema: config.databaseSchema,
    log,
    ...(config.smtpUrl ? { smtpUrl: config.smtpUrl } : {}),
    mailFrom: config.mailFrom,
    ...salesforceReaders(connectionTo),
  });
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
      scopeOptions: async (orgId) => scopeOptionsFrom(await readBackupSettings(pool, orgId)),
      recoveryPoint: cdp.runRecoveryPoint,
      ...(options.runner ? { options: options.runner } : {}),
    },
    options.worker,
  );

  const jobs = new BackupJobsAdapter(pool, {
    admit: (org) => schedule.subscriptions.assertMayBackUp(org.id),
    // The job row is the hand-over: any worker (NOTIFY wakes them) may claim it; poke ours too.
    launch: async () => worker.poll(),
  });

  const connect = async (tenantId: string, credentials: OrgCredentials): Promise<{ orgId: string }> => {
    const { orgId, connection } = await connectOrg(pool, await store.secretBox(), { tenantId, credentials });
    live.set(orgId, Promise.resolve(connection));
    await schedule.scheduler.planOrg(orgId);
    return { orgId };
  };
  const connectService: OrgConnectService = {
    connect: async (tenantId, input) => {
      const { orgId } = await connect(tenantId, credentialsFrom(input));
      return orgs.get({ tenantId, orgId: null }, orgId);
    },
  };
  const scope: ObjectScopeService = {
    listObjects: async (org) => {
      const conn = await connectionTo(org.id);
      const global = await describeGlobal(conn);
      const settings = await readBackupSettings(pool, org.id);
      const inScope = new Set(candidateObjects(global, scopeOptionsFrom(settings)));
      const replicable = new Set(candidateObjects(global, { exclude: [] }));
      return global.sobjects.map((o) => ({
        name: o.name,
        label: (o as { label?: string }).label ?? o.name,
        custom: o.custom ?? o.name.endsWith('__c'),
        inScope: inScope.has(o.name),
        reason: inScope.has(o.name) ? null : replicable.has(o.name) ? 'excluded by the backup settings' : 'not queryable and replicateable',
      }));
    },
    assertKnown: async (org, names) => {
      const conn = await connectionTo(org.id);
      const objects = new Map((await describeGlobal(conn)).sobjects.map((o) => [o.name.toLowerCase(), o.name]));
      const unknown = (names.objects ?? []).filter((n) => !objects.has(n.toLowerCase()));
      const byObject = new Map<string, string[]>();
      for (const ref of names.fields ?? []) {
        const [object, field] = ref.split('.') as [string, string];
        if (!objects.has(object.toLowerCase())) unknown.push(ref);
        else byObject.set(object, [...(byObject.get(object) ?? []), field]);
      }
      for (const [object, fields] of byObject) {
        const have = new Set((await describeSObject(conn, objects.get(object.toLowerCase())!)).fields.map((f) => f.name.toLowerCase()));
        for (const f of fields) if (!have.has(f.toLowerCase())) unknown.push(`${object}.${f}`);
      }
      if (unknown.length > 0) {
        throw new OrgVaultError('VALIDATION_FAILED', `The org has no ${unknown.join(', ')}`, { details: { unknown } });
      }
    },
  };
  orgs.onDisconnect(async (org) => {
    await keys.revokeForOrg(org.tenantId, org.id);
    live.delete(org.id);
  });

  const api: ApiServices = {
    tenants,
    keys,
    orgs,
    connect: connectService,
    scope,
    jobs,
    cdp,
    ...scheduleApiServices(schedule),
  };
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
    worker,
    cdp,
    api,
    start: async () => {
      await worker.start();
      await schedule.start();
      await cdp.start();
    },
    stop: async () => {
      await cdp.stop();
      await worker.stop();
      await schedule.stop();
    },
  };
}

function salesforceReaders(open: (orgId: string) => Promise<OrgConnection>) {
  const readers = salesforceOrgReaders(open);
  return { users: readers, permissions: readers };
}
