import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/schema.js';
import { createLogger, type Logger } from './infra/logger.js';
import { startInfra } from './infra/stack.js';
import { createApp, listen } from './api/app.js';
import type { PreviewMount } from './api/preview.js';
import { fromSystemError } from './errors.js';
import type { EngineContext } from './context.js';
import { assertPortFree } from './infra/ports.js';
import { createServices, type Services, type ServiceOptions } from './services.js';
import { ensureLocalAdminKey } from './tenants/local-admin.js';
import { localUrl, removeEngineFile, writeEngineFile } from './infra/engine-file.js';

export interface RunningEngine {
  url: string;
  ctx: EngineContext;
  services: Services;
  /** Serves the page's local preview from `dir` (built by the launcher) at /preview, and / leads there. */
  servePreview(dir: string): void;
  /** Starts the workers and the schedule when startEngine was asked to leave them for later. */
  startWork(): Promise<void>;
  stop(): Promise<void>;
}

export interface EngineOptions extends ServiceOptions {
  /**
   * Leave the workers and the schedule to startWork(): a launcher that must first refresh an org's
   * connection (the demo's emulator moves on each start) keeps a resumed job from meeting the old one.
   */
  deferWork?: boolean;
}

/** The composition root: config → infra → services → api. */
export async function startEngine(
  config: Config,
  log: Logger = createLogger(config.logLevel),
  options: EngineOptions = {},
): Promise<RunningEngine> {
  if (config.port !== 0) await assertPortFree(config.port, config.host, 'The engine', 'PORT');
  const infra = await startInfra(config, log);
  const ctx: EngineContext = { config, log, infra };
  let services: Services;
  try {
    services = await createServices(ctx, options);
  } catch (err) {
    await infra.stop();
    throw err;
  }
  let server: Server;
  const preview: PreviewMount = { dir: config.previewDir };
  try {
    const localAdminKey = ensureLocalAdminKey(config.dataDir);
    const app = createApp(ctx, services.api, { rateLimitPerMinute: config.apiRateLimit, localAdminKey }, preview);
    server = await listen(app, config.port, config.host);
  } catch (err) {
    await services.stop();
    await infra.stop();
    throw fromSystemError(err, `The engine cannot listen on ${config.host}:${config.port}`);
  }
  let working: Promise<void> | undefined;
  let stopping = false;
  const startWork = (): Promise<void> => (stopping ? Promise.resolve() : (working ??= services.start()));
  if (!options.deferWork) await startWork();
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  services.setPublicUrl(url);
  writeEngineFile(config.dataDir, localUrl(config.host, port));
  return {
    url,
    ctx,
    services,
    servePreview: (dir) => void (preview.dir = dir),
    startWork,
    stop: async () => {
      // A stop that comes while the workers start waits for them: stopping half-started ones would
      // end the pool under their feet.
      stopping = true;
      removeEngineFile(config.dataDir);
      await working?.catch(() => undefined);
      await services.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await infra.stop();
    },
  };
}
