/**
 * Overwrite touches only what differs: against an org where a field was damaged on a few records
 * and a colleague edited others afterwards, it writes exactly the records and fields that differ;
 * `--fields Industry` writes only Industry; keep-newer leaves the colleague's later edits as they
 * are (the dry run lists them as conflicts) and restores the rest; a rerun writes nothing and
 * says so. Every call is counted (the org's own counter agrees), the dry run foretells them within
 * 15%, and `orgvault restores` names the org and shows what was written. A field that does not
 * exist is refused by name.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { waitForJob, orgStateNow, type OrgState } from '../support/backup-checks.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import { runCli } from '../support/cli.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import type { RestoreRequest } from '../../engine/src/restore/restore.js';

const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Case'];

describe('overwrite writes only what differs, and what the admin chose', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let conn: Connection;
  let org: Org;
  let jobId: string;
  let truth: OrgState;
  const orgCalls = (): number => emulator.org.limits.usage('DailyApiRequests').used;
  const cli = async (args: string[]): Promise<{ code: number | null; out: string; err: string }> => {
    const r = await runCli(engine, args);
    return { code: r.code, out: r.stdout, err: r.stderr };
  };

  beforeAll(async () => {
    emulator = await startEmulator({ records: 1200, seed: 72 });
    engine = await startTestEngine({ runner: { reconcileEveryMs: 0 }, worker: { pollMs: 200 }, restoreWorker: { maxRuns: 0 } });
    conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    org = await connectEmulatorOrg(engine, emulator, 'overwrite');
    const job = await engine.services.jobs.start(org, { by: 'test' });
    const done = await waitForJob(engine, org, job.id);
    expect(done.status).toBe('succeeded');
    jobId = done.id;
    truth = await orgStateNow(conn, OBJECTS);
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  it('writes the records that differ, the fields chosen, and keeps later edits', async () => {
    const [a1, a2] = [...truth.get('Account')!.keys()];
    const [c1, c2] = [...truth.get('Contact')!.keys()];
    // The damage (a bad data load), then a colleague's edits a moment later.
    await conn.sobject('Account').update({ Id: a1!, Industry: 'Not For Profit' });
    await conn.sobject('Contact').update({ Id: c1!, Email: 'wrong@example.invalid' });
    await new Promise((r) => setTimeout(r, 1100));
    const cut = new Date();
    await new Promise((r) => setTimeout(r, 1100));
    await conn.sobject('Account').update({ Id: a2!, Phone: '+1 555 0100' });
    await conn.sobject('Contact').update({ Id: c2!, Title: 'Head of Everything' });
    const records = OBJECTS.reduce((n, o) => n + truth.get(o)!.size, 0);
    const request = (over: Partial<RestoreRequest> = {}): RestoreRequest => ({
      orgId: org.id,
      jobId,
      objects: OBJECTS,
      mode: 'overwrite',
      ...over,
    });
    const line = (plan: { objects: { object: string; update: number; fieldsChanged: object; conflicts: object }[] }, o: string) => {
      const p = plan.objects.find((x) => x.object === o)!;
      return { update: p.update, fields: p.fieldsChanged, conflicts: p.conflicts };
    };

    // Four of some hundreds of records differ: overwrite plans four updates, of the fields that differ.
    const all = await engine.services.restore.restore({ ...request(), dryRun: true });
    expect(records).toBeGreaterThan(150);
    expect(line(all, 'Account')).toEqual({ update: 2, fields: { Industry: 1, Phone: 1 }, conflicts: {} });
    expect(line(all, 'Contact')).toEqual({ update: 2, fields: { Email: 1, Title: 1 }, conflicts: {} });
    for (const o of ['Opportunity', 'Case']) expect(line(all, o)).toEqual({ update: 0, fields: {}, conflicts: {} });

    // Keep-newer: the colleague's edits are conflicts, left alone; the damage is restored.
    const keep = await engine.services.restore.restore({ ...request({ keepNewer: cut }), dryRun: true });
    expect(line(keep, 'Account')).toEqual({ update: 1, fields: { Industry: 1 }, conflicts: { Phone: 1 } });
    expect(line(keep, 'Contact')).toEqual({ update: 1, fields: { Email: 1 }, conflicts: { Title: 1 } });
    // --fields Industry, run by the CLI: Industry alone is written; --wait ends with what was written.
    const only = await cli([
      'restore',
      '--org',
      org.id,
      '--from-job',
      jobId,
      '--objects',
      OBJECTS.join(','),
      '--mode',
      'overwrite',
      '--fields',
      'Industry',
      '--wait',
    ]);
    expect(only.code).toBe(0);
    expect(only.out).toMatch(/^object\s+undeleted\s+created\s+updated\s+relinked\s+failed\n^Account\s+0\s+0\s+1\s+0\s+0$/m);
    expect(only.out).toMatch(/Restore \S+ succeeded into .+: 1 records written, 0 failed, \d+ API calls/);
    let now = await orgStateNow(conn, ['Account', 'Contact']);
    expect(now.get('Account')!.get(a1!)!.Industry).toBe(truth.get('Account')!.get(a1!)!.Industry);
    expect(now.get('Contact')!.get(c1!)!.Email).toBe('wrong@example.invalid');

    // Keep-newer for the rest: the contact's email comes back, the colleague's edits stay; calls as the org counted them.
    const estimate = await engine.services.restore.restore({ ...request({ keepNewer: cut }), dryRun: true });
    const before = orgCalls();
    const run = await engine.services.restore.restore(request({ keepNewer: cut }));
    expect(run.apiCalls).toBe(orgCalls() - before);
    expect(Math.abs(estimate.apiCalls - run.apiCalls) / run.apiCalls).toBeLessThanOrEqual(0.15);
    expect(run.written).toEqual([{ object: 'Contact', undeleted: 0, created: 0, updated: 1, relinked: 0, failed: 0 }]);
    now = await orgStateNow(conn, ['Account', 'Contact']);
    expect(now.get('Contact')!.get(c1!)!.Email).toBe(truth.get('Contact')!.get(c1!)!.Email);
    expect([now.get('Account')!.get(a2!)!.Phone, now.get('Contact')!.get(c2!)!.Title]).toEqual(['+1 555 0100', 'Head of Everything']);

    // Again: nothing differs but the kept edits; nothing is written, and the CLI says so.
    const rerun = await cli([
      'restore',
      '--org',
      org.id,
      '--from-job',
      jobId,
      '--objects',
      OBJECTS.join(','),
      '--mode',
      'overwrite',
      '--keep-newer',
      cut.toISOString(),
      '--wait',
    ]);
    expect(rerun.code).toBe(0);
    expect(rerun.out).toMatch(/: 0 records written, 0 failed, \d+ API calls/);

    const listed = await cli(['restores', '--org', org.id]);
    const rows = listed.out.trim().split('\n');
    expect(rows[0]).toMatch(/^id\s+status\s+mode\s+target\s+at\s+queued\s+finished\s+records\s+succeeded\s+failed\s+apiCalls/);
    expect(rows.slice(1).map((l) => [...l.split(/\s+/).slice(1, 3), l.includes(`  ${org.name}  `)])).toEqual([
      ['succeeded', 'overwrite', true],
      ['succeeded', 'overwrite', true],
      ['succeeded', 'overwrite', true],
    ]);
    expect(rows[2]).toMatch(/\s1\/1\s+1\s+0\s+\d+/);
  });

  it('refuses --fields naming a field that does not exist', async () => {
    const bad = engine.services.restore.restore({ orgId: org.id, jobId, objects: ['Account'], fields: ['Industry', 'Nope'], dryRun: true });
    await expect(bad).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'No field restore can update is called Nope on Account',
    });
  });
});
