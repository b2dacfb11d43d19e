/**
 * Deleted records come back as themselves: accounts deleted with their contacts, opportunities,
 * cases and tasks are undeleted from the Recycle Bin (same ids, case numbers and audit fields),
 * parents first, and the lookups the delete cleared on records that survived it point at them
 * again, except one a colleague set to another account since. The calls the restore reports are
 * the calls the org counted, and the dry run foretold them within 15%. With the bin emptied the
 * same records are re-created under new ids (the id map) and the survivors are pointed at those;
 * a record neither undeletable nor creatable ends as a failure row with Salesforce's words. A
 * deleted file comes back from the bin with its document, versions and links; re-created, it
 * gets its document's owner back and exactly the links the backup held.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { waitForJob, orgStateNow, type OrgState } from '../support/backup-checks.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import type { RestoreRequest } from '../../engine/src/restore/restore.js';

const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Case'];
const CHILDREN = ['Contact', 'Opportunity', 'Case'];

describe('restore by undelete, and by re-create when the bin was emptied', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let conn: Connection;
  let org: Org;
  let at: Date;
  let truth: OrgState;
  let victims: string[];
  let survivors: string[];
  let file: string | undefined;
  let fileOwner: string;
  /** A file published on an account and shared with a contact; and one whose link to its account was removed before the backup. */
  let shared: string;
  let unlinked: string;
  /** Calls the org has counted so far (every authenticated REST, Bulk and SOAP call). */
  const orgCalls = (): number => emulator.org.limits.usage('DailyApiRequests').used;

  beforeAll(async () => {
    emulator = await startEmulator({ records: 1200, seed: 71 });
    engine = await startTestEngine({
      runner: { reconcileEveryMs: 0 },
      worker: { pollMs: 200 },
      restore: { bulkThreshold: 100_000, pollMs: 50 },
    });
    conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    org = await connectEmulatorOrg(engine, emulator, 'undelete');

    const before = await orgStateNow(conn, OBJECTS);
    const childrenOf = (a: string): number =>
      CHILDREN.reduce((n, o) => n + [...before.get(o)!.values()].filter((r) => r.AccountId === a).length, 0);
    const accounts = [...before.get('Account')!.keys()];
    const isParent = new Set([...before.get('Account')!.values()].map((r) => r.ParentId));
    // An account with cases cannot be deleted (DELETE_FAILED).
    const withCases = new Set([...before.get('Case')!.values()].map((r) => r.AccountId));
    const withContacts = new Set([...before.get('Contact')!.values()].map((r) => r.AccountId));
    victims = accounts.filter((a) => childrenOf(a) >= 2 && !isParent.has(a) && !withCases.has(a) && withContacts.has(a)).slice(0, 4);
    // Accounts that survive the delete but point at a victim: the delete clears their ParentId.
    survivors = accounts.filter((a) => !victims.includes(a) && before.get('Account')!.get(a)!.ParentId === null).slice(0, 3);
    await conn.sobject('Account').update(survivors.map((Id, i) => ({ Id, ParentId: victims[i]! })));

    // A file whose document changed hands: its owner is no longer its first version's.
    const [other] = (await conn.query<{ Id: string }>(`SELECT Id FROM User WHERE IsActive = true AND Id != '${emulator.userId}' LIMIT 1`))
      .records;
    const made = await conn.sobject('ContentVersion').create({
      PathOnClient: 'owned.txt',
      Title: 'Owned',
      VersionData: Buffer.from('changed hands').toString('base64'),
    });
    file = (await conn.sobject('ContentVersion').retrieve(made.id!)).ContentDocumentId as string;
    fileOwner = other!.Id;
    await conn.sobject('ContentDocument').update({ Id: file!, OwnerId: fileOwner });

    const [onAccount, other2] = accounts.filter((a) => !victims.includes(a) && !survivors.includes(a));
    const contact = [...before.get('Contact')!].find(([, r]) => !victims.includes(r.AccountId!))![0];
    const newFile = async (title: string, on: string): Promise<string> => {
      const v = await conn
        .sobject('ContentVersion')
        .create({ PathOnClient: `${title}.txt`, VersionData: 'dGV4dA==', FirstPublishLocationId: on });
      return (await conn.sobject('ContentVersion').retrieve(v.id!)).ContentDocumentId as string;
    };
    shared = await newFile('shared', onAccount!);
    await conn.sobject('ContentVersion').create({ PathOnClient: 'shared.txt', VersionData: 'dHdv', ContentDocumentId: shared });
    await conn.sobject('ContentDocumentLink').create({ ContentDocumentId: shared, LinkedEntityId: contact, ShareType: 'V' });
    unlinked = await newFile('unlinked', other2!);
    await conn.sobject('ContentDocumentLink').destroy((await linksOf(unlinked)).find((l) => l.LinkedEntityId === other2)!.Id);

    const job = await engine.services.jobs.start(org, { by: 'test' });
    const done = await waitForJob(engine, org, job.id);
    expect(done.status).toBe('succeeded');
    at = done.finishedAt!;
    truth = await orgStateNow(conn, [...OBJECTS, 'Task']);
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  const linksOf = async (doc: string) =>
    (
      await conn.query<{ Id: string; LinkedEntityId: string }>(
        `SELECT Id, LinkedEntityId FROM ContentDocumentLink WHERE ContentDocumentId = '${doc}'`,
      )
    ).records;
  const versionsOf = async (doc: string) =>
    (await conn.query<{ Id: string }>(`SELECT Id FROM ContentVersion WHERE ContentDocumentId = '${doc}'`)).records.map((v) => v.Id).sort();

  const request = (over: Partial<RestoreRequest> = {}): RestoreRequest => ({
    orgId: org.id,
    at,
    objects: OBJECTS,
    mode: 'deleted',
    ...over,
  });

  it('undeletes parents with their cascades, survivors point at them again, and the calls add up', async () => {
    expect(victims).toHaveLength(4);
    await conn.sobject('Account').destroy(victims);
    const damaged = await orgStateNow(conn, [...OBJECTS, 'Task']);
    for (const s of survivors) expect(damaged.get('Account')!.get(s)!.ParentId).toBeNull();
    // A colleague points one survivor at another account after the delete: theirs to keep.
    const elsewhere = [...damaged.get('Account')!.keys()].find((a) => !survivors.includes(a))!;
    await conn.sobject('Account').update({ Id: survivors[2]!, ParentId: elsewhere });
    const gone = (o: string): string[] => [...truth.get(o)!.keys()].filter((id) => !damaged.get(o)!.has(id));
    expect(gone('Contact').length + gone('Opportunity').length + gone('Case').length).toBeGreaterThanOrEqual(8);

    const plan = await engine.services.restore.restore({ ...request(), dryRun: true });
    for (const o of OBJECTS)
      expect({
        o,
        undelete: plan.objects.find((p) => p.object === o)!.undelete,
        create: plan.objects.find((p) => p.object === o)!.create,
      }).toEqual({
        o,
        undelete: gone(o).length,
        create: 0,
      });
    expect(plan.objects.map((p) => p.object)[0]).toBe('Account');

    const callsBefore = orgCalls();
    const run = await engine.services.restore.restore(request());
    expect({ status: run.status, failed: run.failed }).toEqual({ status: 'succeeded', failed: 0 });
    expect(run.apiCalls).toBe(orgCalls() - callsBefore);
    expect(Math.abs(plan.apiCalls - run.apiCalls) / run.apiCalls).toBeLessThanOrEqual(0.15);
    for (const o of OBJECTS)
      expect({ o, undeleted: run.written.find((w) => w.object === o)?.undeleted ?? 0 }).toEqual({ o, undeleted: gone(o).length });

    // The originals, field for field: same ids, case numbers, created dates.
    const now = await orgStateNow(conn, [...OBJECTS, 'Task']);
    const want = structuredClone(truth);
    want.get('Account')!.get(survivors[2]!)!.ParentId = elsewhere;
    for (const [o, records] of want)
      for (const [id, fields] of records) {
        const have = now.get(o)!.get(id);
        expect({ o, id, back: !!have }).toEqual({ o, id, back: true });
        for (const f of ['CaseNumber', 'CreatedDate', 'ParentId', 'AccountId', 'WhoId', 'Name'].filter((x) => x in fields))
          expect({ o, id, f, v: have![f] }).toEqual({ o, id, f, v: fields[f] });
      }

    // Nothing left to do: a second run writes nothing and says so.
    const again = await engine.services.restore.restore(request());
    expect({ written: again.written, succeeded: again.succeeded, failed: again.failed }).toEqual({ written: [], succeeded: 0, failed: 0 });
  });

  it('with the bin emptied re-creates under new ids, parents first, and points survivors at them', async () => {
    const twice = victims.slice(0, 2);
    await conn.sobject('Account').destroy(twice);
    const emptied = (await conn.soap.emptyRecycleBin(twice)) as unknown as { success: boolean }[];
    expect(emptied.map((r) => r.success)).toEqual([true, true]);

    const run = await engine.services.restore.restore(request());
    expect({ status: run.status, failed: run.failed }).toEqual({ status: 'succeeded', failed: 0 });
    const idMap = await engine.services.restore.ledger.idMap(org.id, org.id);
    for (const v of twice) expect(idMap.get(v)).toMatch(/^001/);
    expect(run.written.find((w) => w.object === 'Account')).toMatchObject({ created: 2, undeleted: 0, failed: 0 });
    expect(run.survivors.find((s) => s.object === 'Account' && s.field === 'ParentId')).toMatchObject({ records: 2 });
    // Tasks (not restored themselves) whose WhoId the delete of the contacts cleared.
    expect(run.survivors.find((s) => s.object === 'Task' && s.field === 'WhoId')?.records).toBeGreaterThan(0);

    const now = await orgStateNow(conn, ['Account', 'Contact', 'Task']);
    for (const [i, s] of survivors.slice(0, 2).entries()) expect(now.get('Account')!.get(s)!.ParentId).toBe(idMap.get(victims[i]!));
    // Contacts came back under new ids, onto the new accounts; surviving tasks point at them again.
    const contacts = [...truth.get('Contact')!].filter(([, r]) => twice.includes(r.AccountId!));
    for (const [id, r] of contacts) expect(now.get('Contact')!.get(idMap.get(id)!)?.AccountId).toBe(idMap.get(r.AccountId!));
    const cmp = await engine.services.compare.compare({ orgId: org.id, from: { at }, to: { live: true }, objects: [...OBJECTS, 'Task'] });
    for (const c of cmp.filter((x) => x.object !== 'Task'))
      expect({ o: c.object, added: c.added, deleted: c.deleted }).toEqual({ o: c.object, added: [], deleted: [] });
    expect(cmp.find((c) => c.object === 'Account')!.changed).toEqual([survivors[2]]);
    expect(cmp.find((c) => c.object === 'Task')!.fieldCounts.WhoId).toBeUndefined();
  });

  it('a record neither undeletable nor creatable ends as a failure row with both refusals', async () => {
    const last = victims[3]!;
    await conn.sobject('Account').destroy(last);
    await conn.soap.emptyRecycleBin([last]);
    const contact = [...truth.get('Contact')!].find(([, r]) => r.AccountId === last)![0];
    // The contact alone: its account is gone for good, and no longer exists to point at.
    const run = await engine.services.restore.restore(request({ objects: ['Contact'], recordIds: [contact] }));
    expect(run.failed).toBe(1);
    const [row] = await engine.services.restore.ledger.results(org.id, run.runId!);
    expect(row).toMatchObject({ object: 'Contact', operation: 'create', oldId: contact, success: false });
    expect(row!.error).toMatch(/^undelete refused \(UNDELETE_FAILED: .+\); create: [A-Z_]+: /);
  });

  it('brings a deleted file back from the Recycle Bin as itself: its document, versions and links', async () => {
    const versions = await versionsOf(shared);
    const links = (await linksOf(shared)).map((l) => l.Id).sort();
    expect({ versions: versions.length, links: links.length }).toEqual({ versions: 2, links: 3 }); // owner, account, contact
    await conn.sobject('ContentDocument').destroy(shared);
    const files = request({ objects: ['ContentVersion'], recordIds: versions });
    const plan = await engine.services.restore.restore({ ...files, dryRun: true });
    expect(plan.objects.map((p) => [p.object, p.undelete, p.create])).toEqual([
      ['ContentVersion', 2, 0],
      ['ContentDocumentLink', 0, 0],
    ]);
    const callsBefore = orgCalls();
    const run = await engine.services.restore.restore(files);
    expect(run.apiCalls).toBe(orgCalls() - callsBefore);
    expect({ failed: run.failed, written: run.written }).toEqual({
      failed: 0,
      written: [{ object: 'ContentVersion', undeleted: 2, created: 0, updated: 0, relinked: 0, failed: 0 }],
    });
    // One undelete call (the document's) brought both versions and every link back, ids and all.
    expect(await versionsOf(shared)).toEqual(versions);
    expect((await linksOf(shared)).map((l) => l.Id).sort()).toEqual(links);
    expect((await engine.services.restore.ledger.idMap(org.id, org.id)).has(shared)).toBe(false);
  });

  it('a file re-created when the bin was emptied gets exactly the links the backup held', async () => {
    // Published on an account whose link was removed before the backup: the backup holds the owner's link only.
    const versions = await versionsOf(unlinked);
    const backedUp = (await linksOf(unlinked)).map((l) => l.LinkedEntityId);
    expect(backedUp).toEqual([emulator.userId]);
    await conn.sobject('ContentDocument').destroy(unlinked);
    await conn.soap.emptyRecycleBin([unlinked]);
    const files = request({ objects: ['ContentVersion'], recordIds: versions });
    // queryAll sees emptied records for a while: the plan may count on an undelete that the run then finds refused.
    const plan = await engine.services.restore.restore({ ...files, dryRun: true });
    expect(plan.objects.map((p) => [p.object, p.undelete + p.create])).toEqual([
      ['ContentVersion', 1],
      ['ContentDocumentLink', 0],
    ]);
    const run = await engine.services.restore.restore(files);
    expect({ failed: run.failed, written: run.written.find((w) => w.object === 'ContentVersion') }).toMatchObject({
      failed: 0,
      written: { created: 1, undeleted: 0 },
    });
    const made = (await engine.services.restore.ledger.idMap(org.id, org.id)).get(unlinked)!;
    expect(made).toMatch(/^069/);
    // No link to the account the backup no longer had, none to anyone else.
    expect((await linksOf(made)).map((l) => l.LinkedEntityId)).toEqual(backedUp);
  });

  it("re-creates a deleted file with its document's owner, not its first version's", async () => {
    const versions = (await conn.query<{ Id: string }>(`SELECT Id FROM ContentVersion WHERE ContentDocumentId = '${file!}'`)).records;
    await conn.sobject('ContentDocument').destroy(file!);
    // Emptied from the bin: re-created (from the bin it would come back as itself, owner and all).
    await conn.soap.emptyRecycleBin([file!]);
    const run = await engine.services.restore.restore(request({ objects: ['ContentVersion'], recordIds: versions.map((v) => v.Id) }));
    const results = await engine.services.restore.ledger.results(org.id, run.runId!);
    expect(results.filter((r) => !r.success)).toEqual([]);
    const made = (await engine.services.restore.ledger.idMap(org.id, org.id)).get(file!)!;
    const doc = await conn.sobject('ContentDocument').retrieve(made);
    expect((doc as unknown as { OwnerId: string }).OwnerId).toBe(fileOwner);
  });
});
