import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsforce from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../server.js';

const MINUTE = 60_000;

describe('getUpdated / getDeleted, sObject collections and blobs through jsforce', () => {
  let emu: EmulatorHandle;
  let conn: jsforce.Connection;
  let now = Date.UTC(2026, 0, 11, 9, 30, 15);

  beforeAll(async () => {
    emu = await startEmulator({ records: 3000, seed: 17, anchorTime: Date.UTC(2026, 0, 10), clock: () => now });
    conn = new jsforce.Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.accessToken, version: '62.0' });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('lists updated and deleted ids in a window, seconds ignored', async () => {
    const start = new Date(now - 10 * MINUTE);
    const [a, b] = (
      await conn.query<{ Id: string }>('SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Case) ORDER BY Id LIMIT 2')
    ).records.map((r) => r.Id);
    await conn.sobject('Account').update({ Id: a!, Description: 'changed' });
    await conn.sobject('Account').destroy(b!);
    now += 2 * MINUTE;
    const updated = await conn.sobject('Account').updated(start.toISOString(), new Date(now).toISOString());
    expect(updated.ids).toContain(a);
    expect(updated.ids).not.toContain(b);
    expect(updated.latestDateCovered).toBe(new Date(Math.floor(now / MINUTE) * MINUTE).toISOString().replace('Z', '+0000'));
    const deleted = await conn.sobject('Account').deleted(start.toISOString(), new Date(now).toISOString());
    expect(deleted.deletedRecords).toEqual([{ id: b, deletedDate: expect.stringMatching(/^2026-01-11T09:30:\d\d\.\d{3}\+0000$/) }]);
    expect(deleted.earliestDateAvailable).toBeTruthy();
    await expect(
      conn.sobject('Account').updated(new Date(now - 31 * 86_400_000).toISOString(), new Date(now).toISOString()),
    ).rejects.toMatchObject({
      errorCode: 'INVALID_REPLICATION_DATE',
    });
    await expect(
      conn.sobject('Account').deleted(new Date(now - 16 * 86_400_000).toISOString(), new Date(now).toISOString()),
    ).rejects.toMatchObject({
      errorCode: 'INVALID_REPLICATION_DATE',
    });
    emu.org.replicationIdLimit = 0;
    await expect(conn.sobject('Account').updated(start.toISOString(), new Date(now).toISOString())).rejects.toMatchObject({
      errorCode: 'EXCEEDED_ID_LIMIT',
    });
    emu.org.replicationIdLimit = 600_000;
  });

  it('creates, updates, upserts and deletes collections, all-or-none when asked', async () => {
    const created = await conn.sobject('Project__c').create([
      { Name: 'Coll 1', External_Id__c: 'EXT-1' },
      { Name: 'Coll 2', External_Id__c: 'EXT-2' },
    ]);
    expect(created.map((r) => r.success)).toEqual([true, true]);
    const ids = created.map((r) => r.id!);

    const failing = await conn.sobject('Project__c').create([{ Name: 'Coll 3' }, { Name: 'Coll 4', Bogus__c: 1 }], { allOrNone: false });
    expect(failing.map((r) => r.success)).toEqual([true, false]);
    expect(failing[1]!.errors[0]).toMatchObject({ statusCode: 'INVALID_FIELD' });

    const before = (await conn.query("SELECT Id FROM Project__c WHERE Name LIKE 'Coll%'")).totalSize;
    const rolledBack = await conn.sobject('Project__c').create([{ Name: 'Coll 5' }, { Name: 'Coll 6', Bogus__c: 1 }], { allOrNone: true });
    expect(rolledBack.map((r) => (r.errors[0] as unknown as { statusCode: string }).statusCode)).toEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'INVALID_FIELD',
    ]);
    expect((await conn.query("SELECT Id FROM Project__c WHERE Name LIKE 'Coll%'")).totalSize).toBe(before);

    const updated = await conn.sobject('Project__c').update(ids.map((Id, i) => ({ Id, Budget__c: 1000 * (i + 1) })));
    expect(updated).toEqual(ids.map((id) => expect.objectContaining({ id, success: true })));

    const upserted = await conn.sobject('Project__c').upsert(
      [
        { Name: 'Coll 1b', External_Id__c: 'EXT-1' },
        { Name: 'Coll New', External_Id__c: 'EXT-NEW' },
      ],
      'External_Id__c',
    );
    expect(upserted.map((r) => [r.success, (r as { created?: boolean }).created])).toEqual([
      [true, false],
      [true, true],
    ]);
    expect((await conn.sobject('Project__c').retrieve(ids[0]!)).Name).toBe('Coll 1b');

    const destroyed = await conn.sobject('Project__c').destroy(ids);
    expect(destroyed.every((r) => r.success)).toBe(true);
    const all = await conn.query<{ Id: string; IsDeleted: boolean }>(
      `SELECT Id, IsDeleted FROM Project__c WHERE Id IN ('${ids.join("','")}')`,
      {
        scanAll: true,
      },
    );
    expect(all.records.every((r) => r.IsDeleted)).toBe(true);
  });

  it('downloads blob bodies that match their checksums', async () => {
    const v = (
      await conn.query<{ Id: string; Checksum: string; ContentSize: number }>(
        'SELECT Id, Checksum, ContentSize FROM ContentVersion LIMIT 1',
      )
    ).records[0]!;
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      conn
        .sobject('ContentVersion')
        .record(v.Id)
        .blob('VersionData')
        .on('data', (c: Buffer) => chunks.push(c))
        .on('end', resolve)
        .on('error', reject);
    });
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBe(v.ContentSize);
    expect(createHash('md5').update(bytes).digest('hex')).toBe(v.Checksum);

    const payload = Buffer.from('attachment body \u00e9\u00e8 with bytes');
    // A live account (an earlier test deleted one of the first few).
    const [parent] = (await conn.query<{ Id: string }>('SELECT Id FROM Account ORDER BY Id DESC LIMIT 1')).records;
    const att = await conn.sobject('Attachment').create({ ParentId: parent!.Id, Name: 'a.txt', Body: payload.toString('base64') });
    const got: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      conn
        .sobject('Attachment')
        .record(att.id!)
        .blob('Body')
        .on('data', (c: Buffer) => got.push(c))
        .on('end', resolve)
        .on('error', reject);
    });
    expect(Buffer.concat(got).equals(payload)).toBe(true);
    const rec = await conn.sobject('Attachment').retrieve(att.id!);
    expect(rec.BodyLength).toBe(payload.length);
    expect(rec.Body).toBe(`/services/data/v62.0/sobjects/Attachment/${att.id}/Body`);
  });
});
