/**
 * The end-to-end scenarios that need no fault injection, run through an org driver so they can run
 * against a real org (TEST_SF_ORG=<alias>, `npm run test:org`) as well as in CI, where the driver
 * reaches an emulator only as it would reach Salesforce: logged in with the sf CLI, changed and
 * read through the REST API (test/support/org-target.ts). Backup exactness, an incremental after
 * changes, files byte for byte, compare and restore, continuous protection selected through the
 * platform's own channel members. The suite makes its own small set of records (tagged, removed at
 * the end) and backs up only the objects it checks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { waitForJob, expectExportEquals, type OrgState } from '../support/backup-checks.js';
import { openOrgTarget, orgTarget, type OpenTarget } from '../support/org-target.js';
import type { OrgDriver } from '../support/org-driver.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import type { JobDetailOut } from '../../engine/src/api/schemas.js';
import { captureMoment, caughtUpSince } from './cdp-support/checks.js';

const OBJECTS = ['Account', 'Contact'];
const BACKED_UP = [...OBJECTS, 'ContentVersion'];
const TAG = `OrgVault suite ${randomBytes(3).toString('hex')}`;
const target = orgTarget();
const realOrg = target.kind === 'sf-org';
/** Bulk jobs and change events take minutes in a real org, seconds in the emulator. */
const TIMEOUT = realOrg ? 600_000 : 120_000;
const suite = target.kind === 'none' ? describe.skip : describe;
const skipped = target.kind === 'none' ? ` (skipped: ${target.reason})` : '';
if (skipped) console.warn(`real-org suite${skipped}`);

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

