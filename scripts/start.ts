/**
 * `npm start`: the engine on its embedded defaults (or the configured services), stopped cleanly
 * on Ctrl-C / SIGTERM together with every child process it started.
 */
import { loadConfig } from '../engine/src/config/load.js';
import { createLogger } from '../engine/src/infra/logger.js';
import { startEngine } from '../engine/src/main.js';
import { OrgVaultError } from '../engine/src/errors.js';
import { onShutdown } from '../engine/src/infra/shutdown.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const engine = await startEngine(config, log);
  onShutdown(async (signal) => {
    log.info({ signal }, 'stopping');
    await engine.stop();
  });
  const embedded = engine.ctx.infra.embedded;
  log.info(
    { url: engine.url, dataDir: config.dataDir, embeddedPostgres: embedded.postgres, embeddedAzurite: embedded.azurite },
    'engine ready',
  );
  process.stdout.write(`OrgVault engine ready at ${engine.url}\n`);
}

main().catch((err: unknown) => {
  const line = err instanceof OrgVaultError ? `orgvault: ${err.oneLine()}` : `orgvault: ${(err as Error)?.stack ?? String(err)}`;
  process.stderr.write(`${line}\n`);
  process.exit(1);
});
