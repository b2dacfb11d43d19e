/**
 * Engine benchmark: our Bulk API 2.0 result reader (salesforce/bulk2-query.ts: locator paging,
 * one page read ahead, retries, budget metering) against a plain fetch loop over the same job's
 * pages, both handing each page to a consumer that hashes it (standing in for the store's scan).
 * The emulator runs in its own process. Runs alternate, three each; medians are compared.
 *
 *   nice -n 10 npx tsx bench/salesforce-bulk-reader.ts [records] [maxRecords]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { openConnection } from '../engine/src/salesforce/connection.js';
import { OrgOrigins } from '../engine/src/salesforce/origins.js';
import { createBulkQueryJob, readBulkQueryResults } from '../engine/src/salesforce/bulk2-query.js';
import { waitForBulkJob } from '../engine/src/salesforce/bulk2-jobs.js';

const records = Number(process.argv[2] ?? 300_000);
const maxRecords = Number(process.argv[3] ?? 50_000);
const SOQL =
  'SELECT Id, FirstName, LastName, Email, Phone, Title, AccountId, OwnerId, CreatedDate, LastModifiedDate, SystemModstamp FROM Contact';

const child = spawn(process.execPath, ['--import', 'tsx', 'test/emulator/cli.ts', '--records', String(records)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const ready = await new Promise<{ instanceUrl: string; accessToken: string }>((resolve, reject) => {
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const m = /EMULATOR_READY (.*)\n/.exec(buf);
    if (m) resolve(JSON.parse(m[1]!) as { instanceUrl: string; accessToken: string });
  });
  child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
});

const consume = (csv: Buffer): void => void createHash('sha256').update(csv).digest();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  const conn = await openConnection(
    { kind: 'accessToken', accessToken: ready.accessToken, instanceUrl: ready.instanceUrl },
    { origins: new OrgOrigins([new URL(ready.instanceUrl).origin]) },
  );
  const job = await createBulkQueryJob(conn, SOQL);
  await waitForBulkJob(conn, 'query', job.id, { initialDelayMs: 50, maxDelayMs: 500 });
  const base = `${ready.instanceUrl}/services/data/v${conn.apiVersion}/jobs/query/${job.id}/results`;

  const plain = async (): Promise<number> => {
    let rows = 0;
    let locator: string | null = null;
    do {
      const res: Response = await fetch(`${base}?maxRecords=${maxRecords}${locator ? `&locator=${locator}` : ''}`, {
        headers: { Authorization: `Bearer ${ready.accessToken}`, Accept: 'text/csv' },
      });
      consume(Buffer.from(await res.arrayBuffer()));
      rows += Number(res.headers.get('sforce-numberofrecords'));
      const next = res.headers.get('sforce-locator');
      locator = next === 'null' ? null : next;
    } while (locator);
    return rows;
  };
  const ours = async (): Promise<number> => {
    let rows = 0;
    for await (const page of readBulkQueryResults(conn, job.id, { maxRecords })) {
      consume(page.csv);
      rows += page.records;
    }
    return rows;
  };

  const times = { plain: [] as number[], ours: [] as number[] };
  let rows = 0;
  for (let i = 0; i < 3; i++) {
    for (const [name, run] of [
      ['plain', plain],
      ['ours', ours],
    ] as const) {
      const t0 = performance.now();
      rows = await run();
      times[name].push((performance.now() - t0) / 1000);
    }
  }
  const calls0 = conn.budget.callsMade;
  await ours();
  const callsPerRead = conn.budget.callsMade - calls0;
  const p = median(times.plain);
  const o = median(times.ours);
  console.log(`Contact, ${rows} records, 11 fields, maxRecords ${maxRecords}; load average ${os.loadavg()[0]!.toFixed(1)}`);
  console.log(`plain fetch loop: ${p.toFixed(2)} s → ${Math.round(rows / p)} records/s`);
  console.log(`our reader:       ${o.toFixed(2)} s → ${Math.round(rows / o)} records/s, ${callsPerRead} API calls per read`);
  console.log(`ratio ours / plain: ${(o / p).toFixed(2)}× (below 1: the read ahead hides the consumer's work)`);
  console.log(`engine peak RSS ${Math.round((process.resourceUsage().maxRSS * 1024) / 1024 / 1024)} MB`);
} finally {
  child.kill('SIGTERM');
}
