/**
 * Continuous data protection end to end: a full backup, protection switched on (the engine
 * selects the objects for Change Data Capture), then a stream of creates, updates, nulls, deletes
 * and undeletes made through jsforce, with the engine restarted mid-stream, a gap event and a
 * GAP_OVERFLOW. A recovery point at each captured second equals the org as it was then, field by
 * field, and no change is stored twice.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import { expectExportEquals, waitForJob } from '../support/backup-checks.js';
import { captureMoment, caughtUpSince, emulatorAdmin } from './cdp-support/checks.js';
import type { Org } from '../../engine/src/orgs/registry.js';

const OBJECTS = ['Account', 'Contact'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('continuous data protection: recovery points equal the org at any second', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let conn: Connection;
  let org: Org;

  const admin = (path: string, body: unknown) => emulatorAdmin(emulator.instanceUrl, path, body);
  const capture = () => captureMoment(conn, OBJECTS);
  const caughtUp = () => caughtUpSince(engine, org, Date.now());

  beforeAll(async () => {
    emulator = await startEmulator({ records: 1500, seed: 21, admin: true, cdc: { entities: [], keepaliveMs: 200 } });
    engine = await startTestEngine({
      env: { ORGVAULT_PUBSUB_ENDPOINT: String(emulator.ready.pubSubEndpoint), ORGVAULT_PUBSUB_INSECURE_TLS: 'true' },
      runner: { reconcileEveryMs: 0, overlapMs: 60_000 },
      worker: { pollMs: 200 },
      cdp: { scanMs: 500, retryMs: 300, catchUpWaitMs: 60_000 },
    });
    conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    org = await connectEmulatorOrg(engine, emulator, 'cdp');
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  it('stores every change as it happens, across a restart, gaps and an overflow', async () => {
    const full = await engine.services.jobs.start(org, { by: 'e2e' });
    expect((await waitForJob(engine, org, full.id)).status).toBe('succeeded');

    const status = await engine.services.cdp.configure(org, { enabled: true, objects: OBJECTS }, 'e2e');
    expect(status.selection).toEqual({ Account: { selected: true }, Contact: { selected: true } });
    const members = await conn.query<{ SelectedEntity: string }>('SELECT SelectedEntity FROM PlatformEventChannelMember');
    expect(members.records.map((r) => r.SelectedEntity).sort()).toEqual(['AccountChangeEvent', 'ContactChangeEvent']);
    const catchUp = (await engine.services.cdp.status(org)).fallbacks.find((f) => f.reason === 'protection_on')!;
    expect((await waitForJob(engine, org, catchUp.jobId!)).status).toBe('succeeded');
    await caughtUp();

    const accounts = (await conn.query<{ Id: string }>('SELECT Id FROM Account')).records.map((r) => r.Id);
    const contacts = (await conn.query<{ Id: string }>('SELECT Id FROM Contact')).records.map((r) => r.Id);

    // Burst 1: creates, updates, a field set to null.
    const created = (await conn.sobject('Account').create([
      { Name: 'CDP One', Phone: '555-0101', BillingCity: 'Austin', NumberOfEmployees: 12 },
      { Name: 'CDP Two', Website: 'https://two.example' },
    ])) as Array<{ id: string }>;
    await conn.sobject('Account').update(accounts.slice(0, 4).map((Id, i) => ({ Id, Name: `Renamed ${i}`, Phone: null })));
    await conn.sobject('Contact').update({ Id: contacts[0]!, Email: null, Title: 'Chief' });
    const one = await capture();

    // Burst 2, the engine restarted in the middle: deletes, an undelete, more updates.
    await conn.sobject('Contact').destroy(contacts.slice(1, 4));
    await conn.sobject('Account').update({ Id: created[0]!.id, BillingCity: 'Dallas', NumberOfEmployees: null });
    const restarting = engine.restart();
    await conn.sobject('Account').update(accounts.slice(4, 8).map((Id) => ({ Id, Website: 'https://changed.example' })));
    await admin('/mutate', { ops: [{ kind: 'undelete', id: contacts[1] }] });
    await conn.sobject('Account').destroy(created[1]!.id);
    engine = await restarting;
    const two = await capture();

    // Burst 3: a gap event (the engine reads that record by id) and a GAP_OVERFLOW (an incremental backup fills in).
    await admin('/cdc/gap', { transactions: 1 });
    await conn.sobject('Account').update({ Id: accounts[0]!, Name: 'After a gap' });
    await admin('/cdc/overflow', { threshold: 2 });
    await conn.sobject('Account').create([{ Name: 'Flood 1' }, { Name: 'Flood 2' }, { Name: 'Flood 3' }, { Name: 'Flood 4' }]);
    await admin('/cdc/overflow', { threshold: 100_000 });
    await conn.sobject('Contact').update({ Id: contacts[5]!, LastName: 'Last of all' });
    let fallbackJob: string | null = null;
    while (!fallbackJob) {
      fallbackJob = (await engine.services.cdp.status(org)).fallbacks.find((f) => f.reason === 'gap_overflow')?.jobId ?? null;
      await sleep(100);
    }
    expect((await waitForJob(engine, org, fallbackJob)).status).toBe('succeeded');
    await caughtUp();
    const three = await capture();

    for (const moment of [one, two, three]) {
      const point = await engine.services.cdp.createRecoveryPoint(org, { objects: OBJECTS, at: moment.at, by: 'e2e' });
      const job = await waitForJob(engine, org, point.id);
      expect({ status: job.status, kind: job.kind, error: job.error }).toEqual({
        status: 'succeeded',
        kind: 'recovery_point',
        error: null,
      });
      expect(job.objectDetails.map((o) => o.name).sort()).toEqual(OBJECTS);
      await expectExportEquals(engine, org.id, moment.at, moment.truth);
    }

    // Nothing stored twice: each touched record has one version per change.
    const touched = [...accounts.slice(0, 8), ...contacts.slice(0, 6)];
    for (const [object, ids] of [
      ['Account', touched.filter((id) => accounts.includes(id))],
      ['Contact', touched.filter((id) => contacts.includes(id))],
    ] as const) {
      for (const recordId of ids) {
        const cdc = (await engine.services.store.versionsOf({ orgId: org.id, object, recordId })).filter((v) => v.source === 'cdc');
        const times = cdc.map((v) => `${v.kind}@${v.validFrom.toISOString()}`);
        expect(new Set(times).size).toBe(times.length);
      }
    }
  });

  it('refuses a recovery point for an object no backup holds', async () => {
    await expect(
      engine.services.cdp.createRecoveryPoint(org, { objects: ['NotBackedUp__c'], at: new Date(), by: 'e2e' }),
    ).rejects.toMatchObject({
      code: 'FULL_BACKUP_REQUIRED',
    });
  });
});
