/**
 * One PostgreSQL and one Azurite for the whole test run (each suite then works in a schema and
 * container of its own). TEST_DATABASE_URL / TEST_AZURE_STORAGE_CONNECTION_STRING use existing
 * services instead, e.g. a CI database.
 */
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../engine/src/infra/embedded-postgres.js';
import { startAzurite } from '../../engine/src/infra/azurite.js';
import { createLogger } from '../../engine/src/infra/logger.js';
import { freePort } from './ports.js';

export default async function globalSetup(): Promise<void> {
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
  const dir = mkdtempSync(path.join(tmpdir(), 'orgvault-test-'));
  // The embedded server may run as the `postgres` user (when tests run as root): let it in.
  chmodSync(dir, 0o755);
  const stops: Array<() => Promise<void>> = [];
  if (!process.env.TEST_DATABASE_URL) {
    const pg = await startEmbeddedPostgres(dir, await freePort(), log);
    stops.push(pg.stop);
    process.env.TEST_DATABASE_URL = pg.url;
  }
  if (!process.env.TEST_AZURE_STORAGE_CONNECTION_STRING) {
    const az = await startAzurite(dir, await freePort(), log);
    stops.push(az.stop);
    process.env.TEST_AZURE_STORAGE_CONNECTION_STRING = az.connectionString;
  }
  process.env.ORGVAULT_TEST_TMP = dir;
  (globalThis as { __orgvaultStops?: Array<() => Promise<void>> }).__orgvaultStops = stops;
}
