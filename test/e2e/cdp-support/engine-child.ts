/**
 * An engine in a process of its own, for the suites that kill it: settings as JSON in
 * ORGVAULT_CHILD_ENV, "READY" on stdout once it runs, a clean stop on SIGTERM (SIGKILL is the point).
 */
import { loadConfig } from '../../../engine/src/config/load.js';
import { createLogger } from '../../../engine/src/infra/logger.js';
import { startEngine } from '../../../engine/src/main.js';

const env = JSON.parse(process.env.ORGVAULT_CHILD_ENV ?? '{}') as Record<string, string>;
const config = loadConfig(env, env.ORGVAULT_DATA_DIR);
const engine = await startEngine(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), {
  worker: { pollMs: 200 },
  cdp: { scanMs: 200, retryMs: 200 },
});
process.stdout.write('READY\n');
process.once('SIGTERM', () => void engine.stop().then(() => process.exit(0)));
