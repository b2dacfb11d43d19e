/**
 * A change event stream down too long: the org is pinned to the Pub/Sub API (no CometD
 * fall-back), whose endpoint stops answering while the org changes. After the configured time the
 * engine opens an incremental backup of the protected objects, logs it and shows it on the org's
 * CDP status (reason stream_down); that backup holds the changes made while the stream was down.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import { freePort } from '../support/ports.js';
import { expectExportEquals, orgStateNow, waitForJob } from '../support/backup-checks.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import { caughtUpSince } from './cdp-support/checks.js';
import { Forwarder } from './cdp-support/proxy.js';

const OBJECTS = ['Account', 'Contact'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('continuous data protection: a stream down too long falls back to a backup', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let org: Org;
  let pubsub: Forwarder;

  beforeAll(async () => {
    emulator = await startEmulator({ records: 100, seed: 43, admin: true, cdc: { entities: [], keepaliveMs: 200 } });
    pubsub = new Forwarder(await freePort(), Number(String(emulator.ready.pubSubEndpoint).split(':').at(-1)));
    await pubsub.up();
    engine = await startTestEngine({
      env: { ORGVAULT_PUBSUB_ENDPOINT: `127.0.0.1:${pubsub.port}`, ORGVAULT_PUBSUB_INSECURE_TLS: 'true' },
      worker: { pollMs: 200 },
      cdp: { scanMs: 300, retryMs: 200, streamDownMs: 1500 },
    });
    org = await connectEmulatorOrg(engine, emulator, 'cdp-down');
  });
  afterAll(async () => {
    await engine?.close();
    await pubsub?.down();
    await emulator?.stop();
  });

  it('opens an incremental backup of the protected objects, visible on the org', async () => {
    const conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    const accounts = Array.from({ length: 4 }, (_, i) => emulator.org.create('Account', { Name: `Down ${i}` }));
    const contact = emulator.org.create('Contact', { LastName: 'Down', Email: 'down@x.test' });
    expect((await waitForJob(engine, org, (await engine.services.jobs.start(org, { by: 'e2e' })).id)).status).toBe('succeeded');
    await engine.services.cdp.configure(org, { enabled: true, objects: OBJECTS, transport: 'pubsub' }, 'e2e');
    const catchUp = (await engine.services.cdp.getSettings(org)).fallbacks.find((f) => f.reason === 'protection_on')!;
    expect((await waitForJob(engine, org, catchUp.jobId!)).status).toBe('succeeded');
    await caughtUpSince(engine, org, Date.now());

    // The endpoint stops answering, and the org changes meanwhile.
    await pubsub.down();
    emulator.org.update(accounts[0]!, { Name: 'Changed while down', Phone: '555-0142' });
    emulator.org.delete(accounts[1]!);
    const created = emulator.org.create('Account', { Name: 'Created while down' });
    emulator.org.update(contact, { Email: null, Title: 'Down' });

    let down;
    while (!(down = (await engine.services.cdp.getSettings(org)).fallbacks.find((f) => f.reason === 'stream_down'))) await sleep(100);
    expect(down).toMatchObject({ objects: OBJECTS, detail: expect.stringMatching(/^stream down since /) });
    expect((await waitForJob(engine, org, down.jobId!)).status).toBe('succeeded');
    const status = await engine.services.cdp.getSettings(org);
    // Pinned to Pub/Sub: no switch to CometD.
    expect(status.activeTransport.transport).toBe('pubsub');
    expect(status.fallbacks.some((f) => f.reason === 'transport_switch')).toBe(false);

    const truth = await orgStateNow(conn, OBJECTS);
    expect(truth.get('Account')!.has(created)).toBe(true);
    await expectExportEquals(engine, org.id, new Date(), truth);
  });
});
