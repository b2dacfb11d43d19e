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

export interface RunningEngine {
  url: string;
  ctx: EngineContext;
  stop(): Promise<void>;
}

/**
 * The services behind the API. Those not built yet join here as they land (api/services.ts: a
 * missing one answers SERVICE_UNAVAILABLE). The job catalog is real; with no backup runner yet,
 * starting a job answers SERVICE_UNAVAILABLE.
 */
async function apiServices(ctx: EngineContext): Promise<ApiServices> {
  const { pool } = ctx.infra;
  const keys = new ApiKeyService(pool);
  const orgs = new OrgRegistry(pool);
  orgs.onDisconnect((org) => keys.revokeForOrg(org.tenantId, org.id));
  if (ctx.config.bootstrapKey) await ensureBootstrapKey(pool, ctx.config.bootstrapKey, ctx.config.bootstrapTenant, ctx.log);
  return { tenants: new TenantService(pool), keys, orgs, jobs: new BackupJobsAdapter(pool, {}) };
}

/** The composition root: config → infra → services → api. */
export async function startEngine(config: Config, log: Logger = createLogger(config.logLevel)): Promise<RunningEngine> {
  if (config.port !== 0) await assertPortFree(config.port, config.host, 'The engine', 'PORT');
  const infra = await startInfra(config, log);
  const ctx: EngineContext = { config, log, infra };
  let server: Server;
  try {
    const app = createApp(ctx, await apiServices(ctx), { rateLimitPerMinute: config.apiRateLimit });
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    });
  } catch (err) {
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
      await infra.stop();
    },
  };
}
