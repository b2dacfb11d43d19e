import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsforce from 'jsforce';
import { SOAP } from 'jsforce/lib/soap.js';
import jsforce1 from 'jsforce1';
import { startEmulator, type EmulatorHandle } from '../server.js';
import { DEFAULT_PASSWORD } from './session-calls.js';

type Saved = { id: string | null; success: boolean; created?: boolean; errors: Array<{ statusCode: string; message: string }> };
type SoapRecord = Record<string, unknown>;

describe('the partner SOAP API, through jsforce', () => {
  let emu: EmulatorHandle;
  let conn: jsforce.Connection;
  /** Moves the org's clock (the Recycle Bin's days). */
  let offset = 0;

  /** A partner call that jsforce's SOAP API has no method for, made with jsforce's own SOAP client. */
  const invoke = async <T>(method: string, args: Record<string, unknown>): Promise<T> => {
    const soap = new SOAP(conn, {
      xmlns: 'urn:partner.soap.sforce.com',
      endpointUrl: `${conn.instanceUrl}/services/Soap/u/${conn.version}`,
    });
    const res = await soap.invoke(method, args);
    return (res as { result: T }).result;
  };
  const soapQuery = (method: 'query' | 'queryAll', soql: string) =>
    invoke<{ done: string; size: string; records?: SoapRecord | SoapRecord[]; queryLocator: unknown }>(method, { queryString: soql });
  const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const isDeleted = async (id: string) => {
    const r = await conn.query<{ IsDeleted: boolean }>(`SELECT IsDeleted FROM ${emu.org.locate(id)!.table.def.name} WHERE Id = '${id}'`, {
      scanAll: true,
    });
    return r.records.length ? r.records[0]!.IsDeleted : 'gone';
  };
  const create = async (type: string, fields: Record<string, unknown>): Promise<string> => {
    const r = (await conn.soap.create({ type, ...fields })) as Saved;
    expect(r.errors).toEqual([]);
    return r.id!;
  };

  beforeAll(async () => {
    emu = await startEmulator({ records: 1200, seed: 5, clock: () => Date.now() + offset });
    conn = new jsforce.Connection({ loginUrl: emu.instanceUrl, version: '62.0' });
    await conn.login(emu.username, DEFAULT_PASSWORD);
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('logs in with username and password, and the session works for REST too', async () => {
    expect(conn.instanceUrl).toBe(emu.instanceUrl);
    expect(conn.userInfo?.organizationId).toBe(emu.orgId);
    const info = await conn.soap.getUserInfo();
    expect(info).toMatchObject({ userId: emu.userId, userName: emu.username, organizationId: emu.orgId });
    expect((await conn.query('SELECT Id FROM Account LIMIT 1')).totalSize).toBe(1);
    const bad = new jsforce.Connection({ loginUrl: emu.instanceUrl, version: '62.0' });
    await expect(bad.login(emu.username, 'wrong')).rejects.toThrow(
      /^INVALID_LOGIN: Invalid username, password, security token; or user locked out\.$/,
    );
  });

  it('jsforce 1.x logs in through SOAP, reads getUserInfo and logs out (the session ends)', async () => {
    const c1 = new jsforce1.Connection({ loginUrl: emu.instanceUrl, version: '50.0' });
    const user = await c1.login(emu.username, DEFAULT_PASSWORD);
    expect(user).toMatchObject({ id: emu.userId, organizationId: emu.orgId });
    expect(await c1.soap.getUserInfo()).toMatchObject({ userName: emu.username });
    const token = c1.accessToken;
    expect(emu.org.authenticate(token)).toBe(emu.userId);
    await c1.logout();
    expect(emu.org.authenticate(token)).toBeNull();
  });

  it('creates, updates (fieldsToNull), upserts by external id and deletes', async () => {
    const id = await create('Account', { Name: 'Soap Co', Phone: '555-0100', NumberOfEmployees: 12 });
    const missing = (await conn.soap.create([{ type: 'Contact', FirstName: 'No last name' }])) as Saved[];
    expect(missing[0]).toMatchObject({ success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING' }] });
    const upd = (await conn.soap.update({ type: 'Account', Id: id, Phone: null, Name: 'Soap Co 2' })) as Saved;
    expect(upd).toMatchObject({ id, success: true });
    const row = emu.org.table('Account').rowOf(id);
    expect([emu.org.table('Account').get(row, 'Name'), emu.org.table('Account').get(row, 'Phone')]).toEqual(['Soap Co 2', null]);
    const first = (await conn.soap.upsert('External_Id__c', [{ type: 'Project__c', Name: 'P', External_Id__c: 'SOAP-1' }])) as Saved[];
    const again = (await conn.soap.upsert('External_Id__c', [{ type: 'Project__c', Name: 'P2', External_Id__c: 'SOAP-1' }])) as Saved[];
    expect(first[0]).toMatchObject({ success: true, created: true });
    expect(again[0]).toMatchObject({ id: first[0]!.id, success: true, created: false });
    expect(((await conn.soap.delete([id])) as Saved[])[0]).toMatchObject({ id, success: true });
    expect(await isDeleted(id)).toBe(true);
  });

  it('undeletes an account with the contacts and opportunities deleted with it, and sets cleared lookups again', async () => {
    const account = await create('Account', { Name: 'Cascade Inc' });
    const contacts = [
      await create('Contact', { LastName: 'One', AccountId: account }),
      await create('Contact', { LastName: 'Two', AccountId: account }),
    ];
    const opp = await create('Opportunity', { Name: 'Deal', StageName: 'Prospecting', CloseDate: '2026-12-31', AccountId: account });
    const project = await create('Project__c', { Name: 'Looks up the account', Account__c: account });
    await conn.soap.delete([account]);
    for (const id of [account, ...contacts, opp]) expect(await isDeleted(id)).toBe(true);
    const projects = emu.org.table('Project__c');
    expect(projects.get(projects.rowOf(project), 'Account__c')).toBeNull();
    // A record deleted with its parent is not in the Recycle Bin on its own.
    const alone = (await conn.soap.undelete([contacts[0]!])) as Saved[];
    expect(alone[0]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'UNDELETE_FAILED', message: 'Entity is not in the recycle bin' }],
    });
    const back = (await conn.soap.undelete([account])) as Saved[];
    expect(back[0]).toMatchObject({ id: account, success: true });
    for (const id of [account, ...contacts, opp]) expect(await isDeleted(id)).toBe(false);
    expect(projects.get(projects.rowOf(project), 'Account__c')).toBe(account);
    const again = (await conn.soap.undelete([account])) as Saved[];
    expect(again[0]!.errors[0]).toMatchObject({ statusCode: 'UNDELETE_FAILED' });
    // In one call with their parent, records deleted with it are undeleted with it.
    await conn.soap.delete([account]);
    const together = (await conn.soap.undelete([contacts[1]!, account])) as Saved[];
    expect(together.map((r) => r.success)).toEqual([true, true]);
    expect(await isDeleted(contacts[1]!)).toBe(false);
  });

  it('hard-deletes a detail record deleted before its master once the master is deleted', async () => {
    const project = await create('Project__c', { Name: 'Master' });
    const early = await create('Invoice__c', { Project__c: project });
    const late = await create('Invoice__c', { Project__c: project });
    await conn.soap.delete([early]);
    await conn.soap.delete([project]);
    const tried = (await conn.soap.undelete([early, late])) as Saved[];
    expect(tried.map((r) => r.errors[0]?.statusCode)).toEqual(['UNDELETE_FAILED', 'UNDELETE_FAILED']);
    // queryAll still sees the hard-deleted detail for a while.
    expect(await isDeleted(early)).toBe(true);
    await conn.soap.undelete([project]);
    expect([await isDeleted(project), await isDeleted(late), await isDeleted(early)]).toEqual([false, false, true]);
  });

  it("undeletes a file with its versions and links; a record's undelete brings back its links; a file published nowhere is its creator's", async () => {
    const account = await create('Account', { Name: 'Has a file' });
    const contact = await create('Contact', { LastName: 'Shared with' });
    const other = (await conn.query<{ Id: string }>(`SELECT Id FROM User WHERE IsActive = true AND Id != '${emu.userId}' LIMIT 1`))
      .records[0]!.Id;
    const file = (await conn.sobject('ContentVersion').create({
      PathOnClient: 'a.txt',
      VersionData: Buffer.from('a').toString('base64'),
      FirstPublishLocationId: account,
    })) as Saved;
    const doc = (await conn.sobject('ContentVersion').retrieve(file.id!)).ContentDocumentId as string;
    const second = await conn.sobject('ContentVersion').create({ PathOnClient: 'a.txt', VersionData: 'Yg==', ContentDocumentId: doc });
    await conn.sobject('ContentDocumentLink').create({ ContentDocumentId: doc, LinkedEntityId: contact, ShareType: 'V' });
    const links = async () =>
      (
        await conn.query<{ Id: string; LinkedEntityId: string }>(
          `SELECT Id, LinkedEntityId FROM ContentDocumentLink WHERE ContentDocumentId = '${doc}'`,
        )
      ).records
        .map((l) => `${l.Id} ${l.LinkedEntityId}`)
        .sort();
    const before = await links();
    expect(before).toHaveLength(3); // owner, account, contact
    // ContentVersion has no undelete of its own: its document's brings every version and link back.
    await conn.sobject('ContentDocument').destroy(doc);
    for (const v of [file.id!, second.id!]) expect(await isDeleted(v)).toBe(true);
    expect(((await conn.soap.undelete([file.id!])) as Saved[])[0]!.success).toBe(false);
    expect(((await conn.soap.undelete([doc])) as Saved[])[0]).toMatchObject({ id: doc, success: true });
    for (const v of [doc, file.id!, second.id!]) expect(await isDeleted(v)).toBe(false);
    expect(await links()).toEqual(before);
    // A record's delete takes the links to it along; its undelete brings them back.
    await conn.soap.delete([contact]);
    expect(await links()).toHaveLength(2);
    await conn.soap.undelete([contact]);
    expect(await links()).toEqual(before);
    // Published nowhere, a file goes to the publishing user's library: linked to them beside its owner.
    const owned = (await conn.sobject('ContentVersion').create({ PathOnClient: 'b.txt', VersionData: 'Yg==', OwnerId: other })) as Saved;
    const v = await conn.sobject('ContentVersion').retrieve(owned.id!);
    expect(v.FirstPublishLocationId).toBe(emu.userId);
    const linked = await conn.query<{ LinkedEntityId: string }>(
      `SELECT LinkedEntityId FROM ContentDocumentLink WHERE ContentDocumentId = '${v.ContentDocumentId as string}'`,
    );
    expect(linked.records.map((l) => l.LinkedEntityId).sort()).toEqual([emu.userId, other].sort());
  });

  it('queries through SOAP: Id twice, parents nested, children as QueryResults, nil for nulls, and pages with queryMore', async () => {
    const account = await create('Account', { Name: 'Soap Query' });
    await create('Contact', { LastName: 'Kid', AccountId: account });
    const one = await soapQuery(
      'query',
      `SELECT Name, Id, Phone, Owner.Name, (SELECT LastName FROM Contacts) FROM Account WHERE Id = '${account}'`,
    );
    const rec = asList(one.records)[0]!;
    // Without a schema, jsforce's SOAP client keeps the sf: prefixes of Salesforce's answer.
    expect(rec).toMatchObject({
      'sf:type': 'Account',
      'sf:Id': [account, account],
      'sf:Name': 'Soap Query',
      'sf:Owner': { 'sf:type': 'User', 'sf:Id': { $: { 'xsi:nil': 'true' } }, 'sf:Name': 'Ada Admin' },
    });
    expect(rec['sf:Phone']).toEqual({ $: { 'xsi:nil': 'true' } });
    expect(rec['sf:Contacts']).toMatchObject({ size: '1', done: 'true', records: { 'sf:type': 'Contact', 'sf:LastName': 'Kid' } });
    const total = emu.org.table('FieldPermissions').size;
    expect(total).toBeGreaterThan(500);
    const first = await soapQuery('query', 'SELECT Id FROM FieldPermissions');
    expect([first.done, Number(first.size), asList(first.records).length]).toEqual(['false', total, 500]);
    const next = await invoke<{ done: string; records: SoapRecord[] }>('queryMore', { queryLocator: first.queryLocator });
    expect([next.done, next.records.length]).toEqual(['true', Math.min(500, total - 500)]);
    const count = await soapQuery('query', 'SELECT COUNT() FROM FieldPermissions');
    expect([count.size, count.records]).toEqual([String(total), undefined]);
  });

  it('queryAll returns records in the Recycle Bin with IsDeleted = true; emptied ones for a day, then not', async () => {
    const lead = await create('Lead', { LastName: 'Bin', Company: 'Bin Co' });
    await conn.soap.delete([lead]);
    const q = `SELECT Id, IsDeleted FROM Lead WHERE Id = '${lead}'`;
    expect((await soapQuery('query', q)).size).toBe('0');
    expect(asList((await soapQuery('queryAll', q)).records)[0]).toMatchObject({ 'sf:IsDeleted': 'true' });
    const live = await create('Lead', { LastName: 'Alive', Company: 'Co' });
    const emptied = (await conn.soap.emptyRecycleBin([lead, live])) as unknown as Saved[];
    expect(emptied.map((r) => r.success)).toEqual([true, false]);
    expect(((await conn.soap.undelete([lead])) as Saved[])[0]!.errors[0]).toMatchObject({ statusCode: 'UNDELETE_FAILED' });
    expect(asList((await soapQuery('queryAll', q)).records)).toHaveLength(1);
    const c1 = new jsforce1.Connection({ instanceUrl: emu.instanceUrl, accessToken: conn.accessToken!, version: '50.0' });
    expect((await c1.queryAll(q)).records).toMatchObject([{ IsDeleted: true }]);
    offset += 25 * 3_600_000;
    expect((await soapQuery('queryAll', q)).size).toBe('0');
  });

  it('getUpdated and getDeleted list changes in a window; merge re-parents related records and deletes the merged ones', async () => {
    const minute = 60_000;
    const t0 = new Date(Math.floor(emu.org.now() / minute) * minute - minute).toISOString();
    const master = await create('Account', { Name: 'Merge Master' });
    const victim = await create('Account', { Name: 'Merge Victim', Phone: '555-0111' });
    const contact = await create('Contact', { LastName: 'Moves', AccountId: victim });
    const caseId = await create('Case', { Subject: 'Moves too', AccountId: victim });
    offset += 2 * minute;
    const window = () => ({ startDate: t0, endDate: new Date(emu.org.now()).toISOString() });
    const updated = await invoke<{ ids: string | string[]; latestDateCovered: string }>('getUpdated', {
      sObjectType: 'Account',
      ...window(),
    });
    expect(asList(updated.ids)).toEqual(expect.arrayContaining([master, victim]));
    expect(updated.latestDateCovered).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);

    // Values sent with the master supersede its own (as in an update).
    const masterRecord = { type: 'Account', Id: master, Phone: '555-0199' };
    const [merged] = await conn.soap.merge([{ masterRecord, recordToMergeIds: [victim] }]);
    expect(merged).toMatchObject({ id: master, success: true, mergedRecordIds: [victim] });
    expect([...merged!.updatedRelatedIds].sort()).toEqual([contact, caseId].sort());
    const after = await conn.query<{ Id: string; IsDeleted: boolean; MasterRecordId: string | null; Phone: string | null }>(
      `SELECT Id, IsDeleted, MasterRecordId, Phone FROM Account WHERE Id IN ('${master}', '${victim}') ORDER BY Name`,
      { scanAll: true },
    );
    expect(after.records.map((r) => [r.Id, r.IsDeleted, r.MasterRecordId, r.Phone])).toEqual([
      [master, false, null, '555-0199'],
      [victim, true, master, '555-0111'],
    ]);
    const moved = await conn.query<{ AccountId: string }>(`SELECT AccountId FROM Contact WHERE Id = '${contact}'`);
    expect(moved.records[0]!.AccountId).toBe(master);

    offset += 2 * minute;
    const deleted = await invoke<{
      deletedRecords: { id: string; deletedDate: string } | Array<{ id: string }>;
      earliestDateAvailable: string;
    }>('getDeleted', { sObjectType: 'Account', ...window() });
    expect(asList(deleted.deletedRecords).map((d) => d.id)).toContain(victim);
    expect(Date.parse(deleted.earliestDateAvailable)).toBeLessThan(Date.parse(t0));

    // The WSDL's element name `request` works as jsforce's `mergeRequests` does; rules answer per request.
    const leads = [await create('Lead', { LastName: 'L1', Company: 'C' }), await create('Lead', { LastName: 'L2', Company: 'C' })];
    const viaWsdl = await invoke<{ success: string; mergedRecordIds: string }>('merge', {
      request: { masterRecord: { type: 'Lead', Id: leads[0] }, recordToMergeIds: [leads[1]] },
    });
    expect(viaWsdl).toMatchObject({ success: 'true', mergedRecordIds: leads[1] });
    const opps = await conn.query<{ Id: string }>('SELECT Id FROM Opportunity LIMIT 2');
    const refused = await conn.soap.merge([
      { masterRecord: { type: 'Opportunity', Id: opps.records[0]!.Id }, recordToMergeIds: [opps.records[1]!.Id] },
      { masterRecord: { type: 'Lead', Id: leads[0] }, recordToMergeIds: [leads[1]!] },
    ]);
    expect(refused.map((r) => [r.success, r.errors[0]?.statusCode])).toEqual([
      [false, 'INVALID_TYPE'],
      [false, 'ENTITY_IS_DELETED'],
    ]);
    const old = new Date(emu.org.now() - 31 * 86_400_000).toISOString();
    await expect(invoke('getUpdated', { sObjectType: 'Account', startDate: old, endDate: window().endDate })).rejects.toMatchObject({
      errorCode: 'sf:INVALID_REPLICATION_DATE',
    });
  });

  it('describes objects and the org', async () => {
    const global = await invoke<{ sobjects: Array<{ name: string }> }>('describeGlobal', {});
    expect(global.sobjects.map((s) => s.name)).toEqual(expect.arrayContaining(['Account', 'Invoice__c']));
    const d = await invoke<{
      name: string;
      fields: Array<{ name: string; type: string }>;
      childRelationships: Array<{ relationshipName: string }>;
    }>('describeSObject', { sObjectType: 'Account' });
    expect(d.name).toBe('Account');
    expect(d.fields.find((f) => f.name === 'ParentId')).toMatchObject({ type: 'reference' });
    expect(d.childRelationships.map((r) => r.relationshipName)).toContain('ChildAccounts');
  });

  it('answers faults as Salesforce does: bad session (jsforce refreshes), bad query, unknown call, broken XML', async () => {
    await expect(soapQuery('query', 'SELECT Nope FROM Account')).rejects.toMatchObject({ errorCode: 'sf:INVALID_FIELD' });
    await expect(invoke('frobnicate', {})).rejects.toMatchObject({ errorCode: 'soapenv:Client' });
    await expect(conn.soap.delete(Array.from({ length: 201 }, () => emu.userId))).rejects.toMatchObject({
      errorCode: 'sf:EXCEEDED_ID_LIMIT',
    });
    const post = (body: string) =>
      fetch(`${emu.instanceUrl}/services/Soap/u/62.0`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body });
    for (const body of [
      '',
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><login>',
      'not xml',
    ]) {
      const res = await post(body);
      expect(res.status).toBe(500);
      expect(await res.text()).toMatch(/<soapenv:Fault><faultcode>soapenv:Client<\/faultcode><faultstring>[^<]+<\/faultstring>/);
    }
    const stale = await post(
      '<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header><SessionHeader xmlns="urn:partner.soap.sforce.com"><sessionId>nope</sessionId></SessionHeader></e:Header><e:Body><getUserInfo xmlns="urn:partner.soap.sforce.com"/></e:Body></e:Envelope>',
    );
    expect(await stale.text()).toContain('<faultcode>sf:INVALID_SESSION_ID</faultcode>');
    // jsforce recognises the fault as an expired session, refreshes it and repeats the call.
    const refreshing = new jsforce.Connection({
      instanceUrl: emu.instanceUrl,
      accessToken: emu.accessToken,
      refreshToken: emu.refreshToken,
      oauth2: { clientId: 'orgvault-test', loginUrl: emu.instanceUrl },
      version: '62.0',
    });
    emu.org.sessions.expire(emu.accessToken);
    expect(await refreshing.soap.getUserInfo()).toMatchObject({ userId: emu.userId });
    expect(refreshing.accessToken).not.toBe(emu.accessToken);
    const versionless = await fetch(`${emu.instanceUrl}/services/Soap/u/99.0`, { method: 'POST', body: '<x/>' });
    expect(await versionless.text()).toContain('<faultcode>sf:UNSUPPORTED_API_VERSION</faultcode>');
  });
});
