/**
 * Restore through the HTTP API as the Lightning page and automation call it: a dry run that
 * writes nothing, a run that fails in the middle (a Bulk ingest job fails after the parents were
 * written), the per-record results as CSV, and a second run that finishes the work without
 * re-creating what the first one made (the id map is the checkpoint). Compare agrees at each step.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../../../test/emulator/server.js';
import { startTestEngine, type TestEngine } from '../../../test/support/engine.js';
import { waitForJob, orgStateNow } from '../../../test/support/backup-checks.js';
import { connectEmulatorOrg } from '../../../test/support/emulator-org.js';
import type { Org } from '../../src/orgs/registry.js';
import { parentsFirst } from '../../src/restore/order.js';

describe('restore over the API: dry run, a failure in the middle, resume without duplicates', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let conn: Connection;
  let org: Org;
  let key: string;

  const api = async (method: string, path: string, body?: unknown, roles = 'administrator'): Promise<Response> =>
    fetch(`${engine.url}/api/v1${path}`, {
      method,
      headers: { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': roles, 'Content-Type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  type Run = { runId: string; status: string; objects: { object: string; create: number }[]; failed: number; error: string | null };
  /** Queues a restore over the API and follows it to its end, as the page does. */
  const restoreToEnd = async (body: unknown): Promise<Run> => {
    const queued = await api('POST', `/orgs/${org.id}/restores`, body);
    expect(queued.status).toBe(200);
    let run = (await queued.json()) as Run;
    expect(run.status).toBe('queued');
    while (run.status === 'queued' || run.status === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      run = (await (await api('GET', `/orgs/${org.id}/restores/${run.runId}`)).json()) as Run;
    }
    return run;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ records: 1200, seed: 31 });
    // Accounts (a few) through collections, their contacts (more) through Bulk ingest.
    engine = await startTestEngine({
      runner: { reconcileEveryMs: 0 },
      worker: { pollMs: 200 },
      restoreWorker: { pollMs: 200 },
      // Re-created under new ids, so that creates can crash (undelete: test/e2e/restore-undelete.test.ts).
      restore: { bulkThreshold: 6, pollMs: 50, undelete: false },
    });
    conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    org = await connectEmulatorOrg(engine, emulator, 'resume');
    key = (await engine.services.keys.create(org.tenantId, { name: 'test' })).key;
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  it('orders parents before children and leaves cycles to the second pass', () => {
    const refs: Record<string, string[]> = {
      Contact: ['Account', 'Contact'],
      Account: ['Account', 'User'],
      Case: ['Contact', 'Account'],
      A: ['B'],
      B: ['A'],
    };
    expect(parentsFirst(['Case', 'Contact', 'Account'], (o) => refs[o] ?? [])).toEqual(['Account', 'Contact', 'Case']);
    expect(parentsFirst(['A', 'B'], (o) => refs[o] ?? []).sort()).toEqual(['A', 'B']);
  });

  type Refusal = { error: { code: string; message: string; actions: string[] } };
  /** A restore the engine must refuse: 400, and no run is kept. */
  const refused = async (body: unknown): Promise<Refusal> => {
    const before = await (await api('GET', `/orgs/${org.id}/restores`)).json();
    const r = await api('POST', `/orgs/${org.id}/restores`, body);
    expect(r.status).toBe(400);
    expect(await (await api('GET', `/orgs/${org.id}/restores`)).json()).toEqual(before);
    return (await r.json()) as Refusal;
  };

  it('refuses a restore at a time before any backup, and writes nothing', async () => {
    const before = await orgStateNow(conn, ['Account', 'Contact']);
    for (const dryRun of [true, false]) {
      const body = await refused({ from: { at: new Date().toISOString() }, objects: ['Account'], dryRun });
      expect(body.error).toMatchObject({ code: 'VALIDATION_FAILED', actions: ['Restore once its first backup has finished.'] });
    }
    expect(await orgStateNow(conn, ['Account', 'Contact'])).toEqual(before);
  });

  it('resumes a failed restore without duplicates', async () => {
    const job = await engine.services.jobs.start(org, { by: 'test' });
    expect((await waitForJob(engine, org, job.id)).status).toBe('succeeded');
    const truth = await orgStateNow(conn, ['Account', 'Contact']);
    // Salesforce refuses to delete an account with cases: the victims have none.
    const withCases = new Set(
      (await conn.query<{ AccountId: string | null }>('SELECT AccountId FROM Case')).records.map((r) => r.AccountId),
    );
    const victims = [...truth.get('Account')!.keys()]
      .filter((a) => !withCases.has(a) && [...truth.get('Contact')!.values()].filter((c) => c.AccountId === a).length >= 2)
      .slice(0, 5);
    const lost = [...truth.get('Contact')!].filter(([, c]) => victims.includes(c.AccountId!)).map(([id]) => id);
    expect(lost.length).toBeGreaterThanOrEqual(10);
    await conn.sobject('Account').destroy(victims);

    const request = { from: { jobId: job.id }, objects: ['Contact', 'Account'], mode: 'deleted' };
    // A viewer or operator may compare but not restore.
    expect((await api('POST', `/orgs/${org.id}/restores`, request, 'backup_operator')).status).toBe(403);
    const dry = await api('POST', `/orgs/${org.id}/restores`, { ...request, dryRun: true });
    expect(dry.status).toBe(200);
    const plan = (await dry.json()) as { objects: { object: string; create: number; apiCalls: number }[]; apiCalls: number };
    expect(plan.objects.map((p) => [p.object, p.create])).toEqual([
      ['Account', victims.length],
      ['Contact', lost.length],
    ]);
    // Accounts: one collection call; contacts: one ingest job (create, upload, close, poll, successful results).
    expect(plan.objects.map((p) => p.apiCalls)).toEqual([1, 5]);
    expect((await orgStateNow(conn, ['Account'])).get('Account')!.size).toBe(truth.get('Account')!.size - victims.length);

    emulator.org.faults.bulkJobFailure = 'InvalidBatch : simulated failure';
    const failed = await restoreToEnd(request);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('simulated failure');
    emulator.org.faults.clear();
    expect((await orgStateNow(conn, ['Account'])).get('Account')!.size).toBe(truth.get('Account')!.size);

    const outcome = await restoreToEnd(request);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.objects.map((p) => [p.object, p.create])).toEqual([
      ['Account', 0],
      ['Contact', lost.length],
    ]);
    expect(outcome.failed).toBe(0);
    const now = await orgStateNow(conn, ['Account', 'Contact']);
    expect(now.get('Account')!.size).toBe(truth.get('Account')!.size);
    expect(now.get('Contact')!.size).toBe(truth.get('Contact')!.size);

    const csv = await api('GET', `/orgs/${org.id}/restores/${outcome.runId}/results`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('object,operation,old_id,new_id,success,error');
    expect(lines.slice(1).filter((l) => l.startsWith('Contact,create,') && l.includes(',true,'))).toHaveLength(lost.length);

    // Deleted mode re-creates; lookups that other records held to the deleted ones (cleared by the
    // delete) are changed fields, which the default mode restores.
    const changed = await restoreToEnd({ from: { jobId: job.id }, objects: ['Contact', 'Account'] });
    expect({ status: changed.status, failed: changed.failed }).toEqual({ status: 'succeeded', failed: 0 });
    const compared = await api(
      'POST',
      `/orgs/${org.id}/compare`,
      { from: { jobId: job.id }, to: { live: true }, objects: ['Account', 'Contact'] },
      'backup_operator',
    );
    expect(compared.status).toBe(200);
    const { objects } = (await compared.json()) as { objects: { object: string; added: string[]; deleted: string[]; changed: string[] }[] };
    for (const c of objects)
      expect({ o: c.object, added: c.added, deleted: c.deleted, changed: c.changed }).toEqual({
        o: c.object,
        added: [],
        deleted: [],
        changed: [],
      });
  });

  it('refuses a restore at a time before the first backup, naming the time of that backup, and writes nothing', async () => {
    const jobs = ((await (await api('GET', `/orgs/${org.id}/jobs`)).json()) as { jobs: { status: string; finishedAt: string }[] }).jobs;
    const first = jobs
      .filter((j) => j.status === 'succeeded')
      .map((j) => j.finishedAt)
      .sort()[0]!;
    const before = await orgStateNow(conn, ['Account', 'Contact']);
    const earlier = new Date(Date.parse(first) - 60_000).toISOString();
    for (const dryRun of [true, false]) {
      const body = await refused({ from: { at: earlier }, objects: ['Account', 'Contact'], mode: 'overwrite', dryRun });
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(body.error.message).toContain(earlier);
      expect(body.error.actions).toEqual([`Choose a time from its first backup on: ${new Date(first).toISOString()}.`]);
    }
    expect(await orgStateNow(conn, ['Account', 'Contact'])).toEqual(before);
    // From the first backup's own time on, the backups answer.
    expect((await api('POST', `/orgs/${org.id}/restores`, { from: { at: first }, objects: ['Account'], dryRun: true })).status).toBe(200);
  });
});
