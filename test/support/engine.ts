import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../engine/src/config/load.js';
import { createLogger } from '../../engine/src/infra/logger.js';
import { startEngine, type RunningEngine } from '../../engine/src/main.js';
import type { ServiceOptions } from '../../engine/src/services.js';
import { testDatabaseUrl, testStorageConnectionString } from './db.js';
import { EMULATOR_ORIGINS_SETTING } from './origins.js';

export interface TestEngine extends RunningEngine {
  schema: string;
  /** The settings it runs with, for another process on the same schema, container and key. */
  env: Record<string, string>;
  /** Drops the engine's schema after stopping it. */
  close(): Promise<void>;
  /** Stops this engine and starts another on the same schema, container and key (a process restart). */
  restart(): Promise<TestEngine>;
}

/**
 * A whole engine (API, workers, schedule) on the test run's PostgreSQL and Azurite, in a schema and
 * container of its own, listening on a free port. Extra environment overrides settings.
 */
export async function startTestEngine(options: ServiceOptions & { env?: Record<string, string> } = {}): Promise<TestEngine> {
  const id = randomBytes(5).toString('hex');
  const schema = `e_${id}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'orgvault-engine-'));
  const env: Record<string, string> = {
    PORT: '0',
    DATABASE_URL: testDatabaseUrl(),
    ORGVAULT_DB_SCHEMA: schema,
    AZURE_STORAGE_CONNECTION_STRING: testStorageConnectionString(),
    ORGVAULT_BLOB_CONTAINER: `c-${id}`,
    ORGVAULT_KEY_FILE: path.join(dir, 'kek.key'),
    ORGVAULT_DATA_DIR: dir,
    ORGVAULT_SALESFORCE_ORIGINS: EMULATOR_ORIGINS_SETTING,
    ...options.env,
  };
  const config = loadConfig(env, dir);
  const launch = async (): Promise<TestEngine> => {
    const engine = await startEngine(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), options);
    return {
      ...engine,
      schema,
      env,
      restart: async () => {
        await engine.stop();
        return launch();
      },
      close: async () => {
        await engine.stop();
        await dropSchema(schema);
      },
    };
  };
  return launch();
}

async function dropSchema(schema: string): Promise<void> {
  const { Client } = (await import('pg')).default;
  const c = new Client({ connectionString: testDatabaseUrl() });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_boss CASCADE`);
  await c.end();
}
