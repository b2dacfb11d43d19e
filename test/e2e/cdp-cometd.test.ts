/**
 * CometD as the fall-back: the engine follows the org over the Pub/Sub API until its endpoint
 * stops answering; after failed attempts it switches to the Streaming API (CometD) — from the tip,
 * with a backup for the changes between, since CometD's replay ids are its own — and shows it on
 * the org's CDP status. When Pub/Sub answers again it goes back, resuming from Pub/Sub's own
 * checkpoint (the events CometD stored meanwhile come again and are skipped). Recovery points
 * before, during and after equal the org field by field; no change is stored twice.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import { freePort } from '../support/ports.js';
import { expectExportEquals, waitForJob } from '../support/backup-checks.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import { captureMoment, caughtUpSince, emulatorAdmin } from './cdp-support/checks.js';
import { Forwarder } from './cdp-support/proxy.js';

const OBJECTS = ['Account', 'Contact'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('continuous data protection falls back to CometD and back', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let org: Org;
  let pubsub: Forwarder;

  beforeAll(async () => {
    emulator = await startEmulator({ records: 100, seed: 41, admin: true, cdc: { entities: [], keepaliveMs: 200, cometdTimeoutSec: 1 } });
    const target = Number(String(emulator.ready.pubSubEndpoint).split(':').at(-1));
    pubsub = new Forwarder(await freePort(), target);
    await pubsub.up();
    engine = await startTestEngine({
      env: { ORGVAULT_PUBSUB_ENDPOINT: `127.0.0.1:${pubsub.port}`, ORGVAULT_PUBSUB_INSECURE_TLS: 'true' },
      worker: { pollMs: 200 },
      // Small buffers, so flow control holds back both transports (Pub/Sub requests, CometD long polls).
      cdp: { scanMs: 300, retryMs: 200, pubsubAttempts: 2, pubsubProbeMs: 500, catchUpWaitMs: 60_000, batchSize: 2, maxBuffered: 3 },
    });
    org = await connectEmulatorOrg(engine, emulator, 'cdp-cometd');
  });
  afterAll(async () => {
    await engine?.close();
    await pubsub?.down();
    await emulator?.stop();
  });

  it('switches to CometD while Pub/Sub is unreachable, loses nothing, and switches back', async () => {
    const conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    const admin = (path: string, body: unknown) => emulatorAdmin(emulator.instanceUrl, path, body);
    const status = () => engine.services.cdp.getSettings(org);
    const capture = () => captureMoment(conn, OBJECTS);
    const until = async (done: () => Promise<boolean>) => {
      while (!(await done())) await sleep(100);
    };

    const switches = async () => (await status()).fallbacks.filter((f) => f.reason === 'transport_switch').length;
    /** Waits for the next switch (its fall-back row is written after the transport changes) and returns it. */
    const switched = async (to: string, before: number) => {
      await until(async () => (await switches()) > before);
      const s = await status();
      expect(s.activeTransport.transport).toBe(to);
      return s.fallbacks.find((f) => f.reason === 'transport_switch')!;
    };

    const accounts = Array.from({ length: 6 }, (_, i) => emulator.org.create('Account', { Name: `Fallback ${i}`, Phone: '555-0100' }));
    const contacts = Array.from({ length: 4 }, (_, i) =>
      emulator.org.create('Contact', { LastName: `Fallback ${i}`, Email: `c${i}@x.test` }),
    );
    expect((await waitForJob(engine, org, (await engine.services.jobs.start(org, { by: 'e2e' })).id)).status).toBe('succeeded');
    await engine.services.cdp.configure(org, { enabled: true, objects: OBJECTS }, 'e2e');
    const catchUp = (await status()).fallbacks.find((f) => f.reason === 'protection_on')!;
    expect((await waitForJob(engine, org, catchUp.jobId!)).status).toBe('succeeded');
    await caughtUpSince(engine, org, Date.now());
    expect((await status()).activeTransport.transport).toBe('pubsub');

    // Over Pub/Sub.
    await conn.sobject('Account').update([
      { Id: accounts[0]!, Name: 'Renamed on Pub/Sub', Phone: null },
      { Id: accounts[1]!, BillingCity: 'Austin' },
    ]);
    const one = await capture();

    // Pub/Sub's endpoint stops answering: CometD takes over from its tip, a backup covers the changes between.
    let before = await switches();
    await pubsub.down();
    await admin('/cdc/faults', { dropStreams: true });
    await conn.sobject('Account').update({ Id: accounts[2]!, Name: 'While switching' });
    const toCometd = await switched('cometd', before);
    expect(toCometd.detail).toMatch(/^pubsub → cometd: the Pub\/Sub API failed 2 times in a row/);
    expect(toCometd.jobId).not.toBeNull();
    expect((await waitForJob(engine, org, toCometd.jobId!)).status).toBe('succeeded');
    const since = Date.now();
    await caughtUpSince(engine, org, since);

    // Over CometD: creates (its bodies leave nulls out), updates with a null, a delete and an undelete.
    const made = (await conn
      .sobject('Account')
      .create([{ Name: 'Made on CometD', NumberOfEmployees: 7, BillingCity: 'Dallas' }, { Name: 'Made and deleted on CometD' }])) as Array<{
      id: string;
    }>;
    await conn.sobject('Account').update({ Id: made[0]!.id, NumberOfEmployees: null, Website: 'https://cometd.example' });
    await conn.sobject('Account').update({ Id: made[0]!.id, Phone: '555-0199' });
    await conn.sobject('Account').destroy(made[1]!.id);
    await conn.sobject('Contact').update({ Id: contacts[0]!, Email: null, Title: 'Over CometD' });
    await conn.sobject('Contact').destroy(contacts[1]!);
    await admin('/mutate', { ops: [{ kind: 'undelete', id: contacts[1] }] });
    await caughtUpSince(engine, org, Date.now());
    const onCometd = await engine.services.cdp.status(org);
    expect(onCometd.checkpoint?.cometdReplayId).not.toBeNull();
    const two = await capture();

    // Pub/Sub answers again: back to it, from its own checkpoint (no backup needed).
    before = await switches();
    await pubsub.up();
    const back = await switched('pubsub', before);
    expect(back.detail).toMatch(/^cometd → pubsub/);
    expect(back.jobId).toBeNull();
    await conn.sobject('Account').update({ Id: made[0]!.id, Name: 'Back on Pub/Sub' });
    await conn.sobject('Contact').update({ Id: contacts[2]!, LastName: 'Back on Pub/Sub' });
    await caughtUpSince(engine, org, Date.now());
    const three = await capture();

    for (const moment of [one, two, three]) {
      const point = await engine.services.cdp.createRecoveryPoint(org, { objects: OBJECTS, at: moment.at, by: 'e2e' });
      const job = await waitForJob(engine, org, point.id);
      expect({ status: job.status, error: job.error }).toEqual({ status: 'succeeded', error: null });
      await expectExportEquals(engine, org.id, moment.at, moment.truth);
    }

    // The records made over CometD were replayed by Pub/Sub after the switch back: still one version per change.
    const { store } = engine.services;
    const versions = async (object: string, recordId: string) =>
      (await store.versionsOf({ orgId: org.id, object, recordId })).filter((v) => v.source === 'cdc').length;
    expect(await versions('Account', made[0]!.id)).toBe(4);
    expect(await versions('Account', made[1]!.id)).toBe(2);

    // An org pinned to CometD: it resumes from CometD's own checkpoint (no backup) and keeps every change.
    before = await switches();
    await engine.services.cdp.configure(org, { enabled: true, objects: OBJECTS, transport: 'cometd' }, 'e2e');
    const pinnedSwitch = await switched('cometd', before);
    expect(pinnedSwitch).toMatchObject({ jobId: null, detail: "pubsub → cometd: the org's setting is cometd" });
    expect((await status()).transport).toBe('cometd');
    await conn.sobject('Account').update({ Id: made[0]!.id, Name: 'Pinned to CometD' });
    await caughtUpSince(engine, org, Date.now());
    const four = await capture();
    const point = await engine.services.cdp.createRecoveryPoint(org, { objects: OBJECTS, at: four.at, by: 'e2e' });
    expect((await waitForJob(engine, org, point.id)).status).toBe('succeeded');
    await expectExportEquals(engine, org.id, four.at, four.truth);
    expect(await versions('Account', made[0]!.id)).toBe(5);
  });
});
