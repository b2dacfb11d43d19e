/**
 * Backup benchmark, all in one run on one emulator org (a small generated org whose Account is
 * grown to N records, default 1,000,000; every other object is excluded so all four readers move
 * the same rows):
 *   (a) `sf data export bulk` of Account with the fields our scope takes (the baseline);
 *   (b) a plain fetch Bulk 2.0 script: create, poll, page by locator to a file;
 *   (c) our full backup (engine in a child process on embedded PostgreSQL + Azurite);
 *   (d) our incremental backup after 1% of the records changed.
 * Prints times, ratios, API calls per million records against the Bulk 2.0 minimum, the engine's
 * peak RSS and the stored bytes against the CSV size, with the targets.
 * Every client is its own process; the emulator runs in this one.
 *
 *   nice -n 10 npx tsx bench/backup.ts [records] [pageRecords]
 *   (BENCH_VARIANT=defaults,100k runs only the variants whose labels start so)
 */
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, statSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../test/emulator/server.js';
import { SfCli } from '../test/emulator/support/sf-cli.js';
import type { WriteOp } from '../test/emulator/data/org.js';
import globalSetup from '../test/support/global-setup-impl.js';
import globalTeardown from '../test/support/global-teardown-impl.js';
import { objectScope, selectSoql, type DescribeSObject } from '../engine/src/salesforce/scope.js';

const records = Number(process.argv[2] ?? 1_000_000);
const pageRecords = Number(process.argv[3] ?? 50_000);
const OBJECT = 'Account';
const here = path.dirname(fileURLToPath(import.meta.url));
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const s = (seconds: number): string => `${seconds.toFixed(1)} s`;
const perMillion = (n: number): number => Math.round((n / records) * 1_000_000);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'orgvault-bench-'));

// ------------------------------------------------------------------ the org
const emu = await startEmulator({ records: 2000, seed: 1 });
const accounts = emu.org.table(OBJECT);
const seedRows = accounts.size;
accounts.reserve(records - seedRows);
// Each new row takes every field from an independently chosen seed row, with its own name,
// account number and times, so the data compresses like a real org's rather than like copies.
let seed = 1;
const random = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};
for (let i = seedRows; i < records; i++) {
  const row = accounts.allocate();
  for (const f of accounts.stored) {
    const v = accounts.getStored(random(seedRows), f.name);
    if (f.name === 'Name') accounts.setStored(row, f.name, `${String(v)} ${i}`);
    else if (f.name === 'AccountNumber') accounts.setStored(row, f.name, `AC-${String(i).padStart(7, '0')}`);
    else if (f.type === 'datetime' && typeof v === 'number') accounts.setStored(row, f.name, v - random(86_400_000) * 100);
    else accounts.setStored(row, f.name, v);
  }
  accounts.setRowState(row, accounts.rowState(random(seedRows)));
}
const api = `${emu.instanceUrl}/services/data/v62.0`;
const describe = (await (
  await fetch(`${api}/sobjects/${OBJECT}/describe`, { headers: { Authorization: `Bearer ${emu.accessToken}` } })
).json()) as DescribeSObject;
const soql = selectSoql(objectScope(describe)!);
const fieldCount = objectScope(describe)!.fields.length;
console.log(
  `org: ${accounts.size} ${OBJECT} records × ${fieldCount} fields; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`,
);

// ------------------------------------------------------------------ (a) sf data export bulk
const sf = new SfCli();
const login = await sf.run(['org', 'login', 'access-token', '--instance-url', emu.instanceUrl, '--no-prompt', '--alias', 'emu'], {
  SF_ACCESS_TOKEN: emu.accessToken,
});
if (login.json.status !== 0) throw new Error(`sf login failed: ${JSON.stringify(login.json)}`);
const csvFile = path.join(tmp, 'sf.csv');
const t0 = performance.now();
const exported = await sf.run([
  ...'data export bulk --result-format csv --wait 60 --target-org emu'.split(' '),
  ...['--query', soql, '--output-file', csvFile],
]);
const sfSeconds = (performance.now() - t0) / 1000;
if (exported.json.status !== 0) throw new Error(`sf data export bulk failed: ${JSON.stringify(exported.json).slice(0, 500)}`);
const csvBytes = statSync(csvFile).size;
console.log(`(a) sf data export bulk: ${s(sfSeconds)} (${mb(csvBytes)} CSV)`);

