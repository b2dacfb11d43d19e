import { loadConfig } from '../config/load.js';
import { createLogger } from '../infra/logger.js';
import { startInfra } from '../infra/stack.js';
import { createServices, type Services } from '../services.js';
import type { EngineContext } from '../context.js';

export interface CliSession {
  ctx: EngineContext;
  services: Services;
  close(): Promise<void>;
}

/**
 * The same infrastructure and services as the engine, without the HTTP server: a CLI command
 * attaches to the embedded services of a running `npm start`, or starts its own for the time it
 * runs. Logs go to stderr so stdout stays the command's output.
 */
export async function openSession(): Promise<CliSession> {
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr);
  const infra = await startInfra(config, log);
  const ctx: EngineContext = { config, log, infra };
  try {
    const services = await createServices(ctx);
    return {
      ctx,
      services,
      close: async () => {
        await services.stop();
        await infra.stop();
      },
    };
  } catch (err) {
    await infra.stop();
    throw err;
  }
}
