/**
 * A resumed job never trusts a Bulk job it cannot read: checkpoints naming a job that is gone,
 * Failed, Aborted, another object's or another query's start a new query for the object, and an
 * org restarted under a running job (its Bulk jobs forgotten) costs nothing either.
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { waitForJob, orgStateNow, expectExportEquals, duplicateVersions, storedByJob } from '../support/backup-checks.js';
import { connectEmulatorOrg, emulatorAdmin, refreshingConnection } from '../support/emulator-org.js';
import type { Org } from '../../engine/src/orgs/registry.js';

const PAGE = { ORGVAULT_BULK_PAGE_RECORDS: '100' };

interface BulkJobInfo {
  id: string;
  object: string;
  state: string;
}

/** Bulk 2.0 as any client of the org would call it, outside the engine. */
async function bulk<T = BulkJobInfo>(emulator: EmulatorHandle, method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${emulator.instanceUrl}/services/data/v62.0/jobs/query${route}`, {
    method,
    headers: { authorization: `Bearer ${emulator.accessToken}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.ok).toBe(true);
  return (await res.json()) as T;
}

/** The ids of the query jobs the org knows now. */
async function bulkJobIds(emulator: EmulatorHandle): Promise<string[]> {
  return (await bulk<{ records: BulkJobInfo[] }>(emulator, 'GET', '')).records.map((j) => j.id);
}

