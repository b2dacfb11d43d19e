/**
 * Incremental passes with few changes: once an object's last incremental read few records, its
 * next window is read by one REST query page instead of a Bulk job, stored as the same CSV bytes
 * Bulk gives (so versions re-read in the overlap window are not stored again), and a window that
 * turns out bigger than a page falls back to Bulk. The export stays exact throughout.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import type { JobDetailOut } from '../../engine/src/api/schemas.js';
import { waitForJob, orgStateNow, expectExportEquals } from '../support/backup-checks.js';

const OBJECTS = ['Account', 'Contact'];
const REST_PAGE = 200;

describe('backup: few changes go by one REST page, more by Bulk', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let conn: Connection;
  let org: Org;

  beforeAll(async () => {
    emulator = await startEmulator({ records: 2500, seed: 5, admin: true });
    engine = await startTestEngine({
      runner: { reconcileEveryMs: 7 * 24 * 3600_000, overlapMs: 60_000, restPageRecords: REST_PAGE },
      worker: { pollMs: 200 },
    });
    conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    org = await connectEmulatorOrg(engine, emulator, 'few-changes');
    const all = await conn.describeGlobal();
    await engine.services.schedule.backupSettings.put(org.id, {
      excludedObjects: all.sobjects.map((s) => s.name).filter((n) => !OBJECTS.includes(n)),
    });
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  const run = async (): Promise<JobDetailOut> => {
    const job = await engine.services.jobs.start(org, { by: 'e2e' });
    const done = await waitForJob(engine, org, job.id);
    expect(done.status).toBe('succeeded');
    await expectExportEquals(engine, org.id, done.finishedAt!, await orgStateNow(conn, OBJECTS));
    return done;
  };
  const pass = async (job: JobDetailOut, object: string) => {
    const { rows } = await engine.ctx.infra.pool.query<{ records: string; api_calls: string; checkpoint: { bulk?: unknown } }>(
      'SELECT records, api_calls, checkpoint FROM backup_job_objects WHERE org_id = $1 AND job_id = $2 AND object = $3',
      [org.id, job.id, object],
    );
    return { records: Number(rows[0]!.records), apiCalls: Number(rows[0]!.api_calls), byBulk: rows[0]!.checkpoint.bulk !== undefined };
  };
  const rename = async (ids: string[], tag: string) => conn.sobject('Account').update(ids.map((Id, i) => ({ Id, Name: `${tag} ${i}` })));

  it('reads a small window by REST without storing re-read versions again, and a big one by Bulk', async () => {
    const full = await run();
    expect(full.kind).toBe('full');
    const accounts = (await conn.query<{ Id: string }>('SELECT Id FROM Account').run({ autoFetch: true, maxFetch: 100_000 })).records.map(
      (r) => r.Id,
    );
    const contacts = (await conn.query<{ Id: string }>('SELECT Id FROM Contact').run({ autoFetch: true, maxFetch: 100_000 })).records.map(
      (r) => r.Id,
    );
    expect(contacts.length).toBeGreaterThan(REST_PAGE);

    // First incremental: nothing known about the object's changes yet, so Bulk.
    await rename(accounts.slice(0, 5), 'first');
    const inc1 = await run();
    expect(await pass(inc1, 'Account')).toMatchObject({ records: 5, byBulk: true });

    // Second: the last window held few records, so one REST page (plus getDeleted). The window
    // reaches back over the first five (overlap): read again, recognised, not stored again.
    await rename(accounts.slice(5, 8), 'second');
    const inc2 = await run();
    expect(await pass(inc2, 'Account')).toEqual({ records: 3, apiCalls: 2, byBulk: false });
    // The job's calls are its passes' and its own: describeGlobal and one describe per object.
    const inPasses = inc2.objectDetails.reduce((n, o) => n + o.apiCalls, 0);
    expect(inc2.progress.apiCalls - inPasses).toBe(1 + OBJECTS.length);

    // Third: more Contacts changed than a REST page holds: the REST page is set aside for Bulk.
    const changed = contacts.slice(0, REST_PAGE + 50).map((Id, i) => ({ Id, Title: `Changed ${i}` }));
    for (let i = 0; i < changed.length; i += 200) await conn.sobject('Contact').update(changed.slice(i, i + 200));
    const inc3 = await run();
    const c3 = await pass(inc3, 'Contact');
    expect(c3).toMatchObject({ records: REST_PAGE + 50, byBulk: true });
  });
});
