/**
 * Change event streams across session faults, on both transports: an expired session ends the
 * Pub/Sub stream (UNAUTHENTICATED) or the CometD one (401::Authentication invalid); the engine
 * renews the session through the org's refresh token and resumes from its checkpoint. On CometD,
 * a server that forgets its clients (403::Unknown client) makes faye handshake and subscribe
 * again with the replay extension. Changes made meanwhile are all stored, once.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import { expectExportEquals, waitForJob } from '../support/backup-checks.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import { captureMoment, caughtUpSince, emulatorAdmin } from './cdp-support/checks.js';

const OBJECTS = ['Account'];

describe('continuous data protection across session faults', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let org: Org;

  beforeAll(async () => {
    emulator = await startEmulator({ records: 50, seed: 47, admin: true, cdc: { entities: [], keepaliveMs: 200, cometdTimeoutSec: 1 } });
    engine = await startTestEngine({
      env: { ORGVAULT_PUBSUB_ENDPOINT: String(emulator.ready.pubSubEndpoint), ORGVAULT_PUBSUB_INSECURE_TLS: 'true' },
      worker: { pollMs: 200 },
      cdp: { scanMs: 300, retryMs: 200, catchUpWaitMs: 60_000 },
    });
    org = await connectEmulatorOrg(engine, emulator, 'cdp-session', { renewable: true });
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  it('renews the session and resumes on Pub/Sub and on CometD', async () => {
    // Renews its own session after the faults, as a real client would.
    const conn = new Connection({
      oauth2: { loginUrl: emulator.instanceUrl, clientId: 'orgvault-tests' },
      instanceUrl: emulator.instanceUrl,
      accessToken: emulator.accessToken,
      refreshToken: emulator.refreshToken,
      version: '62.0',
    });
    const admin = (path: string, body: unknown) => emulatorAdmin(emulator.instanceUrl, path, body);
    const account = emulator.org.create('Account', { Name: 'Session' });
    expect((await waitForJob(engine, org, (await engine.services.jobs.start(org, { by: 'e2e' })).id)).status).toBe('succeeded');
    await engine.services.cdp.configure(org, { enabled: true, objects: OBJECTS }, 'e2e');
    const catchUp = (await engine.services.cdp.getSettings(org)).fallbacks.find((f) => f.reason === 'protection_on')!;
    expect((await waitForJob(engine, org, catchUp.jobId!)).status).toBe('succeeded');
    await caughtUpSince(engine, org, Date.now());
    let changes = 0;
    const change = (name: string) => {
      emulator.org.update(account, { Name: name });
      changes++;
    };
    const expectStored = async () => {
      await caughtUpSince(engine, org, Date.now());
      const moment = await captureMoment(conn, OBJECTS);
      const point = await engine.services.cdp.createRecoveryPoint(org, { objects: OBJECTS, at: moment.at, by: 'e2e' });
      expect((await waitForJob(engine, org, point.id)).status).toBe('succeeded');
      await expectExportEquals(engine, org.id, moment.at, moment.truth);
      const versions = await engine.services.store.versionsOf({ orgId: org.id, object: 'Account', recordId: account });
      expect(versions.filter((v) => v.source === 'cdc')).toHaveLength(changes);
    };

    // Pub/Sub: every session expires; the stream ends and comes back on a renewed one.
    await admin('/cdc/faults', { expireSessions: true });
    change('After the Pub/Sub session expired');
    change('Again');
    await expectStored();
    expect((await engine.services.cdp.getSettings(org)).activeTransport.transport).toBe('pubsub');

    // CometD, pinned: a forgotten client (403::Unknown client) and an expired session.
    await engine.services.cdp.configure(org, { enabled: true, objects: OBJECTS, transport: 'cometd' }, 'e2e');
    while ((await engine.services.cdp.getSettings(org)).activeTransport.transport !== 'cometd')
      await new Promise((r) => setTimeout(r, 100));
    change('On CometD');
    await expectStored();
    await admin('/cdc/faults', { dropStreams: true });
    change('After the client was forgotten');
    await expectStored();
    await admin('/cdc/faults', { expireSessions: true });
    change('After the CometD session expired');
    await expectStored();
  });
});
