/**
 * A self-hosted install (the default settings) limits nobody: a tenant without a subscription has
 * no daily job limit, no seat limit and no expiry, so Back up now works as often as it is clicked.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import type { Org } from '../../engine/src/orgs/registry.js';

describe('self-hosted defaults', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let org: Org;
  let key: string;
  const call = async (method: string, route: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${engine.url}/api/v1${route}`, {
      method,
      headers: { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': 'administrator' },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    emulator = await startEmulator({ records: 100, seed: 22 });
    // No setting changed: what `npm start` runs with.
    engine = await startTestEngine({ worker: { pollMs: 200 } });
    org = await connectEmulatorOrg(engine, emulator, 'self-hosted');
    key = (await engine.services.keys.create(org.tenantId, { name: 'test' })).key;
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  it('two on-demand backups in a row both run; the tenant has no job limit, seats or expiry', async () => {
    expect((await call('GET', '/tenant/subscription')).body).toMatchObject({
      dailyJobLimit: null,
      expiresAt: null,
      expired: false,
      seats: null,
    });
    expect((await call('GET', `/orgs/${org.id}/backup-settings`)).body).toMatchObject({ maxJobsPerDay: 96 });
    for (const kind of ['full', 'incremental']) {
      const start = await call('POST', `/orgs/${org.id}/jobs`);
      expect(start).toMatchObject({ status: 202, body: { status: 'queued' } });
      let job = start.body;
      while (!['succeeded', 'partial', 'failed'].includes(job.status as string)) {
        await new Promise((r) => setTimeout(r, 200));
        job = (await call('GET', `/orgs/${org.id}/jobs/${String(start.body.id)}`)).body;
      }
      expect(job).toMatchObject({ kind, status: 'succeeded' });
    }
  }, 120_000);
});
