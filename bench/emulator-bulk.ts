/**
 * Emulator benchmark: serving Bulk API 2.0 query results of a 20-field object (Account grown to
 * N records, default 1,000,000) over HTTP, read page by page by a client in another process
 * following Sforce-Locator, and the same query as a Bulk API 1.0 job (one result file, every
 * value quoted). Baseline in the same run: a plain HTTP server writing the very same CSV pages
 * from memory to the same client. Prints records/s for each, their ratio to the baseline, and the
 * emulator's peak RSS. Target: ≥ 250,000 records/s for both APIs.
 *
 *   nice -n 10 npx tsx bench/emulator-bulk.ts [records] [maxRecords]
 */
import http from 'node:http';
import os from 'node:os';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { startEmulator } from '../test/emulator/server.js';
import { executeSoql } from '../test/emulator/soql/execute.js';
import { csvHeader, csvRowWriter } from '../test/emulator/soql/csv.js';
import { encodeLocator } from '../test/emulator/bulk/query-jobs.js';

const records = Number(process.argv[2] ?? 1_000_000);
const pageSize = Number(process.argv[3] ?? 100_000);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

const FIELDS =
  'Id, Name, Type, ParentId, BillingStreet, BillingCity, BillingState, BillingPostalCode, BillingCountry, Phone, Website, ' +
  'Industry, AnnualRevenue, NumberOfEmployees, AccountNumber, Rating, OwnerId, CreatedDate, LastModifiedDate, SystemModstamp';
const SOQL = `SELECT ${FIELDS} FROM Account`;

/** The client, run in its own process so it does not share the server's event loop. */
const CLIENT = `
const [base, token, jobId, maxRecords, encoding] = process.argv.slice(1);
let locator = null, records = 0, bytes = 0, pages = 0;
const t0 = performance.now();
do {
  const url = base + '/jobs/query/' + jobId + '/results?maxRecords=' + maxRecords + (locator ? '&locator=' + locator : '');
  const res = await fetch(url, { headers: { Authorization: 'Bearer ' + token, Accept: 'text/csv', 'Accept-Encoding': encoding } });
  if (res.status !== 200) throw new Error('HTTP ' + res.status + ' ' + (await res.text()));
  for await (const chunk of res.body) bytes += chunk.length;
  records += Number(res.headers.get('sforce-numberofrecords'));
  locator = res.headers.get('sforce-locator');
  pages++;
} while (locator !== 'null');
console.log(JSON.stringify({ records, bytes, pages, seconds: (performance.now() - t0) / 1000 }));
`;

/** Bulk API 1.0: one result file, read whole; its records are its lines but the header. */
const CLIENT_V1 = `
const [url, token] = process.argv.slice(1);
const t0 = performance.now();
const res = await fetch(url, { headers: { 'X-SFDC-Session': token } });
if (res.status !== 200) throw new Error('HTTP ' + res.status + ' ' + (await res.text()));
let bytes = 0, lines = 0;
for await (const chunk of res.body) { bytes += chunk.length; for (const b of chunk) if (b === 10) lines++; }
console.log(JSON.stringify({ records: lines - 1, bytes, pages: 1, seconds: (performance.now() - t0) / 1000 }));
`;

interface ClientRun {
  records: number;
  bytes: number;
  pages: number;
  seconds: number;
}

function runClient(base: string, token: string, jobId: string, encoding: string): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CLIENT, base, token, jobId, String(pageSize), encoding],
      { maxBuffer: 1 << 20 },
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as ClientRun)),
    );
  });
}

/** A Bulk API 1.0 query job over the same SOQL: the time to complete it, then the result file read by the client. */
async function bulkV1Run(): Promise<{ run: ClientRun; cpuSeconds: number; jobSeconds: number }> {
  const v1 = `${emu.instanceUrl}/services/async/62.0`;
  const h = { 'X-SFDC-Session': emu.accessToken, 'Content-Type': 'application/json' };
  const started = performance.now();
  const job = (await (
    await fetch(`${v1}/job`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ operation: 'query', object: 'Account', contentType: 'CSV' }),
    })
  ).json()) as { id: string };
  const batchXml = await (
    await fetch(`${v1}/job/${job.id}/batch`, { method: 'POST', headers: { ...h, 'Content-Type': 'text/csv' }, body: SOQL })
  ).text();
  const batchId = /<id>(\w+)<\/id>/.exec(batchXml)![1]!;
  for (;;) {
    const info = await (await fetch(`${v1}/job/${job.id}/batch/${batchId}`, { headers: h })).text();
    if (info.includes('<state>Completed</state>')) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const jobSeconds = (performance.now() - started) / 1000;
  const list = await (await fetch(`${v1}/job/${job.id}/batch/${batchId}/result`, { headers: h })).text();
  const resultId = /<result>(\w+)<\/result>/.exec(list)![1]!;
  const cpu0 = process.cpuUsage();
  const run = await new Promise<ClientRun>((resolve, reject) => {
    const url = `${v1}/job/${job.id}/batch/${batchId}/result/${resultId}`;
    execFile(process.execPath, ['--input-type=module', '-e', CLIENT_V1, url, emu.accessToken], { maxBuffer: 1 << 20 }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout) as ClientRun),
    );
  });
  const cpu = process.cpuUsage(cpu0);
  return { run, cpuSeconds: (cpu.user + cpu.system) / 1e6, jobSeconds };
}

