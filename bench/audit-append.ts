/**
 * The cost of one audit entry: appends one after another (what a request waits for before its
 * answer), and many at once into one tenant's chain (which take turns) and into many tenants'.
 * Baseline in the same run: one committed single-row INSERT, the least any durable entry costs.
 *
 *   nice -n 10 npx tsx bench/audit-append.ts [entries=400]   (BENCH_DATABASE_URL to use a server)
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createPool } from '../engine/src/infra/db.js';
import { migrate } from '../engine/src/infra/migrate.js';
import { startEmbeddedPostgres } from '../engine/src/infra/embedded-postgres.js';
import { createLogger } from '../engine/src/infra/logger.js';
import { AuditService, type AuditRecord } from '../engine/src/audit/index.js';
import { freePort } from '../test/support/ports.js';

const ENTRIES = Number(process.argv[2] ?? 400);
const CONCURRENCY = 8;

const entry = (tenantId: string, i: number): AuditRecord => ({
  tenantId,
  actor: 'admin@example.com',
  keyId: randomUUID(),
  source: 'api',
  action: 'org.read',
  target: 'GET /api/v1/orgs/:orgId',
  outcome: 'refused',
  code: 'NOT_FOUND',
  requestId: `req-${i}`,
});

/** Milliseconds per item: `count` items, `parallel` at a time. */
async function perItem(count: number, parallel: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await fn(next++);
    }),
  );
  return (performance.now() - t) / count;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'orgvault-bench-audit-'));
  // Embedded PostgreSQL runs as 'postgres' when we are root: it must be able to enter the folder.
  chmodSync(dir, 0o755);
  let stopPg: (() => Promise<void>) | undefined;
  let url = process.env.BENCH_DATABASE_URL;
  if (!url) {
    const pg = await startEmbeddedPostgres(dir, await freePort(), createLogger('warn'));
    stopPg = pg.stop;
    url = pg.url;
  }
  const schema = `bench_${randomUUID().slice(0, 8)}`;
  const pool = createPool(url, schema, CONCURRENCY + 2);
  try {
    await migrate(pool, schema);
    await pool.query('CREATE TABLE bench_floor (tenant_id uuid, n integer, body text)');
    const audit = new AuditService(pool, createLogger('silent'));
    const one = randomUUID();
    const tenants = Array.from({ length: CONCURRENCY }, () => randomUUID());
    await perItem(50, 1, (i) => audit.record(entry(one, i))); // warm: plans, buffers, the chain row
    const floor = await perItem(ENTRIES, 1, (i) => pool.query('INSERT INTO bench_floor VALUES ($1, $2, $3)', [one, i, 'x'.repeat(200)]));
    const sequential = await perItem(ENTRIES, 1, (i) => audit.record(entry(one, i)));
    const oneChain = await perItem(ENTRIES, CONCURRENCY, (i) => audit.record(entry(one, i)));
    const manyChains = await perItem(ENTRIES, CONCURRENCY, (i) => audit.record(entry(tenants[i % CONCURRENCY]!, i)));
    const verified = await audit.verify(one);
    const ms = (v: number) => ({ msPerEntry: Math.round(v * 100) / 100, vsFloor: Math.round((10 * v) / floor) / 10 });
    console.log(
      JSON.stringify(
        {
          entries: ENTRIES,
          concurrency: CONCURRENCY,
          floorInsertMs: Math.round(floor * 100) / 100,
          sequential: ms(sequential),
          [`oneTenant${CONCURRENCY}AtOnce`]: ms(oneChain),
          [`${CONCURRENCY}Tenants${CONCURRENCY}AtOnce`]: ms(manyChains),
          chainVerifies: verified.ok,
        },
        null,
        2,
      ),
    );
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
    await stopPg?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
