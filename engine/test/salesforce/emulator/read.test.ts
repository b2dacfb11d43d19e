import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import type { OrgConnection } from '../../../src/salesforce/connection.js';
import { describeSObject, discoverScope, forgetDescribes } from '../../../src/salesforce/describe.js';
import { downloadBlob } from '../../../src/salesforce/blob.js';
import { getDeleted, getUpdated } from '../../../src/salesforce/replication.js';
import { queryRecords, restQuery } from '../../../src/salesforce/rest-query.js';
import { restCsvPages } from '../../../src/salesforce/rest-csv.js';
import { selectSoql, type ObjectScope } from '../../../src/salesforce/scope.js';
import { readUserPermissions } from '../../../src/salesforce/permissions.js';
import { startTestOrg, type TestOrg } from './org.js';

async function sha256(stream: NodeJS.ReadableStream): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of stream) h.update(chunk as Buffer);
  return h.digest('hex');
}

describe('reading an org (emulator)', () => {
  let org: TestOrg;
  let conn: OrgConnection;
  let scope: ObjectScope[];
  // The org's clock, moved by hand: getUpdated covers whole minutes up to the org's now.
  let now = Date.now();
  beforeAll(async () => {
    org = await startTestOrg({ clock: () => now });
    conn = await org.connect();
    scope = await discoverScope(conn);
  });
  afterAll(async () => {
    await org.stop();
  });

  const byName = (n: string) => scope.find((s) => s.name === n)!;

  it('describes again with If-Modified-Since: unchanged objects answer 304 and the kept copy is used', async () => {
    const statuses: number[] = [];
    const realFetch = globalThis.fetch;
    // Watches the answers only; the requests go to the emulator as they are.
    globalThis.fetch = async (input, init) => {
      const res = await realFetch(input, init);
      if (String(input instanceof Request ? input.url : input).endsWith('/describe')) statuses.push(res.status);
      return res;
    };
    try {
      const c = await org.connect();
      const first = await discoverScope(c);
      const described = statuses.splice(0);
      expect(described.length).toBeGreaterThan(10);
      expect(new Set(described)).toEqual(new Set([200]));
      const second = await discoverScope(c);
      expect(statuses.splice(0)).toEqual(described.map(() => 304));
      expect(second).toEqual(first);
      forgetDescribes(c);
      await discoverScope(c);
      expect(new Set(statuses.splice(0))).toEqual(new Set([200]));
    } finally {
      globalThis.fetch = realFetch;
    }
    // Metadata changed since an older date: the whole describe.
    const res = await fetch(`${org.emu.instanceUrl}/services/data/v62.0/sobjects/Account/describe`, {
      headers: { Authorization: `Bearer ${await org.accessToken()}`, 'If-Modified-Since': 'Wed, 3 Jul 2013 19:43:31 GMT' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string }).name).toBe('Account');
  });

  it('scope: replicateable objects, compound fields through components, base64 as blobs', () => {
    const names = scope.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['Account', 'Contact', 'Attachment', 'ContentVersion', 'Invoice__c']));
    expect(names).not.toContain('UserPermissionAccess');
    const account = byName('Account');
    expect(account.fields).not.toContain('BillingAddress');
    expect(account.fields).toEqual(expect.arrayContaining(['BillingStreet', 'BillingCity', 'SystemModstamp']));
    expect(account.compounds.BillingAddress!.length).toBeGreaterThan(0);
    expect(byName('Attachment').blobFields).toEqual(['Body']);
    expect(byName('ContentVersion').blobFields).toEqual(['VersionData']);
    expect(byName('ContentVersion').fields).not.toContain('VersionData');
  });

  it('every scoped field can be queried as the scope selects it', async () => {
    for (const s of scope) {
      const page = await restQuery(conn, `${selectSoql(s)} LIMIT 1`).next();
      expect(page.done).toBe(false);
    }
  });

  it('REST query pages by nextRecordsUrl; queryAll keeps seeing deleted rows across pages', async () => {
    const contacts = await queryRecords<{ Id: string }>(conn, 'SELECT Id FROM Contact');
    expect(contacts.length).toBeGreaterThan(250);
    await org.admin('/mutate', { ops: contacts.slice(0, 100).map((c) => ({ kind: 'delete', id: c.Id })) });
    const pages = [];
    for await (const p of restQuery<{ Id: string; IsDeleted: boolean }>(conn, 'SELECT Id, IsDeleted FROM Contact', {
      all: true,
      batchSize: 200,
    }))
      pages.push(p);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]!.locator).toBeNull();
    expect(pages[1]!.locator).toBe(pages[0]!.nextRecordsUrl);
    const all = pages.flatMap((p) => p.records);
    expect(all).toHaveLength(contacts.length);
    expect(all.filter((r) => r.IsDeleted)).toHaveLength(100);
    expect(await queryRecords(conn, 'SELECT Id FROM Contact')).toHaveLength(contacts.length - 100);
  });

  it('REST pages resume from a checkpointed nextRecordsUrl and come out as Bulk-style CSV', async () => {
    const s = byName('Task');
    const it1 = restCsvPages(conn, s, selectSoql(s), { batchSize: 200 });
    const first = (await it1.next()).value!;
    await it1.return(undefined);
    const rest = [];
    for await (const p of restCsvPages(conn, s, selectSoql(s), { fromNextRecordsUrl: first.nextLocator! })) rest.push(p);
    const ids = [first, ...rest].flatMap((p) => (parse(p.csv, { columns: true }) as { Id: string }[]).map((r) => r.Id));
    const expected = (await queryRecords<{ Id: string }>(conn, 'SELECT Id FROM Task')).map((r) => r.Id);
    expect(expected.length).toBeGreaterThan(200);
    expect(new Set(ids)).toEqual(new Set(expected));
    expect(ids).toHaveLength(expected.length);
  });

  it('a checkpointed nextRecordsUrl the org forgot runs the query again from its first page, when the caller asks so', async () => {
    const soql = 'SELECT Id FROM Task';
    const expected = (await queryRecords<{ Id: string }>(conn, soql)).map((r) => r.Id).sort();
    const lost = '/services/data/v62.0/query/01gforgotten-200';
    await expect(queryRecords(conn, soql, { fromNextRecordsUrl: lost })).rejects.toMatchObject({
      details: { errorCode: 'INVALID_QUERY_LOCATOR' },
    });
    let told = 0;
    const ids: string[] = [];
    for await (const p of restQuery<{ Id: string }>(conn, soql, {
      batchSize: 200,
      fromNextRecordsUrl: lost,
      onLostLocator: () => void told++,
    }))
      ids.push(...p.records.map((r) => r.Id));
    expect(told).toBe(1);
    expect(ids.sort()).toEqual(expected);
  });

  it('getUpdated and getDeleted find changes in their windows', async () => {
    const start = new Date(now - 60_000);
    const [a, b] = await queryRecords<{ Id: string }>(conn, 'SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Case) LIMIT 2');
    await org.admin('/mutate', {
      ops: [
        { kind: 'update', id: a!.Id, fields: { Phone: '+1 555 0100' } },
        { kind: 'delete', id: b!.Id },
      ],
    });
    now += 180_000;
    const end = new Date(now);
    const updated = await getUpdated(conn, 'Account', start, end);
    expect(updated.ids).toContain(a!.Id);
    expect(Date.parse(updated.latestDateCovered.replace('+0000', 'Z'))).toBeGreaterThan(start.getTime());
    const deleted = await getDeleted(conn, 'Account', start, end);
    expect(deleted.deletedRecords.map((d) => d.id)).toContain(b!.Id);
  });

  it('downloads a blob as a stream, and starts over when the connection resets halfway', async () => {
    const [cv] = await queryRecords<{ Id: string; ContentSize: number }>(
      conn,
      'SELECT Id, ContentSize FROM ContentVersion WHERE ContentSize > 1000 LIMIT 1',
    );
    const ref = { sobject: 'ContentVersion', id: cv!.Id, field: 'VersionData' };
    const clean = await downloadBlob(conn, ref, async (b) => ({ hash: await sha256(b.stream), length: b.contentLength }));
    await org.admin('/faults', { resets: { blob: { afterBytes: 500, times: 2 } } });
    const attempts: number[] = [];
    const again = await downloadBlob(conn, ref, async (b, attempt) => {
      attempts.push(attempt);
      return { hash: await sha256(b.stream), length: b.contentLength };
    });
    expect(again).toEqual(clean);
    expect(attempts).toEqual([0, 1, 2]);
  });

  it("reads the integration user's permissions", async () => {
    const p = await readUserPermissions(conn);
    expect(p.userId).toBe(org.emu.userId);
    expect(p.permissionSets.length).toBeGreaterThan(0);
    expect(p.effective.PermissionsApiEnabled).toBe(true);
    expect(p.objectPermissions.some((o) => o.SobjectType === 'Account')).toBe(true);
  });

  it('retries transient server errors, counting every attempt, and gives up with a transient error', async () => {
    await org.admin('/faults', { errorRules: [{ pathPattern: '/sobjects/Account/describe', rate: 1, status: 503 }] });
    const before = conn.budget.callsMade;
    await expect(describeSObject(conn, 'Account')).rejects.toMatchObject({
      code: 'ORG_API_ERROR',
      details: { status: 503, transient: true },
    });
    expect(conn.budget.callsMade - before).toBe(6);
    const clean = await queryRecords(conn, 'SELECT Id FROM Task', { batchSize: 200 });
    await org.admin('/faults', { errorRules: [{ pathPattern: '/query', rate: 0.5, status: 500 }] });
    expect(await queryRecords(conn, 'SELECT Id FROM Task', { batchSize: 200 })).toEqual(clean);
    await org.admin('/faults', undefined, 'DELETE');
  });
});
