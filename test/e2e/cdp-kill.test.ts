/**
 * kill -9 of a consuming engine, with two engine processes competing for the org's channel: the
 * first follows the change events while a steady stream of creates, updates and deletes goes on;
 * the second waits (exactly one session holds the channel's lease). The first is SIGKILLed
 * mid-stream (no clean-up, its database sessions and lease die with it) and restarted; the second
 * takes over from the checkpoint. Nothing is lost (a recovery point after the stream equals the
 * org field by field) and nothing is applied twice (exactly one CDC version per change made).
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import { expectExportEquals, orgStateNow, waitForJob } from '../support/backup-checks.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import { spawnEngine, type EngineProcess } from './cdp-support/processes.js';
import { caughtUpSince, leaseHolders, storedEvents } from './cdp-support/checks.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('continuous data protection survives kill -9 of the consuming process', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let org: Org;
  const processes: EngineProcess[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ records: 100, seed: 31, admin: true, cdc: { entities: [], keepaliveMs: 200 } });
    engine = await startTestEngine({
      env: { ORGVAULT_PUBSUB_ENDPOINT: String(emulator.ready.pubSubEndpoint), ORGVAULT_PUBSUB_INSECURE_TLS: 'true' },
      worker: { pollMs: 200 },
      cdp: { scanMs: 200, retryMs: 200, catchUpWaitMs: 60_000 },
    });
    org = await connectEmulatorOrg(engine, emulator, 'cdp-kill');
  });
  afterAll(async () => {
    for (const p of processes) await p.kill9();
    await engine?.close();
    await emulator?.stop();
  });

  it('loses nothing and applies nothing twice', async () => {
    const conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    const accounts = Array.from({ length: 40 }, (_, i) => emulator.org.create('Account', { Name: `Kill ${i}` }));
    expect((await waitForJob(engine, org, (await engine.services.jobs.start(org, { by: 'e2e' })).id)).status).toBe('succeeded');
    await engine.services.cdp.configure(org, { enabled: true, objects: ['Account'] }, 'e2e');
    const catchUp = (await engine.services.cdp.status(org)).fallbacks.find((f) => f.reason === 'protection_on')!;
    expect((await waitForJob(engine, org, catchUp.jobId!)).status).toBe('succeeded');
    await caughtUpSince(engine, org, Date.now());
    // From here on only the engine processes below consume; this one serves jobs and exports.
    await engine.services.cdp.stop();

    const pool = engine.ctx.infra.pool;
    const base = await storedEvents(pool, org.id);
    const first = await spawnEngine(engine.env);
    processes.push(first);
    while ((await leaseHolders(pool, org.id)).length === 0) await sleep(50);
    const [firstHolder] = await leaseHolders(pool, org.id);
    processes.push(await spawnEngine(engine.env));
    const changes = new Map<string, number>();
    const created: string[] = [];
    const TOTAL = 1500;
    let killedAt = -1;
    for (let i = 0; i < TOTAL; i++) {
      if (i % 100 === 50) {
        const id = emulator.org.create('Account', { Name: `Created ${i}` });
        created.push(id);
        changes.set(id, 1);
      } else if (i % 100 === 99 && created.length > 1) {
        const id = created.shift()!;
        emulator.org.delete(id);
        changes.set(id, (changes.get(id) ?? 0) + 1);
      } else {
        const id = accounts[i % accounts.length]!;
        emulator.org.update(id, { Description: `change ${i}`, NumberOfEmployees: i });
        changes.set(id, (changes.get(id) ?? 0) + 1);
      }
      if (i % 20 === 19) await sleep(10);
      // Never two consumers (none for a moment after the kill, until the other takes over).
      if (i % 100 === 0) expect((await leaseHolders(pool, org.id)).length).toBeLessThanOrEqual(1);
      // Mid-stream: the first process has stored some of the events and is receiving more.
      if (killedAt < 0 && (await storedEvents(pool, org.id)) - base > 300) {
        killedAt = i;
        await first.kill9();
        processes.push(await spawnEngine(engine.env));
      }
    }
    const end = Date.now();
    expect(killedAt).toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(TOTAL - 1);

    await caughtUpSince(engine, org, end);
    // The second process took the channel over; the restarted first one waits.
    const holders = await leaseHolders(pool, org.id);
    expect(holders).toHaveLength(1);
    expect(holders[0]).not.toBe(firstHolder);
    for (const p of processes.splice(0)) await p.stop();
    // The org has not changed since the last change at `end`.
    const at = new Date(end);
    const truth = await orgStateNow(conn, ['Account']);
    const point = await engine.services.cdp.createRecoveryPoint(org, { objects: ['Account'], at, by: 'e2e' });
    expect((await waitForJob(engine, org, point.id)).status).toBe('succeeded');
    await expectExportEquals(engine, org.id, at, truth);

    const { store } = engine.services;
    for (const [recordId, made] of changes) {
      const cdc = (await store.versionsOf({ orgId: org.id, object: 'Account', recordId })).filter((v) => v.source === 'cdc');
      expect({ recordId, versions: cdc.length }).toEqual({ recordId, versions: made });
    }
  });
});
