/**
 * Prune of VERSIONS record versions (default 1,000,000) with 30% expired: each record has ten
 * versions, four before the keep-all window (three of which expire) and six inside it. Half the
 * records were stored a day per page (whole packs expire), half all their versions per page
 * (every pack is rewritten). Measures the prune's time, stored bytes reclaimed, peak RSS and the
 * API calls it makes (it holds no org connection: none), against baselines of the same run:
 * writing the same versions, and reading the object as of now.
 *
 *   nice -n 10 npx tsx bench/prune.ts [versions=1000000]   (BENCH_DATABASE_URL to use a server)
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { createPool } from '../engine/src/infra/db.js';
import { migrate } from '../engine/src/infra/migrate.js';
import { startEmbeddedPostgres } from '../engine/src/infra/embedded-postgres.js';
import { createLogger } from '../engine/src/infra/logger.js';
import { Store } from '../engine/src/store/store.js';
import { localFileKek } from '../engine/src/store/keys/kek.js';
import { RetentionService } from '../engine/src/retention/index.js';
import { freePort } from '../test/support/ports.js';

const VERSIONS = Number(process.argv[2] ?? 1_000_000);
const RECORDS = Math.floor(VERSIONS / 10);
const PAGE_ROWS = 20_000;
const DAY = 86_400_000;
const CUTOFF = new Date('2026-12-01T00:00:00Z');
/** Days before the cutoff of each record's ten versions; the window is 30 days. */
const AGES = [100, 90, 80, 70, 29, 25, 20, 15, 10, 5];
const HEADER = 'Id,Name,Industry,AnnualRevenue,Phone,Description,SystemModstamp,IsDeleted';
const MB = 1 << 20;

const idOf = (r: number): string => `001${r.toString(36).padStart(12, '0')}AAA`;
const row = (r: number, age: number): string =>
  `${idOf(r)},"Account ${r} as of ${age}",Energy,${(r * 7919) % 1_000_000},+1 555 ${String(r % 10_000).padStart(4, '0')},"Version ${age} of record ${r}, with a description long enough to compress",${new Date(CUTOFF.getTime() - age * DAY).toISOString()},false`;

function* pages(): Generator<Buffer> {
  let lines: string[] = [];
  const flush = () => {
    const page = Buffer.from(`${HEADER}\n${lines.join('\n')}\n`);
    lines = [];
    return page;
  };
  const half = Math.floor(RECORDS / 2);
  for (const age of AGES)
    for (let r = 0; r < half; r++) {
      lines.push(row(r, age));
      if (lines.length === PAGE_ROWS) yield flush();
    }
  if (lines.length) yield flush();
  for (let r = half; r < RECORDS; r++)
    for (const age of AGES) {
      lines.push(row(r, age));
      if (lines.length === PAGE_ROWS) yield flush();
    }
  if (lines.length) yield flush();
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, (performance.now() - t) / 1000];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'orgvault-bench-prune-'));
  chmodSync(dir, 0o755);
  let stopPg = async (): Promise<void> => undefined;
  let url = process.env.BENCH_DATABASE_URL;
  if (!url) {
    const pg = await startEmbeddedPostgres(dir, await freePort(), createLogger('warn'));
    stopPg = pg.stop;
    url = pg.url;
  }
  const schema = `bench_${randomUUID().slice(0, 8)}`;
  const pool = createPool(url, schema, 6);
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
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
    // No files in this benchmark: the container is never reached.
    const container = BlobServiceClient.fromConnectionString('UseDevelopmentStorage=true').getContainerClient('unused');
    const store = new Store({ pool, container, kek: localFileKek(path.join(dir, 'keys', 'kek.key')) });
    const columns = { id: 'Id', modstamp: 'SystemModstamp', deleted: 'IsDeleted' };
    const [, writeSeconds] = await timed(async () => {
      for (const csv of pages()) await store.putCsvPage({ orgId: org.id, object: 'Account', source: 'bulk', csv, columns });
    });
    const one = async (sql: string): Promise<number> => Number((await pool.query(sql, [org.id])).rows[0].n);
    const packBytes = () => one('SELECT coalesce(sum(octet_length(data)), 0)::bigint AS n FROM packs WHERE org_id = $1');
    const versions = () => one('SELECT coalesce(sum(row_count), 0)::bigint AS n FROM packs WHERE org_id = $1');
    const [before, bytesBefore] = [await versions(), await packBytes()];
    const [records, readSeconds] = await timed(async () => {
      let n = 0;
      for await (const _ of store.readAsOf({ orgId: org.id, object: 'Account', at: CUTOFF })) n++;
      return n;
    });

    const retention = new RetentionService(pool, store, { now: () => CUTOFF, fileDelaySeconds: 0 });
    await retention.setPolicy(
      { tenantId: org.tenantId, orgId: org.id },
      { keepAllDays: 30, dailyWeeks: 0, weeklyMonths: 0, monthlyYears: 0 },
      'bench',
    );
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    peakRss = rssBefore;
    const [run, pruneSeconds] = await timed(() => retention.prune(org, 'bench'));
    const [after, bytesAfter] = [await versions(), await packBytes()];

    console.log(
      `versions: ${before.toLocaleString('en')} in ${RECORDS.toLocaleString('en')} records, ${(bytesBefore / MB).toFixed(1)} MB of packs`,
    );
    console.log(
      `write (baseline): ${writeSeconds.toFixed(1)} s; read as of now (baseline): ${records.toLocaleString('en')} records in ${readSeconds.toFixed(1)} s`,
    );
    console.log(
      `prune: ${pruneSeconds.toFixed(1)} s (${(pruneSeconds / writeSeconds).toFixed(2)} × write, ${(pruneSeconds / readSeconds).toFixed(2)} × read); ` +
        `removed ${run.versionsRemoved.toLocaleString('en')} versions (${((100 * run.versionsRemoved) / before).toFixed(1)}%), ` +
        `${run.packsRewritten} packs rewritten, ${run.packsDeleted} deleted`,
    );
    console.log(
      `bytes: ${(bytesBefore / MB).toFixed(1)} → ${(bytesAfter / MB).toFixed(1)} MB of packs, ${((bytesBefore - bytesAfter) / MB).toFixed(1)} MB reclaimed; versions left ${after.toLocaleString('en')}`,
    );
    console.log(
      `peak RSS during prune: ${(peakRss / MB).toFixed(0)} MB (+${((peakRss - rssBefore) / MB).toFixed(0)} MB); API calls: 0 (prune holds no org connection)`,
    );
  } finally {
    clearInterval(sampler);
    await pool.end();
    await stopPg();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
