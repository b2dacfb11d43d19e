/**
 * An emulator restarted on the same data directory is the same org, as a Salesforce org outlives
 * its servers: same org id, tokens still valid, and ids it hands out never repeat those of before.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator, type EmulatorHandle } from './server.js';
import { normalizeId } from './data/ids.js';
import { ChangeDataCapture } from './cdc/hub.js';
import { FakeOrg } from './cdc/testing/fake-org.js';

async function newAccount(emulator: EmulatorHandle): Promise<string> {
  const res = await fetch(`${emulator.instanceUrl}/services/data/v62.0/sobjects/Account`, {
    method: 'POST',
    headers: { authorization: `Bearer ${emulator.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ Name: 'Created' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function newQueryJob(emulator: EmulatorHandle, accessToken = emulator.accessToken): Promise<string> {
  const res = await fetch(`${emulator.instanceUrl}/services/data/v62.0/jobs/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ operation: 'query', query: 'SELECT Id FROM Account' }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

describe('an emulator restarted on its data directory', () => {
  const running: EmulatorHandle[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const e of running.splice(0)) await e.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('serves the same org with the same tokens, and its Bulk job and record ids do not repeat', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'orgvault-emulator-'));
    dirs.push(dataDir);
    const first = await startEmulator({ records: 50, seed: 3, dataDir });
    running.push(first);
    const before = [await newQueryJob(first), await newQueryJob(first)];
    const createdBefore = await newAccount(first);
    await first.stop();

    const second = await startEmulator({ records: 50, seed: 3, dataDir });
    running.push(second);
    expect(second.orgId).toBe(first.orgId);
    // The first run's session still works, and its refresh token still gives new ones.
    const after = [await newQueryJob(second, first.accessToken), await newQueryJob(second)];
    for (const id of [...before, ...after]) {
      expect(id.startsWith('750')).toBe(true);
      expect(normalizeId(id)).toBe(id);
    }
    expect(after.filter((id) => before.includes(id))).toEqual([]);
    const createdAfter = await newAccount(second);
    expect(normalizeId(createdAfter)).toBe(createdAfter);
    expect(createdAfter).not.toBe(createdBefore);
    const read = await fetch(`${second.instanceUrl}/services/data/v62.0/sobjects/Account/${createdAfter}`, {
      headers: { authorization: `Bearer ${second.accessToken}` },
    });
    expect(((await read.json()) as { Name: string }).Name).toBe('Created');
    const refreshed = await fetch(`${second.instanceUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.refreshToken, client_id: 'orgvault-tests' }),
    });
    expect(refreshed.status).toBe(200);
  });

  it("a replay id from before a restart is not resumable, not another history's event", async () => {
    const replayIdOf = (cdc: ChangeDataCapture, org: FakeOrg): number => {
      const before = cdc.bus.latestReplayId();
      org.transaction((tx) => tx.create('Account', { Name: 'x' }));
      return cdc.bus.read(before, () => true).events[0]!.replayId;
    };
    const firstOrg = new FakeOrg();
    const first = new ChangeDataCapture(firstOrg);
    const stored = replayIdOf(first, firstOrg);
    first.stop();
    // A restart takes longer than this; ids are counted from the wall clock's microseconds.
    await new Promise((r) => setTimeout(r, 2));
    const secondOrg = new FakeOrg();
    const second = new ChangeDataCapture(secondOrg);
    try {
      for (let i = 0; i < 3; i++) expect(replayIdOf(second, secondOrg)).toBeGreaterThan(stored);
      expect(second.bus.isResumable(stored)).toBe(false);
    } finally {
      second.stop();
    }
  });
});
