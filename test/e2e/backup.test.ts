/**
 * The backup engine end to end, as a user runs it: connect an org, full backup, changes in the
 * org, incremental backup; the export at each job's time equals what the org held then, field by
 * field, and files byte for byte. The engine reaches the org only through its APIs; the test
 * changes it through the emulator's org driver (its hooks make the undelete and hard deletes).
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import { waitForJob, expectExportEquals } from '../support/backup-checks.js';
import { EmulatorOrgDriver } from '../support/emulator-driver.js';

describe('backup: full, then incremental, exports equal the org at each job', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let driver: EmulatorOrgDriver;
  let org: Org;
  const objects = ['Account', 'Contact', 'Opportunity', 'Case', 'Attachment', 'ContentVersion'];

  beforeAll(async () => {
    emulator = await startEmulator({ records: 1500, seed: 11, admin: true });
    engine = await startTestEngine({ runner: { reconcileEveryMs: 0, overlapMs: 60_000 }, worker: { pollMs: 200 } });
    driver = new EmulatorOrgDriver(emulator);
    org = await connectEmulatorOrg(engine, emulator, 'e2e');
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  it('keeps every version: exports at each job time match the org, files byte for byte', async () => {
    const full = await engine.services.jobs.start(org, { by: 'e2e' });
    expect(full.kind).toBe('full');
    const fullDone = await waitForJob(engine, org, full.id);
    expect(fullDone.objectDetails.filter((o) => o.status === 'failed')).toEqual([]);
    expect(fullDone.status).toBe('succeeded');
    const t1 = fullDone.finishedAt!;
    const truth1 = await driver.state(objects);

    // Changes after the full backup: updates (one to null), deletes, an undelete, hard deletes.
    const accounts = [...truth1.get('Account')!.keys()].slice(0, 12);
    await driver.update(
      'Account',
      accounts.slice(0, 5).map((Id, i) => ({ Id, Name: `Changed ${i}`, Website: null })),
    );
    const contacts = [...truth1.get('Contact')!.keys()];
    await driver.delete('Contact', contacts.slice(0, 4));
    await driver.emulator.undelete([contacts[0]!]);
    await driver.emulator.hardDelete(contacts.slice(10, 13));
    await driver.create('Case', [{ Subject: 'Created after the full backup', Status: 'New', Origin: 'Web' }]);

    const callsBefore = driver.emulator.apiCalls();
    const inc = await engine.services.jobs.start(org, { by: 'e2e' });
    expect(inc.kind).toBe('incremental');
    const incDone = await waitForJob(engine, org, inc.id);
    expect(incDone.status).toBe('succeeded');
    const t2 = incDone.finishedAt!;
    // The job counts every call it makes: the org counted as many while it ran.
    expect(incDone.progress.apiCalls).toBe(driver.emulator.apiCalls() - callsBefore);
    const truth2 = await driver.state(objects);

    await expectExportEquals(engine, org.id, t1, truth1);
    await expectExportEquals(engine, org.id, t2, truth2);
    // Fewer records moved the second time: only what changed.
    expect(incDone.progress.records).toBeLessThan(fullDone.progress.records / 10);

    // Files byte for byte: every ContentVersion's VersionData from the store equals the org's.
    const { rows } = await engine.ctx.infra.pool.query<{ record_id: string; content_hash: Buffer }>(
      `SELECT record_id, content_hash FROM blob_refs WHERE org_id = $1 AND object = 'ContentVersion'`,
      [org.id],
    );
    const versions = [...truth2.get('ContentVersion')!.keys()];
    expect(rows.length).toBeGreaterThanOrEqual(versions.length);
    for (const id of versions.slice(0, 10)) {
      const ref = (await engine.services.store.blobRefsOf(org.id, 'ContentVersion', id)).at(-1)!;
      const stored = await engine.services.store.openBlob(org.id, ref.contentHash);
      const mine = createHash('sha256');
      for await (const chunk of stored) mine.update(chunk as Buffer);
      const theirs = await driver.fileBytes(id);
      expect(mine.digest('hex')).toBe(createHash('sha256').update(theirs).digest('hex'));
    }
  });
});
