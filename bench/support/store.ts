/** What the store benchmarks share: a timer, and a migrated database with one org and its Store. */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { createPool, type Pool } from '../../engine/src/infra/db.js';
import { migrate } from '../../engine/src/infra/migrate.js';
import { startEmbeddedPostgres } from '../../engine/src/infra/embedded-postgres.js';
import { createLogger } from '../../engine/src/infra/logger.js';
import { Store } from '../../engine/src/store/store.js';
import { localFileKek } from '../../engine/src/store/keys/kek.js';
import { freePort } from '../../test/support/ports.js';

export async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, (performance.now() - t) / 1000];
}

export interface BenchStore {
  pool: Pool;
  store: Store;
  org: { id: string; tenantId: string; name: string };
  /** Drops the schema, stops what was started and removes the folder. */
  close(): Promise<void>;
}

/** Embedded PostgreSQL unless BENCH_DATABASE_URL names one; a fresh schema either way. */
export async function openBenchStore(prefix: string, poolSize: number): Promise<BenchStore> {
  const dir = mkdtempSync(path.join(tmpdir(), `orgvault-bench-${prefix}-`));
  chmodSync(dir, 0o755);
  let stopPg = async (): Promise<void> => undefined;
  let url = process.env.BENCH_DATABASE_URL;
  if (!url) {
    const pg = await startEmbeddedPostgres(dir, await freePort(), createLogger('warn'));
    stopPg = pg.stop;
    url = pg.url;
  }
  const schema = `bench_${randomUUID().slice(0, 8)}`;
  const pool = createPool(url, schema, poolSize);
  const close = async (): Promise<void> => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
    await stopPg();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await migrate(pool, schema);
    const org = { id: randomUUID(), tenantId: randomUUID(), name: 'bench' };
    await pool.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [org.tenantId, 'bench']);
    await pool.query('INSERT INTO orgs (id, tenant_id, sf_org_id, name, instance_url) VALUES ($1, $2, $3, $4, $5)', [
      org.id,
      org.tenantId,
      '00Dbench',
      'bench',
      'https://bench.invalid',
    ]);
    // No files in these benchmarks: the container is never reached.
    const container = BlobServiceClient.fromConnectionString('UseDevelopmentStorage=true').getContainerClient('unused');
    const store = new Store({ pool, container, kek: localFileKek(path.join(dir, 'keys', 'kek.key')) });
    return { pool, store, org, close };
  } catch (err) {
    await close();
    throw err;
  }
}
