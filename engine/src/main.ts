import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/schema.js';
import { createLogger, type Logger } from './infra/logger.js';
import { startInfra } from './infra/stack.js';
import { createApp } from './api/app.js';
import { fromSystemError } from './errors.js';
import type { EngineContext } from './context.js';
import { assertPortFree } from './infra/ports.js';
import type { ApiServices } from './api/services.js';
import { ApiKeyService } from './tenants/keys.js';
import { TenantService, ensureBootstrapKey } from './tenants/tenants.js';
import { OrgRegistry } from './orgs/registry.js';
import { BackupJobsAdapter } from './api/adapters/backup-jobs.js';
import { SalesforceAdapter } from './api/adapters/salesforce.js';
import { kekSecretBox } from './store/keys/secret-box.js';
import { kekFromConfig } from './store/store.js';
import { createSchedule } from './schedule/index.js';
import { scheduleApiServices } from './schedule/api-services.js';
import { salesforceOrgReaders } from './schedule/org-readers.js';

export interface RunningEngine {
  url: string;
  ctx: EngineContext;
  stop(): Promise<void>;
}

/**
 * The services behind the API, and what they keep running (the schedule's pg-boss workers).
 * Those not built yet join here as they land (api/services.ts: a missing one answers
 * SERVICE_UNAVAILABLE): with no backup runner yet, "back up now" answers SERVICE_UNAVAILABLE,
 * and CDP is absent.
 */
async function apiServices(ctx: EngineContext, stops: Array<() => Promise<void>>): Promise<ApiServices> {
  const { pool } = ctx.infra;
  const { config, log } = ctx;
  const keys = new ApiKeyService(pool);
  const orgs = new OrgRegistry(pool);
  orgs.onDisconnect((org) => keys.revokeForOrg(org.tenantId, org.id));
  if (config.bootstrapKey) await ensureBootstrapKey(pool, config.bootstrapKey, config.bootstrapTenant, log);

  // The schedule reads orgs through the same live connections the API uses (one per org).
  const readers = salesforceOrgReaders((orgId) => sf.open(orgId));
  const schedule = await createSchedule({
    pool,
    databaseUrl: ctx.infra.databaseUrl,
    databaseSchema: config.databaseSchema,
    log,
    ...(config.smtpUrl ? { smtpUrl: config.smtpUrl } : {}),
    mailFrom: config.mailFrom,
    users: readers,
    permissions: readers,
  });
  stops.push(schedule.stop);
  const sf = new SalesforceAdapter({
    pool,
    box: kekSecretBox(kekFromConfig(config)),
    orgs,
    afterConnect: (org) => schedule.scheduler.planOrg(org.id),
  });
  await schedule.start();
  const subscriptions = schedule.subscriptions;
  return {
    tenants: new TenantService(pool),
    keys,
    orgs,
    connect: sf,
    scope: sf,
    jobs: new BackupJobsAdapter(pool, { admit: (org) => subscriptions.assertMayBackUp(org.id) }),
    ...scheduleApiServices(schedule),
  };
}

/** The composition root: config → infra → services → api. */
export async function startEngine(config: Config, log: Logger = createLogger(config.logLevel)): Promise<RunningEngine> {
  if (config.port !== 0) await assertPortFree(config.port, config.host, 'The engine', 'PORT');
  const infra = await startInfra(config, log);
  const ctx: EngineContext = { config, log, infra };
  // Stopped in reverse order before the infra they run on.
  const stops: Array<() => Promise<void>> = [];
  const stopServices = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch((err) => log.warn({ err }, 'stop failed'));
  };
  let server: Server;
  try {
    const app = createApp(ctx, await apiServices(ctx, stops), { rateLimitPerMinute: config.apiRateLimit });
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    });
  } catch (err) {
    await stopServices();
    await infra.stop();
    throw fromSystemError(err, `The engine cannot listen on ${config.host}:${config.port}`);
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  return {
    url,
    ctx,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await stopServices();
      await infra.stop();
    },
  };
}