suite(`real-org mode, against ${target.label}${skipped}`, () => {
  let open: OpenTarget;
  let driver: OrgDriver;
  let engine: TestEngine;
  let org: Org;
  let accounts: string[];
  let contacts: string[];
  let last: JobDetailOut;

  const backup = async (): Promise<JobDetailOut> => {
    const job = await engine.services.jobs.start(org, { by: 'e2e' });
    const done = await waitForJob(engine, org, job.id);
    expect({ status: done.status, failed: done.objectDetails.filter((o) => o.status === 'failed') }).toEqual({
      status: 'succeeded',
      failed: [],
    });
    return (last = done);
  };

  beforeAll(async () => {
    open = await openOrgTarget(target, 150);
    driver = open.driver;
    engine = await startTestEngine({
      env: driver.connection.engineEnv,
      runner: { reconcileEveryMs: 0, overlapMs: 60_000 },
      worker: { pollMs: 200 },
      // Re-created under new ids through the id map: undelete is no public REST operation.
      restore: { bulkThreshold: 8, pollMs: 50, undelete: false },
      cdp: { scanMs: 500, retryMs: 300, catchUpWaitMs: 60_000 },
    });
    const tenant = await engine.services.tenants.create('real-org');
    const { orgId } = await engine.services.connect(tenant.id, driver.connection.credentials);
    org = await engine.services.orgs.get({ tenantId: tenant.id, orgId: null }, orgId);
    const all = await driver.api.describeGlobal();
    await engine.services.schedule.backupSettings.put(org.id, {
      excludedObjects: all.sobjects.map((s) => s.name).filter((n) => !BACKED_UP.includes(n)),
    });
    accounts = await driver.create(
      'Account',
      Array.from({ length: 10 }, (_, i) => ({ Name: `${TAG} ${i}`, Phone: `555-01${i}`, Website: `https://a${i}.example` })),
    );
    contacts = await driver.create(
      'Contact',
      accounts.flatMap((AccountId, i) => [0, 1].map((j) => ({ AccountId, LastName: `${TAG} ${i}.${j}`, Title: 'Buyer' }))),
    );
  }, 300_000);
  afterAll(async () => {
    if (driver && org) {
      // A real org keeps what the suite made: protection off, its records and file removed
      // (contacts go with their accounts). The emulator goes away anyway; the same cleanup runs there so it is tested.
      await engine.services.cdp.configure(org, { enabled: false, objects: [] }, 'e2e');
      const mine = await driver.query<{ Id: string }>(`SELECT Id FROM Account WHERE Name LIKE '${TAG}%'`);
      await driver.delete(
        'Account',
        mine.map((r) => r.Id),
      );
      const docs = await driver.query<{ ContentDocumentId: string }>(
        `SELECT ContentDocumentId FROM ContentVersion WHERE Title LIKE '${TAG}%'`,
      );
      await driver.delete('ContentDocument', [...new Set(docs.map((d) => d.ContentDocumentId))]);
      expect(await driver.query(`SELECT Id FROM Contact WHERE LastName LIKE '${TAG}%'`)).toEqual([]);
    }
    await engine?.close();
    await open?.stop();
  }, 300_000);

  it(
    'a full backup holds exactly what the org holds, field by field',
    async () => {
      const full = await backup();
      expect(full.kind).toBe('full');
      const truth = await driver.state(OBJECTS);
      expect(truth.get('Account')!.size).toBe(await driver.count('Account'));
      await expectExportEquals(engine, org.id, full.finishedAt!, truth);
    },
    TIMEOUT,
  );

  it(
    'an incremental after updates, a field set to null, deletes and creates is exact and moves only the changes',
    async () => {
      const full = last;
      await driver.update(
        'Account',
        accounts.slice(0, 3).map((Id, i) => ({ Id, Name: `${TAG} renamed ${i}`, Website: null })),
      );
      await driver.delete('Contact', contacts.slice(0, 2));
      await driver.create('Contact', [{ AccountId: accounts[3], LastName: `${TAG} new`, Title: 'Late' }]);
      const inc = await backup();
      expect(inc.kind).toBe('incremental');
      await expectExportEquals(engine, org.id, inc.finishedAt!, await driver.state(OBJECTS));
      expect(inc.progress.records).toBeLessThan(full.progress.records);
    },
    TIMEOUT,
  );

  it(
    'a file published on a record is backed up byte for byte',
    async () => {
      const bytes = randomBytes(96 * 1024);
      const { versionId } = await driver.uploadFile({ title: `${TAG} file`, bytes, on: accounts[9]! });
      await backup();
      const ref = (await engine.services.store.blobRefsOf(org.id, 'ContentVersion', versionId)).at(-1)!;
      const stored: Buffer[] = [];
      for await (const chunk of await engine.services.store.openBlob(org.id, ref.contentHash)) stored.push(chunk as Buffer);
      expect(sha256(Buffer.concat(stored))).toBe(sha256(bytes));
      expect(sha256(await driver.fileBytes(versionId))).toBe(sha256(bytes));
    },
    TIMEOUT,
  );

  it(
    'compare sees exactly the damage, and a restore brings the org back to its backup',
    async () => {
      const done = last;
      const truth = await driver.state(OBJECTS);
      // Accounts deleted (their contacts go with them), contacts of others mis-updated.
      await driver.delete('Account', accounts.slice(5, 8));
      const wrong = contacts.slice(2, 8);
      await driver.update(
        'Contact',
        wrong.map((Id) => ({ Id, Title: 'WRONG' })),
      );
      const damaged = await driver.state(OBJECTS);
      const compare = () =>
        engine.services.compare.compare({ orgId: org.id, from: { at: done.finishedAt! }, to: { live: true }, objects: OBJECTS });

      const gone = (o: string) => [...truth.get(o)!.keys()].filter((id) => !damaged.get(o)!.has(id)).sort();
      const before = await compare();
      expect(before.map((c) => ({ o: c.object, added: c.added, deleted: c.deleted, changed: c.changed }))).toEqual([
        { o: 'Account', added: [], deleted: gone('Account'), changed: [] },
        { o: 'Contact', added: [], deleted: gone('Contact'), changed: [...wrong].sort() },
      ]);
      expect(gone('Account')).toHaveLength(3);

      const deleted = await engine.services.restore.restore({ orgId: org.id, jobId: done.id, objects: OBJECTS, mode: 'deleted' });
      const changed = await engine.services.restore.restore({ orgId: org.id, jobId: done.id, objects: OBJECTS, mode: 'changed' });
      expect({ deleted: deleted.failed, changed: changed.failed }).toEqual({ deleted: 0, changed: 0 });
      expect(deleted.succeeded).toBe(gone('Account').length + gone('Contact').length);
      for (const c of await compare())
        expect({ o: c.object, added: c.added, deleted: c.deleted, changed: c.changed }).toEqual({
          o: c.object,
          added: [],
          deleted: [],
          changed: [],
        });
      for (const o of OBJECTS) expect({ o, n: await driver.count(o) }).toEqual({ o, n: truth.get(o)!.size });
    },
    TIMEOUT,
  );

  it(
    'continuous protection, selected through the platform, gives recovery points equal to the org then',
    async () => {
      const status = await engine.services.cdp.configure(org, { enabled: true, objects: OBJECTS }, 'e2e');
      expect(status.selection).toEqual({ Account: { selected: true }, Contact: { selected: true } });
      const members = await driver.api.tooling.query<{ SelectedEntity: string }>('SELECT SelectedEntity FROM PlatformEventChannelMember');
      expect(members.records.map((r) => r.SelectedEntity)).toEqual(expect.arrayContaining(['AccountChangeEvent', 'ContactChangeEvent']));
      const catchUp = (await engine.services.cdp.status(org)).fallbacks.find((f) => f.reason === 'protection_on')!;
      expect((await waitForJob(engine, org, catchUp.jobId!)).status).toBe('succeeded');
      await caughtUpSince(engine, org, Date.now());

      const now = (await driver.query<{ Id: string }>(`SELECT Id FROM Account WHERE Name LIKE '${TAG}%'`)).map((r) => r.Id);
      await driver.create('Account', [{ Name: `${TAG} streamed`, Phone: '555-0199' }]);
      await driver.update('Account', [{ Id: now[0]!, Phone: null, Website: 'https://streamed.example' }]);
      const first = await captureMoment(driver.api, OBJECTS);
      const someContact = (await driver.query<{ Id: string }>(`SELECT Id FROM Contact WHERE LastName LIKE '${TAG}%' LIMIT 1`))[0]!.Id;
      await driver.delete('Contact', [someContact]);
      await driver.update('Account', [{ Id: now[1]!, Name: `${TAG} streamed rename` }]);
      const second = await captureMoment(driver.api, OBJECTS);
      await caughtUpSince(engine, org, Date.now());

      for (const moment of [first, second] as Array<{ at: Date; truth: OrgState }>) {
        const point = await engine.services.cdp.createRecoveryPoint(org, { objects: OBJECTS, at: moment.at, by: 'e2e' });
        const job = await waitForJob(engine, org, point.id);
        expect({ status: job.status, kind: job.kind, error: job.error }).toEqual({
          status: 'succeeded',
          kind: 'recovery_point',
          error: null,
        });
        await expectExportEquals(engine, org.id, moment.at, moment.truth);
      }
    },
    realOrg ? 900_000 : TIMEOUT,
  );

  // Undelete and hard delete are no REST operations a test can make in a real org: the emulator's hooks only.
  const hooks = target.kind === 'emulator-hooks';
  (hooks ? it : it.skip)(
    hooks
      ? 'undeleted and hard-deleted records: the incremental export stays exact'
      : `undeleted and hard-deleted records (skipped: needs the emulator's mutation hooks, which ${target.label} lacks; TEST_ORG_DRIVER=emulator runs it)`,
    async () => {
      const gone = (await driver.query<{ Id: string }>(`SELECT Id FROM Contact WHERE LastName LIKE '${TAG}%' LIMIT 3`)).map((r) => r.Id);
      await driver.delete('Contact', gone);
      await driver.emulator!.undelete([gone[0]!]);
      await driver.emulator!.hardDelete(gone.slice(1));
      const inc = await backup();
      await expectExportEquals(engine, org.id, inc.finishedAt!, await driver.state(OBJECTS));
    },
    TIMEOUT,
  );
});
