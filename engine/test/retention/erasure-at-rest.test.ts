/**
 * GDPR erasure end to end: a contact carrying a marker email (its last name and phone marked too)
 * is backed up twice, then erased by its email through a request and a second administrator's
 * approval. Afterwards no file of PostgreSQL's data directory or Azurite's workspace holds any of
 * its values (grep, as the restore at-rest test does) and no stored pack does decrypted; every
 * other record reads as before. A backup that ran during the erasure and stored the contact's
 * older version afterwards does not bring it back: the ledger keeps it out of a restore of the
 * older backup (reported as erased) and of an export as of then. A held org refuses.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../../../test/emulator/server.js';
import { startTestEngine, type TestEngine } from '../../../test/support/engine.js';
import { waitForJob } from '../../../test/support/backup-checks.js';
import { connectEmulatorOrg } from '../../../test/support/emulator-org.js';
import { AZURITE_DIR, filesHolding, PG_DIR } from '../../../test/support/at-rest.js';
import { exportRecords } from '../../src/backup/export.js';
import type { Org } from '../../src/orgs/registry.js';

describe('GDPR erasure leaves nothing of the person at rest', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let conn: Connection;
  let org: Org;
  const marker = `zqerase${randomBytes(6).toString('hex')}`;
  const phone = `+1 ${BigInt(`0x${randomBytes(5).toString('hex')}`)
    .toString()
    .padStart(13, '7')}`;
  const values = [marker, phone];

  const backup = async () => {
    const job = await engine.services.jobs.start(org, { by: 'test' });
    const done = await waitForJob(engine, org, job.id);
    expect(done.status).toBe('succeeded');
    return { id: job.id, at: new Date(done.finishedAt!) };
  };
  const contactsAt = async (at: Date) => {
    const out = new Map<string, unknown>();
    for await (const r of engine.services.store.readAsOf({ orgId: org.id, object: 'Contact', at })) out.set(r.id, r.fields);
    return out;
  };
  /** Every stored version of every object, decrypted: whether any field holds one of the values. */
  const storedAnywhere = async (): Promise<string[]> => {
    const hits: string[] = [];
    for (const object of await engine.services.store.objects(org.id))
      for await (const pack of engine.services.store.erasure.scanPacks(org.id, object))
        pack.recordIds.forEach((id, row) => {
          const text = JSON.stringify(pack.fields(row));
          if (values.some((v) => text.includes(v))) hits.push(`${object} ${id}`);
        });
    return hits;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ records: 800, seed: 53 });
    engine = await startTestEngine({ runner: { reconcileEveryMs: 0 }, worker: { pollMs: 200 } });
    conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    org = await connectEmulatorOrg(engine, emulator, 'erasure');
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  (existsSync(PG_DIR) ? it : it.skip)(
    'erases every version of the person; the ledger keeps an older copy out of restore and export',
    async () => {
      const [subject] = (await conn.query<{ Id: string }>('SELECT Id FROM Contact LIMIT 2')).records.map((r) => r.Id);
      expect(subject).toEqual(expect.any(String));
      await conn.sobject('Contact').update({ Id: subject!, Email: `${marker}@example.com`, LastName: `${marker}-last`, Phone: phone });
      await backup();
      await conn.sobject('Contact').update({ Id: subject!, Title: `${marker}-title` });
      const older = await backup();
      const before = await contactsAt(older.at);
      const kept = (await engine.services.store.versionsOf({ orgId: org.id, object: 'Contact', recordId: subject! })).at(-1)!;
      expect(JSON.stringify(kept.fields)).toContain(marker);
      expect((await storedAnywhere()).length).toBeGreaterThan(0);

      // Through the API, as the page asks: ann requests, ann may not approve, bob approves.
      const retention = engine.services.retention;
      const { key } = await engine.services.keys.create(org.tenantId, { name: 'erasure' });
      const call = async (user: string, path: string, body?: unknown) => {
        const res = await fetch(`${engine.url}/api/v1/orgs/${org.id}/erasures${path}`, {
          method: 'POST',
          headers: {
            'X-OrgVault-Key': key,
            'X-OrgVault-Roles': 'administrator',
            'X-OrgVault-User': user,
            'Content-Type': 'application/json',
          },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers read freely (the contract test checks their shape)
        return { status: res.status, body: (await res.json()) as any };
      };
      const request = { reference: 'DSR-18', objects: ['Contact', 'Lead'], values: [`${marker.toUpperCase()}@Example.com`] };
      const { status, body: asked } = await call('ann@example.com', '', request);
      expect(status).toBe(201);
      expect(asked.dryRun).toMatchObject({ recordIds: [subject], objects: [{ object: 'Contact', records: 1 }] });
      expect(asked.dryRun.versions).toBeGreaterThanOrEqual(2);
      const self = await call('ann@example.com', `/${asked.id}/approve`);
      expect([self.status, self.body.error.code, self.body.error.message]).toEqual([
        403,
        'FORBIDDEN',
        expect.stringContaining('second administrator'),
      ]);
      const done = await call('bob@example.com', `/${asked.id}/approve`);
      expect(done.body).toMatchObject({ status: 'done', versionsRemoved: asked.dryRun.versions });

      // The trail: who asked, who approved, when, how many versions and files; no value, no record id.
      const { entries } = await engine.services.audit.list({ tenantId: org.tenantId, orgId: org.id }, { limit: 20 });
      const trail = entries.filter((e) => e.action.startsWith('erasure.')).map((e) => [e.action, e.actor, e.outcome, e.details]);
      expect(trail).toEqual([
        [
          'erasure.approve',
          'bob@example.com',
          'succeeded',
          expect.objectContaining({
            requestedBy: 'ann@example.com',
            approvedBy: 'bob@example.com',
            versionsRemoved: asked.dryRun.versions,
            filesDeleted: 0,
          }),
        ],
        ['erasure.approve', 'ann@example.com', 'refused', null],
        [
          'erasure.request',
          'ann@example.com',
          'succeeded',
          expect.objectContaining({ requestedBy: 'ann@example.com', records: 1, versions: asked.dryRun.versions }),
        ],
      ]);
      expect(JSON.stringify(entries)).not.toContain(marker);
      expect(JSON.stringify(entries)).not.toContain(subject);

      // Nothing of the person in any stored version, nor in any file on disk; every other record as it was.
      expect(await storedAnywhere()).toEqual([]);
      for (const dir of [PG_DIR, AZURITE_DIR].filter(existsSync))
        for (const value of values) expect({ dir, value, files: await filesHolding(dir, value) }).toEqual({ dir, value, files: [] });
      const after = await contactsAt(older.at);
      before.delete(subject!);
      expect(after).toEqual(before);
      expect(await engine.services.store.check({ orgId: org.id, readDataPercent: 100 })).toMatchObject({ ok: true });

      // A backup that ran during the erasure stores the contact's older version afterwards.
      await engine.services.store.putRecords({
        orgId: org.id,
        object: 'Contact',
        source: 'test',
        records: [{ id: subject!, validFrom: kept.validFrom, fields: kept.fields! }],
      });
      expect((await contactsAt(older.at)).has(subject!)).toBe(false);
      const plan = await engine.services.restore.plan({ orgId: org.id, jobId: older.id, objects: ['Contact'], mode: 'overwrite' });
      expect(plan.objects.find((o) => o.object === 'Contact')).toMatchObject({ erased: 1, backedUp: before.size });
      let exported = '';
      const sink = new Writable({ write: (chunk: Buffer, _e, cb) => cb(void (exported += chunk.toString())) });
      const counts = await exportRecords(engine.services.store, { orgId: org.id, object: 'Contact', at: older.at, format: 'jsonl' }, sink);
      expect(counts).toEqual({ records: before.size, erased: 1 });
      expect(exported).not.toContain(marker);

      // A held org refuses, naming the hold.
      const hold = await retention.placeHold(org, { name: 'Case 18' }, 'legal@example.com');
      await expect(
        retention.requestErasure(org, { reference: 'DSR-19', recordIds: [[...before.keys()][0]!] }, 'ann@example.com'),
      ).rejects.toMatchObject({ code: 'LEGAL_HOLD', message: expect.stringContaining('"Case 18"') });
      await retention.releaseHold(org, hold.id, null);
    },
    180_000,
  );
});
