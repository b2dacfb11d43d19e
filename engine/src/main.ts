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
import { OrgVaultError } from './errors.js';
import { createSchedule } from './schedule/index.js';
import { scheduleApiServices } from './schedule/api-services.js';
import { salesforceOrgReaders } from './schedule/org-readers.js';

export interface RunningEngine {
  url: string;
  ctx: EngineContext;
  stop(): Promise<void>;
}

/**
 * The services behind the API. Those not built yet join here as they land (api/services.ts: a
 * missing one answers SERVICE_UNAVAILABLE). The job catalog is real; with no backup runner yet,
 * starting a job answers SERVICE_UNAVAILABLE (and a scheduled start is recorded as failed for it).
 */
async function apiServices(ctx: EngineContext, stops: Array<() => Promise<void>>): Promise<ApiServices> {
  const { pool } = ctx.infra;
  const keys = new ApiKeyService(pool);
  const orgs = new OrgRegistry(pool);
  orgs.onDisconnect((org) => keys.revokeForOrg(org.tenantId, org.id));
  if (ctx.config.bootstrapKey) await ensureBootstrapKey(pool, ctx.config.bootstrapKey, ctx.config.bootstrapTenant, ctx.log);
  // Seat counts and permission checks read the org through its stored connection, whose secrets
  // the store's key opens; until that is wired they fail with this clear reason (stored as such).
  const orgReaders = salesforceOrgReaders(async () => {
    throw new OrgVaultError('ORG_API_ERROR', 'Stored org connections cannot be opened yet: the key store is not wired into the engine');
  });
  const schedule = await createSchedule({
    pool,
    databaseUrl: ctx.infra.databaseUrl,
    databaseSchema: ctx.config.databaseSchema,
    log: ctx.log,
    smtpUrl: ctx.config.smtpUrl,
    mailFrom: ctx.config.mailFrom,
    users: orgReaders,
    permissions: orgReaders,
  });
  stops.push(schedule.stop);
  await schedule.start();
  const jobs = new BackupJobsAdapter(pool, { admit: (org) => schedule.subscriptions.assertMayBackUp(org.id) });
  return { tenants: new TenantService(pool), keys, orgs, jobs, ...scheduleApiServices(schedule) };
}

/** The composition root: config → infra → services → api. */
export async function startEngine(config: Config, log: Logger = createLogger(config.logLevel)): Promise<RunningEngine> {
  if (config.port !== 0) await assertPortFree(config.port, config.host, 'The engine', 'PORT');
  const infra = await startInfra(config, log);
  const ctx: EngineContext = { config, log, infra };
  let server: Server;
  // Services that hold resources of their own (the job queue), stopped before the infra.
  const stops: Array<() => Promise<void>> = [];
  const stopServices = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch((err) => log.warn({ err }, 'stop failed'));
    stops.length = 0;
  };
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
