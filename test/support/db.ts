import { randomBytes } from 'node:crypto';
import { createPool, type Pool } from '../../engine/src/infra/db.js';
import { migrate } from '../../engine/src/infra/migrate.js';

export interface TestDb {
  url: string;
  schema: string;
  pool: Pool;
  /** Drops the schema and closes the pool. */
  drop(): Promise<void>;
}

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run tests through jest (global setup starts PostgreSQL)');
  return url;
}

/** A fresh schema per test suite, migrated unless told otherwise (the pg-boss way). */
export async function createTestDb(options: { migrate?: boolean } = {}): Promise<TestDb> {
  const url = testDatabaseUrl();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const pool = createPool(url, schema, 10);
  if (options.migrate !== false) await migrate(pool, schema);
  return {
    url,
    schema,
    pool,
    drop: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
}

export function testStorageConnectionString(): string {
  const cs = process.env.TEST_AZURE_STORAGE_CONNECTION_STRING;
  if (!cs) throw new Error('TEST_AZURE_STORAGE_CONNECTION_STRING is not set: run tests through jest');
  return cs;
}