async function endedJob(emulator: EmulatorHandle, query: string): Promise<BulkJobInfo> {
  const { id } = await bulk(emulator, 'POST', '', { operation: 'query', query });
  for (;;) {
    const info = await bulk(emulator, 'GET', `/${id}`);
    if (['JobComplete', 'Failed', 'Aborted'].includes(info.state)) return info;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An Aborted job: the abort must arrive before the job ends, which the emulator's ~40 ms mostly allow. */
async function abortedJob(emulator: EmulatorHandle, query: string): Promise<BulkJobInfo> {
  for (let i = 0; i < 5; i++) {
    const { id } = await bulk(emulator, 'POST', '', { operation: 'query', query });
    const res = await fetch(`${emulator.instanceUrl}/services/data/v62.0/jobs/query/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${emulator.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'Aborted' }),
    });
    if (res.ok) return (await res.json()) as BulkJobInfo;
  }
  throw new Error('every job ended before its abort');
}

async function checkpointedJobs(engine: TestEngine, org: Org, jobId: string): Promise<Map<string, string>> {
  const { rows } = await engine.ctx.infra.pool.query<{ object: string; job: string | null }>(
    `SELECT object, checkpoint->'bulk'->>'jobId' AS job FROM backup_job_objects WHERE org_id = $1 AND job_id = $2`,
    [org.id, jobId],
  );
  return new Map(rows.filter((r) => r.job !== null).map((r) => [r.object, r.job!]));
}

describe('resuming a job whose Bulk jobs cannot be trusted', () => {
  let emulator: EmulatorHandle | undefined;
  const engines: TestEngine[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const e of engines.splice(0).reverse()) await e.close();
    await emulator?.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('checkpoints naming an unknown, a Failed, an Aborted, another object’s and another query’s job resume into new queries', async () => {
    emulator = await startEmulator({ records: 800, seed: 23, admin: true });
    const objects = ['Account', 'Contact', 'Case', 'Lead', 'Opportunity'];
    // This engine only queues the job; the one started below resumes it as a crashed worker's.
    const engine = await startTestEngine({ env: PAGE, worker: { pollMs: 60_000, maxJobs: 0 } });
    engines.push(engine);
    const org = await connectEmulatorOrg(engine, emulator, 'resume', { renewable: true });
    const job = await engine.services.jobs.start(org, { by: 'resume' });

    await emulatorAdmin(emulator, 'faults', { bulkJobFailure: 'InternalServerError' });
    const failed = await endedJob(emulator, 'SELECT Id FROM Contact');
    await fetch(`${emulator.instanceUrl}/__emulator/faults`, { method: 'DELETE' });
    expect(failed.state).toBe('Failed');
    const aborted = await abortedJob(emulator, 'SELECT Id FROM Case');
    const accounts = await endedJob(emulator, 'SELECT Id, Name FROM Account');
    const opportunities = await endedJob(emulator, 'SELECT Id, Name FROM Opportunity');
    const stale: Record<string, { jobId: string; locator: string | null; query?: string }> = {
      Account: { jobId: '7508d0000000zzzAAA', locator: null },
      Contact: { jobId: failed.id, locator: null },
      Case: { jobId: aborted.id, locator: null },
      Lead: { jobId: accounts.id, locator: 'MTAw' },
      // A complete job of the object, but of a query the pass does not run.
      Opportunity: { jobId: opportunities.id, locator: null, query: 'another query' },
    };
    const startedAt = new Date().toISOString();
    for (const [object, bulkCp] of Object.entries(stale)) {
      await engine.ctx.infra.pool.query(
        `INSERT INTO backup_job_objects (org_id, job_id, object, pass, status, attempts, checkpoint) VALUES ($1, $2, $3, 'full', 'running', 1, $4)`,
        [org.id, job.id, object, JSON.stringify({ startedAt, bulk: bulkCp })],
      );
    }
    await engine.ctx.infra.pool.query(`UPDATE backup_jobs SET status = 'running', started_at = now() WHERE org_id = $1 AND id = $2`, [
      org.id,
      job.id,
    ]);

    const resumer = await startTestEngine({ env: { ...engine.env, ...PAGE }, worker: { pollMs: 200 } });
    engines.push(resumer);
    const done = await waitForJob(engine, org, job.id);
    expect({ status: done.status, error: done.error, failed: done.objectDetails.filter((o) => o.status === 'failed') }).toEqual({
      status: 'succeeded',
      error: null,
      failed: [],
    });
    const now = await checkpointedJobs(engine, org, job.id);
    for (const [object, bulkCp] of Object.entries(stale))
      expect({ object, job: now.get(object) }).not.toEqual({ object, job: bulkCp.jobId });
    expect({ records: done.progress.records, files: done.progress.files }).toEqual(await storedByJob(engine, org.id, job.id));
    expect(await duplicateVersions(engine, org.id)).toBe(0);
    await expectExportEquals(engine, org.id, done.finishedAt!, await orgStateNow(refreshingConnection(emulator), objects));
  });

  it('the org restarted under a running job: Bulk job ids do not repeat and the job succeeds with every record', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'orgvault-emulator-'));
    dirs.push(dataDir);
    const org0 = { records: 3000, seed: 24, admin: true, dataDir };
    emulator = await startEmulator(org0);
    const engine = await startTestEngine({ env: PAGE, worker: { pollMs: 200 } });
    engines.push(engine);
    const org = await connectEmulatorOrg(engine, emulator, 'restart', { renewable: true });
    await emulatorAdmin(emulator, 'faults', { latencyMs: 25 });
    const job = await engine.services.jobs.start(org, { by: 'restart' });

    // Restart once a Bulk job is being read page by page and other objects are still to come.
    for (;;) {
      const d = await engine.services.jobs.get(org, job.id);
      const { rows } = await engine.ctx.infra.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM backup_job_objects WHERE org_id = $1 AND job_id = $2 AND checkpoint->'bulk'->>'locator' IS NOT NULL`,
        [org.id, job.id],
      );
      if ((rows[0]!.n > 0 && d.objectDetails.some((o) => o.status === 'pending')) || !['queued', 'running', 'paused'].includes(d.status))
        break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = new Set(await bulkJobIds(emulator));
    const port = emulator.port;
    await emulator.stop();
    emulator = await startEmulator({ ...org0, port });

    const done = await waitForJob(engine, org, job.id);
    expect({ status: done.status, error: done.error, failed: done.objectDetails.filter((o) => o.status === 'failed') }).toEqual({
      status: 'succeeded',
      error: null,
      failed: [],
    });
    const after = await bulkJobIds(emulator);
    expect(before.size).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((id) => before.has(id))).toEqual([]);
    expect({ records: done.progress.records, files: done.progress.files }).toEqual(await storedByJob(engine, org.id, job.id));
    expect(await duplicateVersions(engine, org.id)).toBe(0);
    const objects = done.objectDetails
      .map((o) => o.name)
      .filter((o) => ['Account', 'Contact', 'Opportunity', 'Case', 'Attachment'].includes(o));
    await expectExportEquals(engine, org.id, done.finishedAt!, await orgStateNow(refreshingConnection(emulator), objects));
  });
});