// ------------------------------------------------------------------ (b) plain Bulk 2.0 script
const PLAIN = `
import { createWriteStream } from 'node:fs';
const [base, token, soql, maxRecords, file] = process.argv.slice(1);
const headers = { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json', 'Accept-Encoding': 'identity' };
const t0 = performance.now();
let calls = 0;
const job = await (await fetch(base + '/jobs/query', { method: 'POST', headers, body: JSON.stringify({ operation: 'query', query: soql }) })).json();
calls++;
for (;;) {
  const s = await (await fetch(base + '/jobs/query/' + job.id, { headers })).json();
  calls++;
  if (s.state === 'JobComplete') break;
  if (s.state === 'Failed' || s.state === 'Aborted') throw new Error(s.errorMessage);
  await new Promise((r) => setTimeout(r, 250));
}
const out = createWriteStream(file);
let locator = null, records = 0;
do {
  const res = await fetch(base + '/jobs/query/' + job.id + '/results?maxRecords=' + maxRecords + (locator ? '&locator=' + locator : ''), { headers: { ...headers, Accept: 'text/csv' } });
  calls++;
  if (res.status !== 200) throw new Error('HTTP ' + res.status);
  for await (const chunk of res.body) if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  records += Number(res.headers.get('sforce-numberofrecords'));
  locator = res.headers.get('sforce-locator');
} while (locator && locator !== 'null');
await new Promise((r) => out.end(r));
console.log(JSON.stringify({ records, calls, seconds: (performance.now() - t0) / 1000 }));
`;
const plain = await new Promise<{ records: number; calls: number; seconds: number }>((resolve, reject) => {
  execFile(
    process.execPath,
    ['--input-type=module', '-e', PLAIN, api, emu.accessToken, soql, String(pageRecords), path.join(tmp, 'plain.csv')],
    (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as { records: number; calls: number; seconds: number })),
  );
});
console.log(`(b) plain fetch Bulk 2.0 script: ${s(plain.seconds)} (${plain.records} records, ${plain.calls} API calls)`);
rmSync(csvFile);
rmSync(path.join(tmp, 'plain.csv'));

// ------------------------------------------------------------------ (c), (d) our engine
interface JobRun {
  kind: string;
  status: string;
  seconds: number;
  records: number;
  apiCalls: number;
  objects: Array<{ name: string; status: string; records: number; apiCalls: number; error: string | null }>;
  stored: Record<string, number>;
  peakRss: number;
}
/** Runs the engine in a child process: a full job, then 1% of the records change, then an incremental. */
async function engineRuns(label: string, env: Record<string, string>): Promise<{ full: JobRun; inc: JobRun }> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_INSTANCE_URL: emu.instanceUrl,
    BENCH_ACCESS_TOKEN: emu.accessToken,
    BENCH_OBJECTS: OBJECT,
    ORGVAULT_BULK_PAGE_RECORDS: String(pageRecords),
    // As `npm start` runs the engine (package.json): page-sized buffers (4 MiB and up) mapped and
    // unmapped on their own. 128 KiB saved as much memory but cost ~20% of the full backup's time.
    MALLOC_MMAP_THRESHOLD_: String(4 << 20),
    ...env,
  };
  // An empty value in a variant means "not set" (glibc would read an empty threshold as 0).
  for (const [k, v] of Object.entries(env)) if (v === '') delete childEnv[k];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'backup-engine.ts')], {
    env: childEnv,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const stop = () => child.kill();
  process.once('exit', stop);
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const runJob = async (): Promise<JobRun> => {
    child.stdin.write('job\n');
    const line = await answers.next();
    if (line.done) throw new Error('the engine process ended');
    const run = JSON.parse(line.value as string) as JobRun;
    if (run.status !== 'succeeded') throw new Error(`${run.kind} job ${run.status}: ${JSON.stringify(run.objects)}`);
    return run;
  };
  try {
    const full = await runJob();
    console.log(`(c) our full backup [${label}]: ${s(full.seconds)} (${full.records} records, ${full.apiCalls} API calls)`);
    // 1% of the records change (spread over the table), as the org's own writes.
    const changed = Math.max(1, Math.round(records / 100));
    const step = Math.floor(accounts.size / changed);
    const ops: WriteOp[] = [];
    for (let i = 0; i < changed; i++) ops.push({ kind: 'update', id: accounts.idOf(i * step), fields: { Name: `${label} ${i}` } });
    for (let i = 0; i < ops.length; i += 10_000) emu.org.write(ops.slice(i, i + 10_000));
    const inc = await runJob();
    console.log(
      `(d) our incremental [${label}] after ${changed} changes: ${s(inc.seconds)} (${inc.records} records, ${inc.apiCalls} API calls)`,
    );
    child.stdin.end('stop\n');
    await new Promise((r) => child.once('exit', r));
    return { full, inc };
  } finally {
    process.off('exit', stop);
    child.kill();
  }
}

