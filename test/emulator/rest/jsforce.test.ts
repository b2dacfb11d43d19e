import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsforce from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../server.js';
import type { Transaction } from '../data/changes.js';

describe('jsforce against the emulator', () => {
  let emu: EmulatorHandle;
  let conn: jsforce.Connection;
  const txs: Transaction[] = [];

  beforeAll(async () => {
    emu = await startEmulator({ records: 6000, seed: 11 });
    emu.org.onTransaction((tx) => txs.push(tx));
    conn = new jsforce.Connection({
      instanceUrl: emu.instanceUrl,
      accessToken: emu.accessToken,
      refreshToken: emu.refreshToken,
      oauth2: { clientId: 'orgvault-test', loginUrl: emu.instanceUrl },
      version: '62.0',
    });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('fetches every page of a large query with autoFetch', async () => {
    const contacts = emu.org.table('Contact').size;
    expect(contacts).toBeGreaterThan(1000);
    const records: Array<{ Id: string }> = [];
    await new Promise<void>((resolve, reject) => {
      conn
        .query('SELECT Id, Name, Account.Name, CreatedDate FROM Contact')
        .on('record', (r: { Id: string }) => records.push(r))
        .on('end', () => resolve())
        .on('error', reject)
        .run({ autoFetch: true, maxFetch: 1_000_000, headers: { 'Sforce-Query-Options': 'batchSize=200' } });
    });
    expect(records).toHaveLength(contacts);
    expect(new Set(records.map((r) => r.Id)).size).toBe(contacts);
  });

  it('sees deleted rows only through queryAll, also on later pages', async () => {
    const ids = (await conn.query<{ Id: string }>('SELECT Id FROM Lead ORDER BY Id LIMIT 3')).records.map((r) => r.Id);
    await conn.sobject('Lead').destroy(ids);
    const live = await conn.query<{ Id: string }>(`SELECT Id FROM Lead WHERE Id IN ('${ids.join("','")}')`);
    expect(live.totalSize).toBe(0);
    // ORDER BY Id DESC puts the deleted rows last: on a page fetched through .../query/{locator}.
    expect(emu.org.table('Lead').size).toBeGreaterThan(400);
    const all = await conn.query<{ Id: string; IsDeleted: boolean }>('SELECT Id, IsDeleted FROM Lead ORDER BY Id DESC', {
      scanAll: true,
      autoFetch: true,
      maxFetch: 100000,
      headers: { 'Sforce-Query-Options': 'batchSize=200' },
    });
    const deleted = all.records.filter((r) => r.IsDeleted).map((r) => r.Id);
    expect(deleted.sort()).toEqual([...ids].sort());
    expect(all.totalSize).toBe(emu.org.table('Lead').size);
    expect(txs.some((tx) => tx.changes.some((c) => c.kind === 'delete' && c.id === ids[0]))).toBe(true);
  });

  it('creates, reads, updates and deletes through sobject calls', async () => {
    const created = await conn.sobject('Account').create({ Name: 'Emulator Test Co', Industry: 'Energy', AnnualRevenue: 1234.5 });
    expect(created.success).toBe(true);
    const rec = await conn.sobject('Account').retrieve(created.id!);
    expect(rec).toMatchObject({
      Name: 'Emulator Test Co',
      Industry: 'Energy',
      AnnualRevenue: 1234.5,
      OwnerId: emu.userId,
      IsDeleted: false,
    });
    expect(String(rec.CreatedDate)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    await conn.sobject('Account').update({ Id: created.id!, Name: 'Renamed Co' });
    const after = await conn.query<{ Name: string }>(`SELECT Name FROM Account WHERE Id = '${created.id}'`);
    expect(after.records[0]!.Name).toBe('Renamed Co');
    const update = txs.flatMap((t) => t.changes).find((c) => c.kind === 'update' && c.id === created.id);
    expect(update?.changedFields).toEqual(expect.arrayContaining(['Name', 'LastModifiedDate', 'SystemModstamp']));
  });

  it('refuses to delete an account with cases (DELETE_FAILED); without them its contacts and opportunities go with it', async () => {
    const account = (await conn.sobject('Account').create({ Name: 'Has Cases Ltd' })).id!;
    const contact = (await conn.sobject('Contact').create({ LastName: 'Caller', AccountId: account })).id!;
    const opp = (
      await conn.sobject('Opportunity').create({ Name: 'Deal', StageName: 'Prospecting', CloseDate: '2026-12-31', AccountId: account })
    ).id!;
    const caseId = (await conn.sobject('Case').create({ Subject: 'Broken', AccountId: account, ContactId: contact })).id!;
    const caseNumber = (await conn.sobject('Case').retrieve(caseId)).CaseNumber as string;
    await expect(conn.sobject('Account').destroy(account)).rejects.toMatchObject({
      errorCode: 'DELETE_FAILED',
      message: `Your attempt to delete Has Cases Ltd could not be completed because it is associated with the following cases.: ${caseNumber}`,
    });
    // In a collection the refusal is that record's result; the others are deleted.
    const other = (await conn.sobject('Account').create({ Name: 'No Cases Ltd' })).id!;
    const results = await conn.sobject('Account').destroy([account, other], { allOrNone: false });
    expect(results.map((r) => [r.success, r.success ? null : r.errors[0]])).toEqual([
      [false, expect.objectContaining({ statusCode: 'DELETE_FAILED' })],
      [true, null],
    ]);
    const deleted = async (ids: string[]) =>
      (
        await conn.query<{ IsDeleted: boolean }>(`SELECT IsDeleted FROM Account WHERE Id IN ('${ids.join("','")}')`, { scanAll: true })
      ).records.map((r) => r.IsDeleted);
    expect(await deleted([account])).toEqual([false]);
    const describe = await conn.sobject('Account').describe();
    expect(describe.childRelationships.find((r) => r.childSObject === 'Case' && r.field === 'AccountId')).toMatchObject({
      cascadeDelete: false,
      restrictedDelete: true,
    });
    // Once its case is gone, the account goes, and takes its contact and opportunity along.
    await conn.sobject('Case').destroy(caseId);
    await conn.sobject('Account').destroy(account);
    const gone = await conn.query<{ Id: string; IsDeleted: boolean }>(`SELECT Id, IsDeleted FROM Contact WHERE Id = '${contact}'`, {
      scanAll: true,
    });
    expect(gone.records[0]!.IsDeleted).toBe(true);
    const oppGone = await conn.query<{ IsDeleted: boolean }>(`SELECT IsDeleted FROM Opportunity WHERE Id = '${opp}'`, { scanAll: true });
    expect(oppGone.records[0]!.IsDeleted).toBe(true);
  });

  it('has Lead record types: describe lists them after Master, new leads get the default, an inactive one is refused', async () => {
    const types = await conn.query<{ Id: string; DeveloperName: string; IsActive: boolean }>(
      "SELECT Id, DeveloperName, IsActive FROM RecordType WHERE SobjectType = 'Lead' ORDER BY DeveloperName",
    );
    const byName = Object.fromEntries(types.records.map((r) => [r.DeveloperName, r]));
    expect(types.records.map((r) => [r.DeveloperName, r.IsActive])).toEqual([
      ['Inbound', true],
      ['Legacy', false],
      ['Partner', true],
    ]);
    // jsforce's RecordTypeInfo type predates developerName.
    type Info = { developerName: string; available: boolean; defaultRecordTypeMapping: boolean; master: boolean };
    const infos = (await conn.sobject('Lead').describe()).recordTypeInfos as unknown as Info[];
    expect(infos.map((i) => [i.developerName, i.available, i.defaultRecordTypeMapping, i.master])).toEqual([
      ['Inbound', true, true, false],
      ['Partner', true, false, false],
      ['Legacy', false, false, false],
      ['Master', false, false, true],
    ]);
    expect((await conn.sobject('Account').describe()).recordTypeInfos).toMatchObject([
      { developerName: 'Master', master: true, available: true, recordTypeId: '012000000000000AAA' },
    ]);
    const lead = (fields: Record<string, unknown>) => conn.sobject('Lead').create({ LastName: 'Typed', Company: 'RT Co', ...fields });
    const plain = (await lead({ FirstName: 'a' })).id!;
    const partner = (await lead({ FirstName: 'b', RecordTypeId: byName.Partner!.Id })).id!;
    const read = await conn.query<{ Id: string; RecordType: { DeveloperName: string } }>(
      `SELECT Id, RecordType.DeveloperName FROM Lead WHERE Id IN ('${plain}', '${partner}') ORDER BY FirstName`,
    );
    expect(read.records.map((r) => r.RecordType.DeveloperName)).toEqual(['Inbound', 'Partner']);
    await expect(lead({ RecordTypeId: byName.Legacy!.Id })).rejects.toMatchObject({
      errorCode: 'INVALID_CROSS_REFERENCE_KEY',
      message: `Record Type ID: this ID value isn't valid for the user: ${byName.Legacy!.Id}`,
    });
  });

  it('answers EntityDefinition queries (what SFDMU describes an org with)', async () => {
    const q =
      'SELECT QualifiedApiName, Label, KeyPrefix, IsQueryable FROM EntityDefinition WHERE IsDeprecatedAndHidden = false ORDER BY QualifiedApiName';
    const defs = await conn.query<{ QualifiedApiName: string; Label: string; KeyPrefix: string; IsQueryable: boolean }>(q);
    const global = await conn.describeGlobal();
    expect(defs.records.map((r) => r.QualifiedApiName)).toEqual(global.sobjects.map((o) => o.name).sort());
    expect(defs.records.find((r) => r.QualifiedApiName === 'Account')).toMatchObject({
      Label: 'Account',
      KeyPrefix: '001',
      IsQueryable: true,
    });
    const custom = await conn.query<{ DurableId: string; DeveloperName: string }>(
      "SELECT DurableId, DeveloperName FROM EntityDefinition WHERE QualifiedApiName = 'Project__c'",
    );
    expect(custom.records[0]).toMatchObject({ DeveloperName: 'Project', DurableId: expect.stringMatching(/^01I/) });
    // As Salesforce answers them: no record Id of their own, addressed by DurableId.
    const ids = await conn.query<{ Id: string; DurableId: string; attributes: { type: string; url: string } }>(
      "SELECT Id, DurableId FROM EntityDefinition WHERE QualifiedApiName IN ('Account', 'Project__c')",
    );
    expect(ids.records.map((r) => r.Id)).toEqual(['000000000000000AAA', '000000000000000AAA']);
    for (const r of ids.records) expect(r.attributes.url).toBe(`/services/data/v62.0/sobjects/EntityDefinition/${r.DurableId}`);
  });

  it('serves the Tooling API: query, describe, and selecting an entity for CDC with FullName and Metadata', async () => {
    const defs = await conn.tooling.query<{ QualifiedApiName: string }>(
      "SELECT QualifiedApiName FROM EntityDefinition WHERE QualifiedApiName = 'Lead'",
    );
    expect(defs.records).toEqual([expect.objectContaining({ QualifiedApiName: 'Lead' })]);
    // The Tooling API's own answer fields, which jsforce's query result leaves out.
    const raw = await conn.request<Record<string, unknown>>(
      `/services/data/v62.0/tooling/query?q=${encodeURIComponent('SELECT Id FROM RecordType')}`,
    );
    expect(raw).toMatchObject({ size: 3, totalSize: 3, done: true, queryLocator: null, entityTypeName: 'RecordType' });
    expect((await conn.tooling.describeGlobal()).sobjects.map((o) => o.name)).toContain('PlatformEventChannelMember');
    const created = await conn.tooling.sobject('PlatformEventChannelMember').create({
      FullName: 'ChangeEvents_LeadChangeEvent',
      Metadata: { eventChannel: 'ChangeEvents', selectedEntity: 'LeadChangeEvent' },
    });
    expect(created.success).toBe(true);
    const members = await conn.tooling.query<{ SelectedEntity: string }>(
      "SELECT SelectedEntity FROM PlatformEventChannelMember WHERE EventChannel = 'ChangeEvents'",
    );
    expect(members.records.map((r) => r.SelectedEntity)).toContain('LeadChangeEvent');
    // @salesforce/core decides an org has no source tracking from exactly this answer.
    await expect(conn.tooling.sobject('SourceMember').describe()).rejects.toMatchObject({
      errorCode: 'NOT_FOUND',
      message: 'The requested resource does not exist',
    });
    await expect(conn.tooling.query('SELECT Id FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
  });

  it('answers bad input with Salesforce errors', async () => {
    await expect(conn.query('SELECT Nope FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    await expect(conn.query('SELECT Id FROM Nope__c')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
    await expect(conn.query('SELECT Id FROM')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    await expect(conn.sobject('Account').retrieve('001000000000000AAA')).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
    await expect(conn.sobject('Account').create({ Nope__c: 1 })).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    await expect(conn.sobject('Account').create({ Industry: 'Energy' })).rejects.toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING' });
  });

  it('refreshes the token after INVALID_SESSION_ID', async () => {
    const before = conn.accessToken;
    emu.org.sessions.expire();
    const res = await conn.query<{ Id: string }>('SELECT Id FROM User LIMIT 1');
    expect(res.totalSize).toBe(1);
    expect(conn.accessToken).not.toBe(before);
    expect(conn.accessToken).toMatch(new RegExp(`^${emu.orgId}!`));
  });
});
