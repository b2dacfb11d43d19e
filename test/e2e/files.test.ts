/**
 * Files with all their links, end to end: a file shared to several records (and a file over the
 * 37.5 MB a JSON create can carry) is backed up with its ContentDocumentLinks, an incremental
 * catches a changed document's links, the file is deleted, and a restore brings it back byte for
 * byte with every link (the owner's implicit link not duplicated) — in place and into a second org.
 */
import { createHash, randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import { waitForJob, exportedState } from '../support/backup-checks.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';

const MB = 1024 * 1024;
type Link = { Id: string; LinkedEntityId: string; ShareType: string; Visibility: string };

async function linksOf(conn: Connection, doc: string): Promise<Link[]> {
  const res = await conn.query<Link>(
    `SELECT Id, LinkedEntityId, ShareType, Visibility FROM ContentDocumentLink WHERE ContentDocumentId = '${doc}'`,
  );
  return res.records.map(({ Id, LinkedEntityId, ShareType, Visibility }) => ({ Id, LinkedEntityId, ShareType, Visibility }));
}

const shares = (links: Link[], map: (id: string) => string = (id) => id): string[] =>
  links.map((l) => `${map(l.LinkedEntityId)} ${l.ShareType} ${l.Visibility}`).sort();

/** A file over 37.5 MB that is not all one byte, as a multipart create (the emulator's client side). */
async function uploadBig(emu: EmulatorHandle, bytes: Buffer, on: string): Promise<string> {
  const form = new FormData();
  form.append(
    'entity_content',
    new Blob([JSON.stringify({ PathOnClient: 'big.bin', FirstPublishLocationId: on })], { type: 'application/json' }),
  );
  form.append('VersionData', new Blob([bytes]), 'big.bin');
  const res = await fetch(`${emu.instanceUrl}/services/data/v62.0/sobjects/ContentVersion`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${emu.accessToken}` },
    body: form,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('files with all their ContentDocumentLinks', () => {
  let emulator: EmulatorHandle;
  let second: EmulatorHandle;
  let engine: TestEngine;
  let conn: Connection;
  let org: Org;

  beforeAll(async () => {
    emulator = await startEmulator({ records: 800, seed: 31 });
    second = await startEmulator({ records: 0, seed: 32 });
    engine = await startTestEngine({
      runner: { reconcileEveryMs: 7 * 86_400_000, overlapMs: 60_000 },
      worker: { pollMs: 200 },
      // Records come back under new ids, and files' links to them with them.
      restore: { bulkThreshold: 50, pollMs: 50, undelete: false },
    });
    conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    org = await connectEmulatorOrg(engine, emulator, 'files-e2e');
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
    await second?.stop();
  });

  it('backs up every link, restores the file with them in place and into another org', async () => {
    const first = <T extends { Id: string }>(soql: string): Promise<T> => conn.query<T>(soql).then((r) => r.records[0]!);
    const account = (await first<{ Id: string }>('SELECT Id FROM Account ORDER BY Id LIMIT 1')).Id;
    const contact = (await first<{ Id: string }>('SELECT Id FROM Contact ORDER BY Id LIMIT 1')).Id;
    const opportunity = (await first<{ Id: string }>('SELECT Id FROM Opportunity ORDER BY Id LIMIT 1')).Id;
    const kase = (await first<{ Id: string }>('SELECT Id FROM Case ORDER BY Id LIMIT 1')).Id;

    // A file published on an account and shared to a contact and an opportunity.
    const v1 = await conn.sobject('ContentVersion').create({
      PathOnClient: 'plan.txt',
      Title: 'Plan',
      VersionData: Buffer.from('the plan, version one').toString('base64'),
      FirstPublishLocationId: account,
    });
    const doc = (
      await first<{ Id: string; ContentDocumentId: string }>(`SELECT Id, ContentDocumentId FROM ContentVersion WHERE Id = '${v1.id}'`)
    ).ContentDocumentId;
    const toContact = await conn
      .sobject('ContentDocumentLink')
      .create({ ContentDocumentId: doc, LinkedEntityId: contact, ShareType: 'C', Visibility: 'InternalUsers' });
    await conn
      .sobject('ContentDocumentLink')
      .create({ ContentDocumentId: doc, LinkedEntityId: opportunity, ShareType: 'V', Visibility: 'AllUsers' });
    const big = Buffer.alloc(40 * MB);
    for (let i = 0; i < big.length; i += 512) big.writeUInt32BE((i * 2654435761) >>> 0, i);
    const bigVersion = await uploadBig(emulator, big, account);

    const full = await waitForJob(engine, org, (await engine.services.jobs.start(org, { by: 'e2e' })).id);
    expect(full.status).toBe('succeeded');
    const linkPass = full.objectDetails.find((o) => o.name === 'ContentDocumentLink');
    expect(linkPass).toMatchObject({ status: 'succeeded', pass: 'full' });
    const stored = await exportedState(engine, org.id, 'ContentDocumentLink', full.finishedAt!);
    const storedOf = (d: string): string[] =>
      [...stored.values()]
        .filter((l) => l.ContentDocumentId === d)
        .map((l) => `${l.LinkedEntityId} ${l.ShareType} ${l.Visibility}`)
        .sort();
    expect(storedOf(doc)).toEqual(shares(await linksOf(conn, doc)));
    expect(storedOf(doc)).toHaveLength(4); // owner, account, contact, opportunity
    // Every generated file's links too (each has its owner's and its record's).
    const docs = (await conn.query<{ Id: string }>('SELECT Id FROM ContentDocument').run({ autoFetch: true })).records.map((r) => r.Id);
    for (const d of docs.slice(0, 20)) expect({ d, links: storedOf(d) }).toEqual({ d, links: shares(await linksOf(conn, d)) });

    // The document changes (a new version), a link goes and another comes: the incremental sees both.
    await conn
      .sobject('ContentVersion')
      .create({ PathOnClient: 'plan.txt', ContentDocumentId: doc, VersionData: Buffer.from('the plan, v2').toString('base64') });
    await conn.sobject('ContentDocumentLink').destroy(toContact.id!);
    await conn
      .sobject('ContentDocumentLink')
      .create({ ContentDocumentId: doc, LinkedEntityId: kase, ShareType: 'V', Visibility: 'InternalUsers' });
    const incremental = await waitForJob(engine, org, (await engine.services.jobs.start(org, { by: 'e2e' })).id);
    expect(incremental.status).toBe('succeeded');
    expect(incremental.objectDetails.find((o) => o.name === 'ContentDocumentLink')).toMatchObject({
      status: 'succeeded',
      pass: 'incremental',
    });
    const truth = await linksOf(conn, doc);
    const after = await exportedState(engine, org.id, 'ContentDocumentLink', incremental.finishedAt!);
    expect(
      [...after.values()]
        .filter((l) => l.ContentDocumentId === doc)
        .map((l) => `${l.LinkedEntityId} ${l.ShareType} ${l.Visibility}`)
        .sort(),
    ).toEqual(shares(truth));
    const bigDoc = (
      await first<{ Id: string; ContentDocumentId: string }>(`SELECT Id, ContentDocumentId FROM ContentVersion WHERE Id = '${bigVersion}'`)
    ).ContentDocumentId;
    const bigTruth = await linksOf(conn, bigDoc);

    // Damage: both files deleted (their versions and links go with them).
    await conn.sobject('ContentDocument').destroy([doc, bigDoc]);
    expect(await conn.query(`SELECT Id FROM ContentVersion WHERE ContentDocumentId IN ('${doc}', '${bigDoc}')`)).toMatchObject({
      totalSize: 0,
    });

    // Re-creates what is missing, as of the incremental backup, in place.
    const restoreDeleted = (objects = ['ContentVersion'], dryRun = false) =>
      engine.services.restore.restore({ orgId: org.id, jobId: incremental.id, objects, mode: 'deleted', dryRun });
    const plan = await restoreDeleted(['ContentVersion'], true);
    expect(plan.objects.find((p) => p.object === 'ContentDocumentLink')!.create).toBe(truth.length - 2 + bigTruth.length - 2);
    // Compare sees exactly the links that went with the files, and none once they are back.
    const compareLinks = async () =>
      (
        await engine.services.compare.compare({
          orgId: org.id,
          from: { at: incremental.finishedAt! },
          to: { live: true },
          objects: ['ContentDocumentLink'],
        })
      )[0]!;
    expect(await compareLinks()).toMatchObject({ deleted: [...truth, ...bigTruth].map((l) => l.Id).sort(), added: [], changed: [] });
    const restored = await restoreDeleted();
    expect(restored.failed).toBe(0);
    expect(await compareLinks()).toMatchObject({ deleted: [], added: [], changed: [] });
    const idMap = await engine.services.restore.ledger.idMap(org.id, org.id);
    const newDoc = idMap.get(doc)!;
    const newBigDoc = idMap.get(bigDoc)!;
    expect(newDoc).toBeTruthy();
    // Every link back, once: the owner's implicit one made by Salesforce, the others by the restore.
    expect(shares(await linksOf(conn, newDoc))).toEqual(shares(truth));
    expect(shares(await linksOf(conn, newBigDoc))).toEqual(shares(bigTruth));
    const bigBack = await first<{ Id: string; Checksum: string; ContentSize: number }>(
      `SELECT Id, Checksum, ContentSize FROM ContentVersion WHERE ContentDocumentId = '${newBigDoc}'`,
    );
    expect(bigBack).toMatchObject({ ContentSize: big.length, Checksum: createHash('md5').update(big).digest('hex') });
    const bytes = await fetch(`${emulator.instanceUrl}/services/data/v62.0/sobjects/ContentVersion/${bigBack.Id}/VersionData`, {
      headers: { Authorization: `Bearer ${emulator.accessToken}` },
    });
    expect(Buffer.from(await bytes.arrayBuffer()).equals(big)).toBe(true);

    // Again: nothing to create, no duplicate links.
    const again = await restoreDeleted();
    expect(again.succeeded + again.failed).toBe(0);
    expect(await linksOf(conn, newDoc)).toHaveLength(truth.length);

    // A record a file is shared with is deleted (its link goes with it): restoring the record with
    // the links brings the link back to the re-created record.
    await conn.sobject('Case').destroy(kase);
    expect(await linksOf(conn, newDoc)).toHaveLength(truth.length - 1);
    const relinked = await restoreDeleted(['Case', 'ContentDocumentLink']);
    expect(relinked.failed).toBe(0);
    expect(relinked.objects.find((p) => p.object === 'ContentDocumentLink')).toMatchObject({ create: 1 });
    const newCase = (await engine.services.restore.ledger.idMap(org.id, org.id)).get(kase)!;
    expect(shares(await linksOf(conn, newDoc), (id) => (id === newCase ? kase : id))).toEqual(shares(truth));

    // A crash during an upload: the create was noted, Salesforce made the file, the outcome was never
    // recorded. The next restore finds the file by its fields instead of uploading it again, and the
    // later version joins its document.
    await conn.sobject('ContentDocument').destroy(newDoc);
    const crashed = await conn.sobject('ContentVersion').create({
      PathOnClient: 'plan.txt',
      Title: 'Plan',
      VersionData: Buffer.from('the plan, version one').toString('base64'),
      FirstPublishLocationId: account,
    });
    await engine.services.restore.ledger.sending(
      { targetOrgId: org.id, sourceOrgId: org.id, runId: randomUUID() },
      { object: 'ContentVersion', oldIds: [v1.id!], csv: `PathOnClient,Title,FirstPublishLocationId\nplan.txt,Plan,${account}\n` },
    );
    const resumed = await restoreDeleted();
    expect(resumed.failed).toBe(0);
    expect(resumed.objects.find((p) => p.object === 'ContentVersion')).toMatchObject({ create: 1 }); // version two only
    const settledDoc = (await engine.services.restore.ledger.idMap(org.id, org.id)).get(doc)!;
    const versionsNow = await conn.query<{ Id: string }>(`SELECT Id FROM ContentVersion WHERE ContentDocumentId = '${settledDoc}'`);
    expect(versionsNow.records.map((r) => r.Id)).toEqual(expect.arrayContaining([crashed.id]));
    expect(versionsNow.totalSize).toBe(2);
    expect((await conn.query(`SELECT Id FROM ContentVersion WHERE PathOnClient = 'plan.txt'`)).totalSize).toBe(2);
    expect(shares(await linksOf(conn, settledDoc), (id) => (id === newCase ? kase : id))).toEqual(shares(truth));

    // Into a second org: the records first, then the files with links to their new ids.
    const { orgId: secondId } = await engine.services.connect(org.tenantId, {
      kind: 'accessToken',
      instanceUrl: second.instanceUrl,
      accessToken: second.accessToken,
    });
    const into = await engine.services.restore.restore({
      orgId: org.id,
      targetOrgId: secondId,
      jobId: incremental.id,
      objects: ['Account', 'Contact', 'Opportunity', 'Case', 'ContentVersion'],
      mode: 'deleted',
    });
    expect(into.failed).toBe(0);
    const map2 = await engine.services.restore.ledger.idMap(secondId, org.id);
    const back = new Map([...map2].map(([o, n]) => [n, o]));
    const conn2 = new Connection({ instanceUrl: second.instanceUrl, accessToken: second.accessToken, version: '62.0' });
    const owner = (id: string): string => (id === second.userId ? emulator.userId : (back.get(id) ?? id));
    expect(shares(await linksOf(conn2, map2.get(doc)!), owner)).toEqual(shares(truth));
    expect(shares(await linksOf(conn2, map2.get(bigDoc)!), owner)).toEqual(shares(bigTruth));
  });
});

describe('what an incremental link pass does not see', () => {
  // Long enough for two jobs on a loaded machine; the test sleeps out the rest.
  const RECONCILE_MS = 20_000;
  let emulator: EmulatorHandle;
  let engine: TestEngine;

  beforeAll(async () => {
    emulator = await startEmulator({ records: 600, seed: 33 });
    engine = await startTestEngine({ runner: { reconcileEveryMs: RECONCILE_MS, overlapMs: 1000 }, worker: { pollMs: 200 } });
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  it('a file shared with one more record, and nothing else changed, is caught by the next full link pass', async () => {
    const org = await connectEmulatorOrg(engine, emulator, 'files-limits');
    const conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    const run = async (pass: 'full' | 'incremental'): Promise<Date> => {
      const job = await waitForJob(engine, org, (await engine.services.jobs.start(org, { by: 'e2e' })).id);
      expect({ status: job.status, pass: job.objectDetails.find((o) => o.name === 'ContentDocumentLink')?.pass }).toEqual({
        status: 'succeeded',
        pass,
      });
      return job.finishedAt!;
    };
    // The next full link pass is due a reconcile interval after this one; on a loaded machine the
    // job itself can take most of that interval, so count from its end, not from the test's start.
    const fullPassEnded = (await run('full')).getTime();
    const doc = (await conn.query<{ Id: string }>('SELECT Id FROM ContentDocument ORDER BY Id LIMIT 1')).records[0]!.Id;
    const contact = (await conn.query<{ Id: string }>('SELECT Id FROM Contact ORDER BY Id LIMIT 1')).records[0]!.Id;
    const shared = await conn.sobject('ContentDocumentLink').create({ ContentDocumentId: doc, LinkedEntityId: contact, ShareType: 'V' });
    const stored = async (at: Date): Promise<boolean> => (await exportedState(engine, org.id, 'ContentDocumentLink', at)).has(shared.id!);
    // Neither the document nor its versions moved: the incremental pass does not ask for its links.
    expect(await stored(await run('incremental'))).toBe(false);
    await new Promise((r) => setTimeout(r, Math.max(0, fullPassEnded + RECONCILE_MS + 500 - Date.now())));
    expect(await stored(await run('full'))).toBe(true);
  });
});