/** The engine as configured by default, then with the settings that suit a near org. */
const VARIANTS: Array<[string, Record<string, string>]> = [
  ['defaults: gzip results', {}],
  ['identity results', { ORGVAULT_BULK_RESULT_ENCODING: 'identity' }],
  ['100k-record pages', { ORGVAULT_BULK_PAGE_RECORDS: '100000' }],
  // glibc's own threshold grows with the buffers freed, so page-sized buffers come from heaps that keep their memory.
  ['glibc default malloc', { MALLOC_MMAP_THRESHOLD_: '' }],
];
const only = process.env.BENCH_VARIANT?.split(',');
const runs: Array<[string, { full: JobRun; inc: JobRun }, number]> = [];
// PostgreSQL and Azurite are processes of their own: stopped however the run ends.
await globalSetup();
try {
  for (const [label, env] of VARIANTS)
    if (!only || only.some((o) => label.startsWith(o)))
      runs.push([label, await engineRuns(label, env), Number(env.ORGVAULT_BULK_PAGE_RECORDS ?? pageRecords)]);
} finally {
  await emu.stop();
  await globalTeardown();
  rmSync(tmp, { recursive: true, force: true });
}

// ------------------------------------------------------------------ report
const minimumCalls = 1 + 1 + Math.ceil(records / pageRecords);
const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
console.log(
  `\nAPI calls per million records: plain script ${perMillion(plain.calls)}, ` +
    `Bulk 2.0 minimum ${perMillion(minimumCalls)} (1 create + 1 poll + ${Math.ceil(records / pageRecords)} pages of ${pageRecords})`,
);
for (const [label, { full, inc }, pageSize] of runs) {
  const stored = full.stored.packs! + full.stored.record_versions! + full.stored.blobs! + full.stored.blob_refs!;
  const ratio = full.seconds / sfSeconds;
  const incShare = inc.seconds / full.seconds;
  const rss = Math.max(full.peakRss, inc.peakRss);
  console.log(`\n[${label}]`);
  console.log(
    `  full / sf CLI export: ${ratio.toFixed(2)}× (target ≤ 1.5×: ${verdict(ratio <= 1.5)}); full / plain script: ${(full.seconds / plain.seconds).toFixed(2)}×`,
  );
  console.log(`  incremental / full: ${(incShare * 100).toFixed(1)}% (target < 5%: ${verdict(incShare < 0.05)})`);
  console.log(
    `  API calls per million records: full ${perMillion(full.apiCalls)} (in object passes ${perMillion(full.objects.reduce((n, o) => n + o.apiCalls, 0))}), incremental ${perMillion(inc.apiCalls)}`,
  );
  // One Bulk job per pass: what is neither its create nor a result page is a state check.
  const breakdown = (run: JobRun, rows: number): string => {
    const pages = Math.max(1, Math.ceil(rows / pageSize));
    const inPass = run.objects.reduce((n, o) => n + o.apiCalls, 0);
    return `${run.apiCalls} = ${run.apiCalls - inPass} describe + 1 create + ${inPass - 1 - pages} state checks + ${pages} result pages`;
  };
  console.log(`  API calls: full ${breakdown(full, full.records)}; incremental ${breakdown(inc, inc.records)}`);
  console.log(`  engine peak RSS: ${mb(rss)} (target < 512 MB: ${verdict(rss < 512 * 1024 * 1024)})`);
  console.log(
    `  stored after full: ${mb(stored)} = ${((stored / csvBytes) * 100).toFixed(0)}% of the ${mb(csvBytes)} CSV (target < 40%: ${verdict(stored < 0.4 * csvBytes)}); ` +
      `packs ${mb(full.stored.packs!)} (payload ${mb(full.stored.packPayload!)}), catalog ${mb(full.stored.record_versions!)} ` +
      `(${Math.round(full.stored.record_versions! / full.records)} bytes per version), blobs ${mb(full.stored.blobs! + full.stored.blob_refs!)}`,
  );
}
