/**
 * `npm start`: the engine on its embedded defaults (or the configured services), stopped cleanly
 * on Ctrl-C / SIGTERM together with every child process it started.
 */
import { loadConfig } from '../engine/src/config/load.js';
import { createLogger } from '../engine/src/infra/logger.js';
import { startEngine, type RunningEngine } from '../engine/src/main.js';
import { OrgVaultError } from '../engine/src/errors.js';
import { exitNow, onShutdown } from '../engine/src/infra/shutdown.js';
import { demoWanted, reserveDemoAddress, startDemo } from './demo.js';

// Set once a stop begins: what start was doing may then fail (its pool is ended), which is no error.
let stopping = false;

async function main(): Promise<void> {
  const loaded = loadConfig();
  const demo = loaded.demo === false ? undefined : await reserveDemoAddress();
  const config = demo ? { ...loaded, salesforceOrigins: [...loaded.salesforceOrigins, demo.origin] } : loaded;
  const log = createLogger(config.logLevel);
  const started: { engine?: RunningEngine } = {};
  let stopDemo: (() => Promise<void>) | undefined;
  // Before anything starts: a Ctrl-C while the cluster initialises must not leave servers behind.
  onShutdown(async (signal) => {
    stopping = true;
    log.info({ signal }, 'stopping');
    await started.engine?.stop();
    await stopDemo?.();
  });
  const engine = (started.engine = await startEngine(config, log, { deferWork: true }));
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const embedded = engine.ctx.infra.embedded;
  log.info(
    { url: engine.url, dataDir: config.dataDir, embeddedPostgres: embedded.postgres, embeddedAzurite: embedded.azurite },
    'engine ready',
  );
  say(`OrgVault engine ready at ${engine.url}`);
  if (demo && (await demoWanted(engine))) stopDemo = await startDemo(engine, log, say, demo.port);
  await engine.startWork();
}

main().catch((err: unknown) => {
  if (stopping) return;
  const line = err instanceof OrgVaultError ? `orgvault: ${err.oneLine()}` : `orgvault: ${(err as Error)?.stack ?? String(err)}`;
  process.stderr.write(`${line}\n`);
  exitNow(1);
});
