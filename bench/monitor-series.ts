/**
 * The monitor's reads over a year of daily jobs of 200 objects each (73,000 passes per org, three
 * such orgs in the database): the daily series of a year (GET /orgs/{orgId}/monitor?days=366),
 * the figures of a page of 50 jobs, one job's per-object figures and the tile's protection
 * status. Baseline in the same run: one plain aggregate over the same org's passes (what any
 * answer about them costs at least). The goal: the series under 200 ms.
 *
 *   nice -n 10 npx tsx bench/monitor-series.ts [objects=200] [days=366] [runs=20]   (BENCH_DATABASE_URL to use a server)
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createPool, type Pool } from '../engine/src/infra/db.js';
import { migrate } from '../engine/src/infra/migrate.js';
import { startEmbeddedPostgres } from '../engine/src/infra/embedded-postgres.js';
import { createLogger } from '../engine/src/infra/logger.js';
import { BackupMonitor } from '../engine/src/backup/monitor.js';
import { getJob, jobObjects, listJobs } from '../engine/src/backup/jobs.js';
import { freePort } from '../test/support/ports.js';
import { insertTenantAndOrg } from '../test/support/fixtures.js';
import { seedJobs, type SeedJob } from '../test/support/monitor-seed.js';

const OBJECTS = Number(process.argv[2] ?? 200);
const DAYS = Number(process.argv[3] ?? 366);
const RUNS = Number(process.argv[4] ?? 20);
const ORGS = 3;
const DAY_MS = 86_400_000;

/** A year of nightly jobs: each object changes a little every day, a few fail now and then. */
function history(end: Date): SeedJob[] {
  return Array.from({ length: DAYS }, (_, d) => ({
    at: new Date(end.getTime() - (DAYS - 1 - d) * DAY_MS),
    durationMs: 60_000 + ((d * 7919) % 600_000),
    apiLimit: 100_000,
    status: d % 97 === 0 ? ('partial' as const) : ('succeeded' as const),
    passes: Array.from({ length: OBJECTS }, (_, o) => ({
      object: `Object${String(o).padStart(3, '0')}__c`,
      inserted: d === 0 ? 1000 + o : (d * o) % 13,
      updated: (d + o) % 29,
      removed: (d * 3 + o) % 7 === 0 ? 2 : 0,
      bytes: 4096 + ((d * o) % 2048),
      files: o % 50 === 0 ? 3 : 0,
      apiCalls: 3 + (o % 4),
      ...(d % 97 === 0 && o === 7 ? { failed: 'INVALID_FIELD: simulated' } : {}),
    })),
  }));
}

async function timed(fn: () => Promise<unknown>): Promise<{ median: number; p95: number }> {
  await fn(); // warm: plans and buffers, as a page that was opened before
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)]!, p95: ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)]! };
}

async function seed(pool: Pool, end: Date): Promise<string[]> {
  const orgIds: string[] = [];
  for (let i = 0; i < ORGS; i++) {
    const { orgId } = await insertTenantAndOrg(pool);
    await seedJobs(pool, orgId, history(end));
    orgIds.push(orgId);
  }
  await pool.query('ANALYZE');
  return orgIds;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'orgvault-bench-monitor-'));
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
  const pool = createPool(url, schema, 4);
  try {
    await migrate(pool, schema);
    const end = new Date(`${new Date().toISOString().slice(0, 10)}T02:00:00Z`);
    const t0 = performance.now();
    const [orgId] = await seed(pool, end);
    const seeded = performance.now() - t0;
    const monitor = new BackupMonitor(pool);
    const page = await listJobs(pool, orgId!, 50);
    const job = await getJob(pool, orgId!, page[10]!.id);
    const objects = await jobObjects(pool, orgId!, job.id);
    const rows = await pool.query<{ n: string }>('SELECT count(*) AS n FROM backup_job_objects WHERE org_id = $1', [orgId]);

    const baseline = await timed(() =>
      pool.query('SELECT sum(inserted - removed), sum(bytes) FROM backup_job_objects WHERE org_id = $1', [orgId]),
    );
    const results = {
      series: await timed(() => monitor.series(orgId!, { to: end, days: DAYS })),
      jobPage: await timed(() => monitor.jobFigures(orgId!, page)),
      objectFigures: await timed(() => monitor.objectFigures(orgId!, job, objects)),
      status: await timed(() =>
        monitor.status(orgId!, { status: 'succeeded' }, { continuous: false, everyMs: DAY_MS, continuousUntil: null }),
      ),
    };
    const series = await monitor.series(orgId!, { to: end, days: DAYS });
    console.log(
      JSON.stringify(
        {
          orgs: ORGS,
          objects: OBJECTS,
          days: DAYS,
          passesPerOrg: Number(rows.rows[0]!.n),
          seededSeconds: Math.round(seeded / 100) / 10,
          seriesPoints: series.days.length,
          seriesJobs: series.jobs,
          baselineMs: round(baseline),
          ...Object.fromEntries(
            Object.entries(results).map(([k, v]) => [
              `${k}Ms`,
              { ...round(v), vsBaseline: Math.round((10 * v.median) / baseline.median) / 10 },
            ]),
          ),
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

function round(t: { median: number; p95: number }): { median: number; p95: number } {
  return { median: Math.round(t.median * 10) / 10, p95: Math.round(t.p95 * 10) / 10 };
}

await main();
