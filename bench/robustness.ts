/**
 * Robustness in the spirit of Kopia's: rounds of random edits, deletes, new and changed files,
 * backups and restores against an emulator org, each cut by a kill -9 of the whole stack (the
 * engine with its embedded PostgreSQL and Azurite, run by `npm start`'s launcher in a process group
 * of its own) at a random moment. After each restart, once the interrupted work and the next backup
 * are done, a checker asserts that:
 *   - every backup ever acknowledged (succeeded) exports exactly the org as it was at that job;
 *   - every file of those backups reads back byte for byte;
 *   - `orgvault check --read-data 100` exits 0 with no problem.
 * It prints its seed; `--seed` replays a run (the kill moments are drawn from it too, so a replay
 * cuts at the same points in time, not necessarily at the same instruction).
 *
 *   nice -n 10 node --import tsx bench/robustness.ts [--rounds 50] [--seed N] [--records 800]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { appendFileSync, chmodSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../test/emulator/server.js';
import { freePort } from '../test/support/ports.js';
import { loadConfig } from '../engine/src/config/load.js';
import { createLogger } from '../engine/src/infra/logger.js';
import { alive } from '../engine/src/infra/pidfile.js';
import { startInfra } from '../engine/src/infra/stack.js';
import { createServices, type Services } from '../engine/src/services.js';
import { exportRecords, canonicalValue } from '../engine/src/backup/export.js';
import type { Org } from '../engine/src/orgs/registry.js';
import type { Pool } from '../engine/src/infra/db.js';
import { openJob } from '../engine/src/backup/jobs.js';
import { OrgVaultError } from '../engine/src/errors.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OBJECTS = ['Account', 'Contact', 'Case', 'Attachment', 'ContentVersion'];
const FILE_FIELDS: Record<string, string> = { Attachment: 'Body', ContentVersion: 'VersionData' };
const RESTORABLE = ['Account', 'Contact', 'Case'];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const seed = arg('seed', randomInt(1, 2 ** 31));
const rounds = arg('rounds', 50);
const records = arg('records', 800);

/** mulberry32: every random choice of the run follows from the seed. */
let state = seed >>> 0;
function rand(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Fields = Record<string, string | null>;
/** The org at one moment: records per object, and each file's sha256 by object/id. */
interface Snapshot {
  records: Map<string, Map<string, Fields>>;
  files: Map<string, string>;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// ---------------------------------------------------------------- the stack, as a process group

interface Stack {
  child: ChildProcess;
  env: Record<string, string>;
}

/** The stack last launched, for the kill on the way out (Ctrl-C, a failure) too. */
let current: Stack | undefined;

async function launchStack(env: Record<string, string>, logFile: string): Promise<Stack> {
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', log],
  });
  current = { child, env };
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      appendFileSync(logFile, d);
      out += d.toString();
      if (out.includes('OrgVault engine ready at')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the stack exited (${code}) before it was ready; see ${logFile}`)));
  });
  return { child, env };
}

/** kill -9 of the engine's process group, and of PostgreSQL and Azurite should they have left it. */
function killNow(stack: Stack): number[] {
  const dataDir = stack.env.ORGVAULT_DATA_DIR!;
  const pids = [-stack.child.pid!];
  for (const file of ['postgres/postmaster.pid', 'azurite.pid']) {
    try {
      pids.push(Number(readFileSync(path.join(dataDir, file), 'utf8').split('\n')[0]));
    } catch {
      // not started yet
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids.slice(1).filter((p) => p > 0);
}

async function killStack(stack: Stack): Promise<void> {
  const exited =
    stack.child.exitCode === null && stack.child.signalCode === null ? new Promise((r) => stack.child.once('exit', r)) : undefined;
  const children = killNow(stack);
  await exited;
  for (let i = 0; i < 100 && children.some(alive); i++) await sleep(100);
}

// ---------------------------------------------------------------- this process's view of the store

interface Session {
  services: Services;
  pool: Pool;
  close(): Promise<void>;
}

/** The store and services of the running stack, attached to its embedded services; its workers are never started here. */
async function openSession(env: Record<string, string>): Promise<Session> {
  const config = loadConfig({ ...process.env, ...env }, ROOT);
  const log = createLogger('silent');
  const infra = await startInfra(config, log);
  const services = await createServices({ config, log, infra });
  return {
    services,
    pool: infra.pool,
    close: async () => {
      await services.stop().catch(() => undefined);
      await infra.stop().catch(() => undefined);
    },
  };
}

// ---------------------------------------------------------------- the org

async function snapshot(conn: Connection, emu: EmulatorHandle): Promise<Snapshot> {
  const out: Snapshot = { records: new Map(), files: new Map() };
  for (const object of OBJECTS) {
    const describe = await conn.sobject(object).describe();
    const fields = describe.fields.filter((f) => !['base64', 'address', 'location'].includes(f.type)).map((f) => f.name);
    const res = await conn
      .query<Record<string, unknown>>(`SELECT ${fields.join(', ')} FROM ${object}`)
      .run({ autoFetch: true, maxFetch: 1e6 });
    out.records.set(
      object,
      new Map(res.records.map((r) => [String(r.Id), Object.fromEntries(fields.map((f) => [f, canonicalValue(r[f])]))])),
    );
    const field = FILE_FIELDS[object];
    if (!field) continue;
    for (const r of res.records) {
      const body = await fetch(`${emu.instanceUrl}/services/data/v62.0/sobjects/${object}/${String(r.Id)}/${field}`, {
        headers: { Authorization: `Bearer ${emu.accessToken}` },
      });
      out.files.set(`${object}/${String(r.Id)}`, sha256(Buffer.from(await body.arrayBuffer())));
    }
  }
  return out;
}

/** Random file content, 1 byte to 150 KB, base64 as the API takes it. */
function bytes(): string {
  const b = Buffer.alloc(1 + Math.floor(rand() * 150_000));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
  return b.toString('base64');
}

/** A few random changes: edits, deletes, new records, new and changed files, a file kept under a changed record. */
async function edit(conn: Connection, round: number): Promise<string[]> {
  const ids = async (object: string): Promise<string[]> =>
    (await conn.query<{ Id: string }>(`SELECT Id FROM ${object}`).run({ autoFetch: true, maxFetch: 1e6 })).records.map((r) => r.Id);
  const accounts = await ids('Account');
  const done: string[] = [];
  const n = 1 + Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) {
    const op = pick(['edit', 'edit', 'delete', 'create', 'file', 'file-change', 'file-keep', 'document']);
    const tag = `r${round}-${i}`;
    try {
      if (op === 'edit') await conn.sobject('Account').update({ Id: pick(accounts), Name: `Account ${tag}` });
      else if (op === 'delete') {
        const object = pick(['Contact', 'Case', 'Attachment']);
        await conn.sobject(object).destroy(pick(await ids(object)));
      } else if (op === 'create') await conn.sobject('Contact').create({ LastName: `Contact ${tag}`, AccountId: pick(accounts) });
      else if (op === 'file') await conn.sobject('Attachment').create({ ParentId: pick(accounts), Name: `${tag}.bin`, Body: bytes() });
      else if (op === 'file-change') await conn.sobject('Attachment').update({ Id: pick(await ids('Attachment')), Body: bytes() });
      else if (op === 'file-keep') await conn.sobject('Attachment').update({ Id: pick(await ids('Attachment')), Description: tag });
      else
        await conn
          .sobject('ContentVersion')
          .create({ PathOnClient: `${tag}.bin`, Title: tag, VersionData: bytes(), FirstPublishLocationId: pick(accounts) });
      done.push(op);
    } catch (err) {
      // A pick that the org refuses (an id deleted by a cascade, say) is skipped, not a finding.
      done.push(`${op}:refused(${(err as Error).message.slice(0, 40)})`);
    }
  }
  return done;
}

// ---------------------------------------------------------------- jobs and restores

const TERMINAL_JOB = ['succeeded', 'failed', 'partial', 'cancelled'];

/**
 * Opens a job for the stack's workers (its NOTIFY wakes them): nothing runs in this process, so
 * the kill hits the engine that does the work. Opened below the API, whose subscription caps a
 * tenant at 96 jobs a day.
 */
async function startJob(s: Session, org: Org, objects?: string[]): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return (await openJob(s.pool, org.id, { trigger: 'on_demand', requestedBy: 'robustness', ...(objects ? { objects } : {}) })).id;
    } catch (err) {
      // A job the stack resumed still runs: wait for it.
      if (!OrgVaultError.is(err, 'JOB_RUNNING') || i > 600) throw err;
      await sleep(500);
    }
  }
}

async function jobStatus(s: Session, org: Org, id: string): Promise<{ status: string; finishedAt: Date | null }> {
  const d = await s.services.jobs.get(org, id);
  return { status: d.status, finishedAt: d.finishedAt ? new Date(d.finishedAt) : null };
}

async function waitJob(s: Session, org: Org, id: string): Promise<{ status: string; finishedAt: Date | null }> {
  for (let t = 0; t < 1200; t++) {
    const d = await jobStatus(s, org, id);
    if (TERMINAL_JOB.includes(d.status)) return d;
    await sleep(250);
  }
  throw new Error(`job ${id} did not finish in 5 minutes`);
}

async function waitRestore(s: Session, orgId: string, runId: string): Promise<{ status: string; failed: number }> {
  for (let t = 0; t < 1200; t++) {
    const r = await s.services.restore.status(orgId, runId);
    if (!['queued', 'running'].includes(r.status)) return { status: r.status, failed: r.failed };
    await sleep(250);
  }
  throw new Error(`restore ${runId} did not finish in 5 minutes`);
}

// ---------------------------------------------------------------- the checker

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

interface Acknowledged {
  jobId: string;
  at: Date;
  org: Snapshot;
}

/** What differs between the store's export as of a backup and the org then; empty when exact. */
async function exportDiffers(s: Session, orgId: string, ack: Acknowledged): Promise<string[]> {
  const problems: string[] = [];
  for (const [object, want] of ack.org.records) {
    const sink = new Collect();
    await exportRecords(s.services.store, { orgId, object, at: ack.at, format: 'jsonl' }, sink);
    const got = new Map<string, Fields>();
    for (const line of sink.text.split('\n').filter(Boolean)) {
      const r = JSON.parse(line) as Fields;
      got.set(r.Id!, r);
    }
    for (const id of want.keys()) if (!got.has(id)) problems.push(`${ack.jobId} ${object} ${id}: missing from the export`);
    for (const id of got.keys()) if (!want.has(id)) problems.push(`${ack.jobId} ${object} ${id}: exported but not in the org then`);
    for (const [id, fields] of want) {
      const row = got.get(id);
      if (!row) continue;
      for (const [f, v] of Object.entries(fields))
        if ((row[f] ?? null) !== v)
          problems.push(`${ack.jobId} ${object} ${id}.${f}: ${JSON.stringify(row[f])} stored, ${JSON.stringify(v)} then`);
    }
  }
  return problems;
}

/** Every file of the backup, read back from the store, has the org's bytes then. */
async function filesDiffer(
  s: Session,
  orgId: string,
  ack: Acknowledged,
  read: Map<string, string>,
): Promise<{ files: number; problems: string[] }> {
  const problems: string[] = [];
  let files = 0;
  for (const object of Object.keys(FILE_FIELDS)) {
    const refs = new Map<string, string>();
    for await (const ref of s.services.store.blobRefsAt({ orgId, object, at: ack.at })) refs.set(ref.recordId, ref.contentHash);
    for (const id of ack.org.records.get(object)!.keys()) {
      files++;
      const hash = refs.get(id);
      if (!hash) {
        problems.push(`${ack.jobId} ${object} ${id}: no file stored`);
        continue;
      }
      let got = read.get(hash);
      if (got === undefined) {
        try {
          const parts: Buffer[] = [];
          for await (const c of await s.services.store.openBlob(orgId, hash)) parts.push(c as Buffer);
          got = sha256(Buffer.concat(parts));
        } catch (err) {
          got = `unreadable: ${(err as Error).message}`;
        }
        read.set(hash, got);
      }
      if (got !== ack.org.files.get(`${object}/${id}`))
        problems.push(`${ack.jobId} ${object} ${id}: file ${hash} ${got.startsWith('unreadable') ? got : 'has other bytes'}`);
    }
  }
  return { files, problems };
}

async function checkCli(env: Record<string, string>): Promise<string[]> {
  const child = spawn(process.execPath, ['bin/orgvault.js', 'check', '--read-data', '100'], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  let report: { ok: boolean; problems: Array<{ message: string }> } | undefined;
  try {
    report = JSON.parse(out) as typeof report;
  } catch {
    // reported below
  }
  if (code === 0 && report?.ok && report.problems.length === 0) return [];
  return [`check --read-data 100: exit ${code}, ${report ? report.problems.map((p) => p.message).join('; ') : err.trim().slice(-300)}`];
}

// ---------------------------------------------------------------- the run

async function main(): Promise<void> {
  process.stdout.write(`robustness: seed ${seed}, ${rounds} rounds, ${records} records (replay: --seed ${seed})\n`);
  const base = mkdtempSync(path.join(tmpdir(), 'orgvault-robustness-'));
  chmodSync(base, 0o755);
  const logFile = path.join(base, 'stack.log');
  const env: Record<string, string> = {
    ORGVAULT_DATA_DIR: path.join(base, 'data'),
    PORT: String(await freePort()),
    ORGVAULT_EMBEDDED_PG_PORT: String(await freePort()),
    ORGVAULT_AZURITE_PORT: String(await freePort()),
    ORGVAULT_DEMO: 'false',
    // The emulator listens on loopback, which the engine refuses for an org unless allowed.
    ORGVAULT_SALESFORCE_ORIGINS: 'http://127.0.0.1:*',
    LOG_LEVEL: 'warn',
    ORGVAULT_WORKER_HEARTBEAT_SECONDS: '0.5',
    ORGVAULT_WORKER_STALE_SECONDS: '3',
    MALLOC_MMAP_THRESHOLD_: '4194304',
  };
  const emu = await startEmulator({ records, seed });
  const conn = new Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.accessToken, version: '62.0' });
  let stack = await launchStack(env, logFile);
  let s = await openSession(env);
  const tenant = await s.services.tenants.create('robustness');
  await s.services.schedule.subscriptions.put(tenant.id, { type: 'enterprise' });
  const { orgId } = await s.services.connect(tenant.id, {
    kind: 'accessToken',
    instanceUrl: emu.instanceUrl,
    accessToken: emu.accessToken,
  });
  const org = await s.services.orgs.get({ tenantId: tenant.id, orgId: null }, orgId);

  const acknowledged: Acknowledged[] = [];
  const pending = new Map<string, Snapshot>();
  const totals = { kills: 0, killedMidWork: 0, restores: 0, exports: 0, files: 0, checks: 0, problems: 0 };
  const started = Date.now();
  // How long each kind of work last took here (until it was seen over), to draw kill moments inside one.
  const typical = { job: 1000, restore: 500 };

  const settle = async (jobId: string): Promise<void> => {
    const d = await waitJob(s, org, jobId);
    const snap = pending.get(jobId)!;
    pending.delete(jobId);
    if (d.status === 'succeeded') acknowledged.push({ jobId, at: d.finishedAt!, org: snap });
    else throw new Error(`job ${jobId} ended ${d.status}`);
  };

  // The cycle's full backup first (all objects); later jobs are incremental over OBJECTS.
  const full = await startJob(s, org);
  pending.set(full, await snapshot(conn, emu));
  await settle(full);

  for (let round = 1; round <= rounds; round++) {
    const t0 = Date.now();
    const ops = await edit(conn, round);
    const restoreFrom = acknowledged.length > 1 && rand() < 0.25 ? pick(acknowledged) : undefined;
    let work: { job?: string; restore?: string };
    if (restoreFrom) {
      const run = await s.services.restore.enqueue({
        orgId,
        jobId: restoreFrom.jobId,
        objects: RESTORABLE,
        mode: 'deleted',
        by: 'robustness',
      });
      work = { restore: run.runId! };
      totals.restores++;
    } else {
      const snap = await snapshot(conn, emu);
      const job = await startJob(s, org, OBJECTS);
      pending.set(job, snap);
      work = { job };
    }
    // Kill at a random moment of the work, or the instant it is acknowledged (files just written).
    const atAck = rand() < 0.3;
    const kind = work.job ? 'job' : 'restore';
    const delay = Math.floor(rand() * typical[kind]);
    const begun = Date.now();
    let midWork = true;
    for (;;) {
      const status = work.job ? (await jobStatus(s, org, work.job)).status : (await s.services.restore.status(orgId, work.restore!)).status;
      const over = work.job ? TERMINAL_JOB.includes(status) : !['queued', 'running'].includes(status);
      if (over && midWork) {
        midWork = false;
        typical[kind] = Date.now() - begun;
      }
      if (atAck ? over : over || Date.now() - begun >= delay) break;
      await sleep(atAck ? 5 : 20);
    }
    const killedAfterMs = Date.now() - begun;
    await s.close();
    await killStack(stack);
    totals.kills++;
    if (midWork) totals.killedMidWork++;

    stack = await launchStack(env, logFile);
    s = await openSession(env);
    if (work.job) await settle(work.job);
    else {
      const r = await waitRestore(s, orgId, work.restore!);
      if (r.status !== 'succeeded' || r.failed > 0) throw new Error(`restore ${work.restore} ended ${r.status} with ${r.failed} failed`);
    }
    // The next backup, of every object: it fetches again any file the restart found lost (of
    // whichever object: the full backup's Documents, say).
    const snap = await snapshot(conn, emu);
    const next = await startJob(s, org);
    pending.set(next, snap);
    await settle(next);

    const problems: string[] = [];
    const read = new Map<string, string>();
    for (const ack of acknowledged) {
      problems.push(...(await exportDiffers(s, orgId, ack)));
      const f = await filesDiffer(s, orgId, ack, read);
      problems.push(...f.problems);
      totals.exports++;
      totals.files += f.files;
    }
    problems.push(...(await checkCli(env)));
    totals.checks++;
    totals.problems += problems.length;
    process.stdout.write(
      `round ${round}: ${ops.join(',')}; ${work.job ? 'backup' : 'restore'} killed ${midWork ? 'mid-work' : 'after it finished'} at ${killedAfterMs} ms` +
        `; ${acknowledged.length} acknowledged backups checked; ${problems.length} problems (${Math.round((Date.now() - t0) / 1000)} s)\n`,
    );
    for (const p of problems.slice(0, 20)) process.stdout.write(`  ${p}\n`);
    if (problems.length > 0) {
      process.stdout.write(`FAILED at round ${round}; replay with --seed ${seed}; stack log: ${logFile}\n`);
      break;
    }
  }
  const log = readFileSync(logFile, 'utf8');
  let lost = 0;
  for (const line of log.split('\n'))
    if (line.includes('lost by blob storage')) lost += (JSON.parse(line) as { lost: unknown[] }).lost.length;
  await s.close();
  await killStack(stack);
  await emu.stop();
  process.stdout.write(
    `${JSON.stringify({ seed, rounds, records, ...totals, filesLostByAzuriteAndFetchedAgain: lost, minutes: +((Date.now() - started) / 60000).toFixed(1) })}\n`,
  );
  process.exit(totals.problems === 0 ? 0 : 1);
}

// Interrupted (Ctrl-C, kill) or failed: the stack goes with the bench.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    if (current) killNow(current);
    process.exit(130);
  });

main().catch((err: unknown) => {
  if (current) killNow(current);
  process.stdout.write(`robustness: ${(err as Error)?.stack ?? String(err)}\nreplay with --seed ${seed}\n`);
  process.exit(1);
});
