/**
 * `orgvault restore` and `orgvault compare` as a person runs them (the real CLI, spawned against
 * the engine's database and an emulator org), with backups stopped by an expired subscription:
 * compare shows the damage, a dry run shows the hierarchy that comes back, and a restore killed
 * with SIGKILL the moment Salesforce commits its Bulk insert is resumed by another engine process
 * from the checkpointed job's results — the org ends with every record once.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { waitForJob, orgStateNow } from '../support/backup-checks.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import { runCli, spawnCli } from '../support/cli.js';
import type { Org } from '../../engine/src/orgs/registry.js';

const OBJECTS = ['Account', 'Contact', 'Opportunity'];
// Records come back by re-create (a Bulk insert to kill), not from the Recycle Bin.
const WORKER_ENV = { ORGVAULT_WORKER_HEARTBEAT_SECONDS: '0.5', ORGVAULT_WORKER_STALE_SECONDS: '3', ORGVAULT_RESTORE_UNDELETE: 'false' };

describe('orgvault restore and compare', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let conn: Connection;
  let org: Org;
  // Contacts and opportunities through Bulk ingest, the few accounts through collections.
  // ORGVAULT_ENGINE_URL=off: the CLI runs the restore itself (this engine's workers take none).
  const CLI_ENV = { ORGVAULT_RESTORE_BULK_THRESHOLD: '5', ORGVAULT_ENGINE_URL: 'off', ...WORKER_ENV };
  const cli = (args: string[]) => spawnCli(engine, args, CLI_ENV);
  const run = async (args: string[]): Promise<{ code: number | null; out: string; err: string }> => {
    const r = await runCli(engine, args, CLI_ENV);
    return { code: r.code, out: r.stdout, err: r.stderr };
  };
  /** The row of an object in a printed table, as numbers where they are. */
  const row = (out: string, object: string): string[] =>
    out
      .split('\n')
      .find((l) => l.startsWith(`${object} `))!
      .split(/\s+/);

  beforeAll(async () => {
    emulator = await startEmulator({ records: 2000, seed: 51 });
    // This engine runs no restore itself: the CLI does, then another engine resumes it.
    engine = await startTestEngine({
      env: WORKER_ENV,
      runner: { reconcileEveryMs: 0 },
      worker: { pollMs: 200 },
      restoreWorker: { maxRuns: 0 },
    });
    conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    org = await connectEmulatorOrg(engine, emulator, 'restore-cli');
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  it('compares, dry-runs and restores a hierarchy; a restore killed mid Bulk insert resumes without duplicates', async () => {
    const job = await engine.services.jobs.start(org, { by: 'e2e' });
    const done = await waitForJob(engine, org, job.id);
    expect(done.status).toBe('succeeded');
    const truth = await orgStateNow(conn, OBJECTS);
    const children = (a: string): number => [...truth.get('Contact')!.values()].filter((r) => r.AccountId === a).length;
    // An account with cases cannot be deleted (DELETE_FAILED).
    const cases = await conn.query<{ AccountId: string | null }>('SELECT AccountId FROM Case').run({ autoFetch: true, maxFetch: 1e6 });
    const withCases = new Set(cases.records.map((r) => r.AccountId));
    const victims = [...truth.get('Account')!.keys()]
      .filter((a) => children(a) >= 3 && !withCases.has(a) && ![...truth.get('Account')!.values()].some((r) => r.ParentId === a))
      .slice(0, 3);
    await conn.sobject('Account').destroy(victims);
    const damaged = await orgStateNow(conn, OBJECTS);
    const wanted = (o: string): string[] =>
      [...truth.get(o)!].filter(([id, r]) => !damaged.get(o)!.has(id) && victims.includes(r.AccountId!)).map(([id]) => id);
    expect(wanted('Contact').length).toBeGreaterThanOrEqual(9);
    await engine.services.schedule.subscriptions.put(org.tenantId, { type: 'enterprise', expiresAt: new Date(Date.now() - 86_400_000) });

    const before = await run(['compare', '--org', org.id, '--from-job', job.id, '--objects', OBJECTS.join(',')]);
    expect(before.code).toBe(0);
    expect(row(before.out, 'Account').slice(1, 4)).toEqual(['0', String(victims.length), expect.any(String)]);
    expect(Number(row(before.out, 'Contact')[2])).toBe(truth.get('Contact')!.size - damaged.get('Contact')!.size);

    const args = ['restore', '--org', org.id, '--from-job', job.id, '--objects', 'Account', '--records', victims.join(','), '--depth', '1'];
    const dry = await run([...args, '--mode', 'deleted', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('Nothing was written');
    // Columns: object, backedUp, undelete, create, ...
    expect(row(dry.out, 'Account')[3]).toBe(String(victims.length));
    for (const o of ['Contact', 'Opportunity']) expect({ o, create: row(dry.out, o)[3] }).toEqual({ o, create: String(wanted(o).length) });
    expect(await orgStateNow(conn, OBJECTS)).toEqual(damaged);

    // The restore runs in the CLI; it dies the moment the org commits its contacts.
    const restoring = cli([...args, '--mode', 'deleted', '--wait']);
    let out = '';
    restoring.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => restoring.on('exit', (code, signal) => r(signal ? -1 : code)));
    const off = emulator.org.onTransaction((tx) => {
      if (tx.changes.some((c) => c.kind === 'create' && c.sobject === 'Contact')) restoring.kill('SIGKILL');
    });
    expect(await exited).toBe(-1);
    off();
    const runId = /Restore (\S+) queued/.exec(out)![1]!;
    expect((await engine.services.restore.status(org.id, runId)).status).toBe('running');
    const { rows: inflight } = await engine.ctx.infra.pool.query<{ object: string; sf_job_id: string | null }>(
      'SELECT object, sf_job_id FROM restore_inflight WHERE org_id = $1',
      [org.id],
    );
    expect(inflight).toEqual([{ object: 'Contact', sf_job_id: expect.any(String) }]);
    // Salesforce finished the job without us: the contacts are in the org, not in our id map.
    for (;;) {
      const n = (await orgStateNow(conn, ['Contact'])).get('Contact')!.size;
      if (n === damaged.get('Contact')!.size + wanted('Contact').length) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    // Another engine process takes the run over once its heartbeat is stale, and finishes it.
    const resumer = await startTestEngine({
      env: {
        ...WORKER_ENV,
        ORGVAULT_RESTORE_BULK_THRESHOLD: '5',
        ORGVAULT_DB_SCHEMA: engine.ctx.config.databaseSchema,
        ORGVAULT_BLOB_CONTAINER: engine.ctx.config.blobContainer,
        ORGVAULT_KEY_FILE: engine.ctx.config.keyFile!,
      },
      worker: { pollMs: 60_000, maxJobs: 0 },
      restoreWorker: { pollMs: 200 },
    });
    let status = await engine.services.restore.status(org.id, runId);
    while (status.status === 'running' || status.status === 'queued') {
      await new Promise((r) => setTimeout(r, 200));
      status = await engine.services.restore.status(org.id, runId);
    }
    await resumer.stop();
    expect({ status: status.status, failed: status.failed, error: status.error }).toEqual({ status: 'succeeded', failed: 0, error: null });
    // The resumed plan had no contact left to create: the job's results said which were made.
    expect(status.objects.find((p) => p.object === 'Contact')!.create).toBe(0);
    const results = await engine.services.restore.ledger.results(org.id, runId);
    expect(results.filter((r) => r.object === 'Contact' && r.operation === 'create' && r.success)).toHaveLength(wanted('Contact').length);

    const now = await orgStateNow(conn, OBJECTS);
    for (const o of OBJECTS) expect({ o, n: now.get(o)!.size }).toEqual({ o, n: truth.get(o)!.size });
    const idMap = await engine.services.restore.ledger.idMap(org.id, org.id);
    for (const o of ['Contact', 'Opportunity'])
      for (const id of wanted(o)) expect({ o, id, live: now.get(o)!.has(idMap.get(id) ?? '') }).toEqual({ o, id, live: true });

    const after = await run(['compare', '--org', org.id, '--from-job', job.id, '--objects', OBJECTS.join(',')]);
    expect(after.code).toBe(0);
    for (const o of OBJECTS) expect({ o, addedDeleted: row(after.out, o).slice(1, 3) }).toEqual({ o, addedDeleted: ['0', '0'] });

    // Changed fields of the rest, waited for with the per-record results written to a file (a
    // restore names its mode: there is no silent default).
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'orgvault-restore-')), 'results.csv');
    const changed = await run([
      'restore',
      '--org',
      org.id,
      '--from-job',
      job.id,
      '--objects',
      OBJECTS.join(','),
      '--mode',
      'changed',
      '--wait',
      '--results',
      file,
    ]);
    expect(changed.err).not.toContain('orgvault:');
    expect(changed.code).toBe(0);
    expect(changed.out).toMatch(/Restore \S+ succeeded into .*: \d+ records written, 0 failed/);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('object,operation,old_id,new_id,success,error');

    const listed = await run(['restores', '--org', org.id]);
    expect(listed.code).toBe(0);
    const lines = listed.out.trim().split('\n');
    expect(lines[0]).toMatch(/^id\s+status\s+mode/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      [expect.any(String), 'succeeded', 'changed'],
      [runId, 'succeeded', 'deleted'],
    ]);
  });
});
