import type { ContainerClient } from '@azure/storage-blob';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { ensureWritableDir } from './data-dir.js';
import { embeddedEngineUrl, startEmbeddedPostgres } from './embedded-postgres.js';
import { startAzurite } from './azurite.js';
import { createPool, assertReachable, type Pool } from './db.js';
import { migrate } from './migrate.js';
import { openContainer } from './blob.js';
import { readOwner, writeOwner, removeOwner } from './owner.js';
import type { Logger } from './logger.js';

export interface Infra {
  /** The owner's connection: migrations and pg-boss's queue (which migrates its own schema at each start). */
  databaseUrl: string;
  storageConnectionString: string;
  /** The engine's work: as a role that owns no table (embedded; or DATABASE_URL's with DATABASE_OWNER_URL set). */
  pool: Pool;
  container: ContainerClient;
  /**
   * Set when this process started embedded Azurite: files recorded from then on may have been
   * dropped by an unclean stop, and are read back before they are trusted.
   */
  blobsUnprovenSince?: Date;
  /** True when each service is the embedded one (shown on /readyz and at start). */
  embedded: { postgres: boolean; azurite: boolean };
  stop(): Promise<void>;
}

/**
 * The same code path for embedded and external services: only where the URL and connection
 * string come from differs. Stops in reverse order of start, also when start fails half-way.
 */
export async function startInfra(config: Config, log: Logger): Promise<Infra> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch((err) => log.warn({ err }, 'stop failed'));
    stops.length = 0;
  };
  try {
    const needsDataDir = !config.databaseUrl || !config.azureStorageConnectionString || !config.keyFile;
    if (needsDataDir) ensureWritableDir(config.dataDir);

    let databaseUrl = config.databaseUrl;
    let storageConnectionString = config.azureStorageConnectionString;
    let blobsUnprovenSince: Date | undefined;
    // A CLI command while `npm start` runs shares its embedded services instead of restarting them.
    const shared = !databaseUrl || !storageConnectionString ? readOwner(config.dataDir) : undefined;
    if (shared) {
      databaseUrl ??= shared.databaseUrl;
      storageConnectionString ??= shared.storageConnectionString;
    } else if (!databaseUrl || !storageConnectionString) {
      if (!databaseUrl) {
        const pg = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, log);
        stops.push(pg.stop);
        databaseUrl = pg.url;
      }
      if (!storageConnectionString) {
        const az = await startAzurite(config.dataDir, config.azuritePort, log);
        stops.push(az.stop);
        storageConnectionString = az.connectionString;
        blobsUnprovenSince = az.unprovenSince;
      }
      writeOwner(config.dataDir, { databaseUrl, storageConnectionString });
      stops.push(async () => removeOwner(config.dataDir));
    }
    const owner = config.databaseUrl ? (config.databaseOwnerUrl ?? config.databaseUrl) : databaseUrl;
    const pool = createPool(config.databaseUrl ?? embeddedEngineUrl(databaseUrl), config.databaseSchema);
    stops.push(() => pool.end());
    await assertReachable(pool);
    await migrateAsOwner(owner, pool, config.databaseSchema, log);
    const container = await openContainer(storageConnectionString, config.blobContainer);
    return {
      databaseUrl: owner,
      storageConnectionString,
      pool,
      container,
      ...(blobsUnprovenSince ? { blobsUnprovenSince } : {}),
      embedded: { postgres: !config.databaseUrl, azurite: !config.azureStorageConnectionString },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Migrations run as the tables' owner; when the engine's pool is another role, that role is then
 * granted reads and writes of every table (and no more).
 */
async function migrateAsOwner(ownerUrl: string, pool: Pool, schema: string, log: Logger): Promise<void> {
  const engineRole = (await pool.query<{ role: string }>('SELECT current_user AS role')).rows[0]!.role;
  const ownerPool = createPool(ownerUrl, schema, 1);
  try {
    const ownerRole = (await ownerPool.query<{ role: string }>('SELECT current_user AS role')).rows[0]!.role;
    const grantTo = ownerRole === engineRole ? {} : { grantTo: engineRole };
    const applied = await migrate(ownerPool, schema, undefined, grantTo);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
  } finally {
    await ownerPool.end();
  }
}

/** Whether the database and the blob store answer now: 'ok' or what went wrong, by service. */
export async function readiness(infra: Pick<Infra, 'pool' | 'container'>): Promise<{ database: string; blob: string }> {
  const answer = (check: Promise<unknown>) => check.then(() => 'ok').catch((e: Error) => e.message);
  return { database: await answer(infra.pool.query('SELECT 1')), blob: await answer(infra.container.getProperties()) };
}

export function defaultKeyFile(config: Config): string {
  return config.keyFile ?? path.join(config.dataDir, 'keys', 'kek.key');
}
