/**
 * The engine side of bench/backup.ts, run in a process of its own so that its peak RSS is the
 * engine's alone: starts an engine on the PostgreSQL and Azurite named by TEST_DATABASE_URL /
 * TEST_AZURE_STORAGE_CONNECTION_STRING, connects the org, then runs one backup job per line read
 * on stdin and answers each with a JSON line. Environment: BENCH_INSTANCE_URL, BENCH_ACCESS_TOKEN,
 * BENCH_OBJECTS (comma-separated: everything else is excluded), BENCH_CONCURRENCY.
 */
import { createInterface } from 'node:readline';
import { startTestEngine } from '../test/support/engine.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const instanceUrl = env('BENCH_INSTANCE_URL');
const keep = new Set(env('BENCH_OBJECTS').split(','));
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);

// The variant's settings (ORGVAULT_*): startTestEngine reads only the environment it is given.
const settings = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k.startsWith('ORGVAULT_') && v !== undefined)) as Record<
  string,
  string
>;
// A short overlap: changes made for an earlier variant of the same run are not read again.
const engine = await startTestEngine({ runner: { concurrency, overlapMs: 1000 }, worker: { pollMs: 100 }, env: settings });
const tenant = await engine.services.tenants.create('bench');
await engine.services.schedule.subscriptions.put(tenant.id, { type: 'enterprise' });
const { orgId } = await engine.services.connect(tenant.id, { kind: 'accessToken', instanceUrl, accessToken: env('BENCH_ACCESS_TOKEN') });
const org = await engine.services.orgs.get({ tenantId: tenant.id, orgId: null }, orgId);

const global = (await (
  await fetch(`${instanceUrl}/services/data/v62.0/sobjects`, { headers: { Authorization: `Bearer ${env('BENCH_ACCESS_TOKEN')}` } })
).json()) as { sobjects: Array<{ name: string }> };
await engine.services.schedule.backupSettings.put(orgId, {
  excludedObjects: global.sobjects.map((s) => s.name).filter((n) => !keep.has(n)),
});

/** Bytes the store holds for this org's data: its tables (with indexes and TOAST) and blob bytes. */
async function storedBytes(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['packs', 'record_versions', 'blobs', 'blob_refs']) {
    const { rows } = await engine.ctx.infra.pool.query<{ n: string }>(`SELECT pg_total_relation_size($1::regclass) AS n`, [
      `${engine.schema}.${table}`,
    ]);
    out[table] = Number(rows[0]!.n);
  }
  const { rows } = await engine.ctx.infra.pool.query<{ n: string | null }>(
    `SELECT sum(octet_length(data))::bigint AS n FROM packs WHERE org_id = $1`,
    [orgId],
  );
  out.packPayload = Number(rows[0]!.n ?? 0);
  return out;
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line === 'stop') break;
  const t0 = performance.now();
  const job = await engine.services.jobs.start(org, { by: 'bench' });

  let done = await engine.services.jobs.get(org, job.id);
  while (['queued', 'running', 'paused'].includes(done.status)) {
    await new Promise((r) => setTimeout(r, 20));
    done = await engine.services.jobs.get(org, job.id);
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    JSON.stringify({
      kind: done.kind,
      status: done.status,
      seconds,
      records: done.progress.records,
      apiCalls: done.progress.apiCalls,
      objects: done.objectDetails.map((o) => ({
        name: o.name,
        status: o.status,
        records: o.records,
        apiCalls: o.apiCalls,
        error: o.error,
      })),
      stored: await storedBytes(),
      peakRss: process.resourceUsage().maxRSS * 1024,
    }) + '\n',
  );
}
await engine.close();
process.exit(0);