const emu = await startEmulator({ records: 5000, seed: 1 });
const accounts = emu.org.table('Account');
const seedRows = accounts.size;
accounts.reserve(records - seedRows);
for (let i = seedRows; i < records; i++) {
  const row = accounts.allocate();
  for (const f of accounts.stored) accounts.setStored(row, f.name, accounts.getStored(i % seedRows, f.name));
  accounts.setRowState(row, accounts.rowState(i % seedRows));
}
const base = `${emu.instanceUrl}/services/data/v62.0`;
const auth = { Authorization: `Bearer ${emu.accessToken}`, 'Content-Type': 'application/json' };

const t0 = performance.now();
const created = (await (
  await fetch(`${base}/jobs/query`, { method: 'POST', headers: auth, body: JSON.stringify({ operation: 'query', query: SOQL }) })
).json()) as { id: string };
for (;;) {
  const job = (await (await fetch(`${base}/jobs/query/${created.id}`, { headers: auth })).json()) as { state: string };
  if (job.state === 'JobComplete') break;
  await new Promise((r) => setTimeout(r, 10));
}
const jobSeconds = (performance.now() - t0) / 1000;

const cpu0 = process.cpuUsage();
const plain = await runClient(base, emu.accessToken, created.id, 'identity');
const cpu = process.cpuUsage(cpu0);
const serverCpuSeconds = (cpu.user + cpu.system) / 1e6;
const gzCpu0 = process.cpuUsage();
const gzip = await runClient(base, emu.accessToken, created.id, 'gzip');
const gzCpu = process.cpuUsage(gzCpu0);
const gzipCpuSeconds = (gzCpu.user + gzCpu.system) / 1e6;
const v1 = await bulkV1Run();
const emulatorRss = peakRss();
await emu.stop();

// Baseline: the same pages as bytes in memory, written by a bare HTTP server.
const result = executeSoql(emu.org, SOQL);
const header = csvHeader(result);
const write = csvRowWriter(result);
const pages: Buffer[] = [];
for (let i = 0; i < result.totalSize; i += pageSize)
  pages.push(Buffer.concat([Buffer.from(header), write(i, Math.min(result.totalSize, i + pageSize))]));
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const offset = url.searchParams.has('locator') ? Number(Buffer.from(url.searchParams.get('locator')!, 'base64url').toString()) : 0;
  const page = offset / pageSize;
  const end = Math.min(result.totalSize, offset + pageSize);
  res.writeHead(200, {
    'Content-Type': 'text/csv; charset=UTF-8',
    'Sforce-Locator': end < result.totalSize ? encodeLocator(end) : 'null',
    'Sforce-NumberOfRecords': String(end - offset),
  });
  res.end(pages[page]);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const baseCpu0 = process.cpuUsage();
const baseline = await runClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'x', 'job', 'identity');
const baseCpu = process.cpuUsage(baseCpu0);
const baselineCpuSeconds = (baseCpu.user + baseCpu.system) / 1e6;
server.close();

const rate = (r: ClientRun): number => Math.round(r.records / r.seconds);
console.log(`query job over ${records} Account records (20 fields): created and complete in ${jobSeconds.toFixed(2)} s`);
console.log(
  `emulator results: ${plain.records} records, ${plain.pages} pages, ${mb(plain.bytes)} in ${plain.seconds.toFixed(2)} s → ${rate(plain)} records/s ` +
    `(${Math.round(plain.records / serverCpuSeconds)} records per server CPU second; load average ${os.loadavg()[0]!.toFixed(1)})`,
);
console.log(
  `  with Accept-Encoding gzip: ${gzip.seconds.toFixed(2)} s → ${rate(gzip)} records/s ` +
    `(${Math.round(gzip.records / gzipCpuSeconds)} records per server CPU second)`,
);
console.log(
  `baseline (same bytes from memory): ${baseline.seconds.toFixed(2)} s → ${rate(baseline)} records/s ` +
    `(${Math.round(baseline.records / baselineCpuSeconds)} records per server CPU second)`,
);
console.log(
  `Bulk API 1.0 query job: complete in ${v1.jobSeconds.toFixed(2)} s; result file ${v1.run.records} records, ${mb(v1.run.bytes)} in ` +
    `${v1.run.seconds.toFixed(2)} s → ${rate(v1.run)} records/s (${Math.round(v1.run.records / v1.cpuSeconds)} records per server CPU second)`,
);
console.log(
  `ratio emulator / baseline: Bulk 2.0 ${(rate(plain) / rate(baseline)).toFixed(2)}×, Bulk 1.0 ${(rate(v1.run) / rate(baseline)).toFixed(2)}×; ` +
    `emulator peak RSS ${mb(emulatorRss)}`,
);
console.log(
  `target ≥ 250000 records/s: Bulk 2.0 ${rate(plain) >= 250_000 ? 'ok' : 'MISSED'}, Bulk 1.0 ${rate(v1.run) >= 250_000 ? 'ok' : 'MISSED'}`,
);
