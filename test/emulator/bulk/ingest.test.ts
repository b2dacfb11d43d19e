import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsforce from 'jsforce';
import { parse } from 'csv-parse/sync';
import { startEmulator, type EmulatorHandle } from '../server.js';
import type { Transaction } from '../data/changes.js';
import { RowState } from '../data/table.js';
import { effectivePermissions } from '../data/permissions.js';

describe('Bulk API 2.0 ingest jobs', () => {
  let emu: EmulatorHandle;
  let conn: jsforce.Connection;
  let base: string;
  let auth: Record<string, string>;
  const txs: Transaction[] = [];

  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, 'Content-Type': type },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: text && type === 'application/json' ? (JSON.parse(text) as unknown) : null };
  };

  /** Create, upload, close, wait: the job's final info. */
  const ingest = async (job: Record<string, unknown>, csv: string): Promise<{ id: string; info: Record<string, unknown> }> => {
    const created = await call('POST', '/jobs/ingest', job);
    expect(created.status).toBe(200);
    const id = (created.json as { id: string }).id;
    expect((await call('PUT', `/jobs/ingest/${id}/batches`, csv, 'text/csv')).status).toBe(201);
    expect((await call('PATCH', `/jobs/ingest/${id}`, { state: 'UploadComplete' })).status).toBe(200);
    for (;;) {
      const info = (await call('GET', `/jobs/ingest/${id}`)).json as Record<string, unknown>;
      if (['JobComplete', 'Failed', 'Aborted'].includes(info.state as string)) return { id, info };
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  const results = async (id: string, file: string): Promise<Array<Record<string, string>>> =>
    parse((await call('GET', `/jobs/ingest/${id}/${file}`, undefined, 'text/csv')).text, { columns: true }) as Array<
      Record<string, string>
    >;

  beforeAll(async () => {
    emu = await startEmulator({ records: 2000, seed: 9 });
    emu.org.onTransaction((tx) => txs.push(tx));
    base = `${emu.instanceUrl}/services/data/v62.0`;
    auth = { Authorization: `Bearer ${emu.accessToken}` };
    conn = new jsforce.Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.accessToken, version: '62.0' });
    conn.bulk2.pollInterval = 20;
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('inserts with jsforce loadAndWaitForResults: successful and failed results, writes seen as Transactions', async () => {
    txs.length = 0;
    const res = await conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'insert',
      input: 'Name,Phone,NumberOfEmployees\nBulk One,111,5\nBulk Two,222,\n,333,7\nBulk Four,444,many\n',
    });
    const successful = res.successfulResults as unknown as Array<Record<string, string>>;
    const failed = res.failedResults as unknown as Array<Record<string, string>>;
    expect(successful).toHaveLength(2);
    expect(failed).toHaveLength(2);
    expect(res.unprocessedRecords).toHaveLength(0);
    const one = successful.find((r) => r.Name === 'Bulk One')!;
    expect(one).toMatchObject({ sf__Created: 'true', Phone: '111', NumberOfEmployees: '5' });
    const loc = emu.org.locate(one.sf__Id as string)!;
    expect(loc.table.get(loc.row, 'Name')).toBe('Bulk One');
    expect(loc.table.get(loc.row, 'NumberOfEmployees')).toBe(5);
    const missing = failed.find((r) => r.Phone === '333')!;
    expect(missing.sf__Error).toMatch(/^REQUIRED_FIELD_MISSING:Required fields are missing: \[Name\]/);
    expect(missing.sf__Id).toBe('');
    expect(failed.find((r) => r.Phone === '444')!.sf__Error).toMatch(/^JSON_PARSER_ERROR/);
    const created = txs.flatMap((t) => t.changes).filter((c) => c.kind === 'create' && c.sobject === 'Account');
    expect(created.map((c) => c.id).sort()).toEqual(successful.map((r) => r.sf__Id).sort());
  });

  it('updates: an empty value leaves a field alone, #N/A sets it to null; job info counts records', async () => {
    const id = emu.org.create('Account', { Name: 'Keep Me', Phone: '999', Website: 'https://x.test' });
    const { id: jobId, info } = await ingest(
      { object: 'Account', operation: 'update' },
      `Id,Name,Phone,Website\n${id},Kept,,#N/A\n001000000000000AAA,Ghost,,\n`,
    );
    expect(info).toMatchObject({ state: 'JobComplete', jobType: 'V2Ingest', numberRecordsProcessed: 2, numberRecordsFailed: 1 });
    const loc = emu.org.locate(id)!;
    expect(loc.table.get(loc.row, 'Name')).toBe('Kept');
    expect(loc.table.get(loc.row, 'Phone')).toBe('999');
    expect(loc.table.get(loc.row, 'Website')).toBeNull();
    expect(await results(jobId, 'successfulResults/')).toEqual([
      { sf__Id: id, sf__Created: 'false', Id: id, Name: 'Kept', Phone: '', Website: '#N/A' },
    ]);
    const [failed] = await results(jobId, 'failedResults/');
    expect(failed).toMatchObject({ Id: '001000000000000AAA', Name: 'Ghost' });
    expect(failed!.sf__Error).toMatch(/^(INVALID_CROSS_REFERENCE_KEY|MALFORMED_ID)/);
  });

  it('upserts by external id and sets lookups from a parent external id column', async () => {
    const { id: jobId, info } = await ingest(
      { object: 'Project__c', operation: 'upsert', externalIdFieldName: 'External_Id__c' },
      'External_Id__c,Name,Budget__c\nEXT-1,Bulk Project 1,100\nEXT-2,Bulk Project 2,200\n',
    );
    expect(info).toMatchObject({ state: 'JobComplete', externalIdFieldName: 'External_Id__c' });
    expect((await results(jobId, 'successfulResults/')).map((r) => r.sf__Created)).toEqual(['true', 'true']);
    const again = await ingest(
      { object: 'Project__c', operation: 'upsert', externalIdFieldName: 'External_Id__c' },
      'External_Id__c,Name\nEXT-1,Bulk Project 1 renamed\n',
    );
    const [updated] = await results(again.id, 'successfulResults/');
    expect(updated!.sf__Created).toBe('false');
    const loc = emu.org.locate(updated!.sf__Id!)!;
    expect(loc.table.get(loc.row, 'Name')).toBe('Bulk Project 1 renamed');
    expect(loc.table.get(loc.row, 'Budget__c')).toBe(100);

    const invoices = await ingest(
      { object: 'Invoice__c', operation: 'insert' },
      'Project__r.External_Id__c,Amount__c\nEXT-2,50\nEXT-404,60\n',
    );
    const [made] = await results(invoices.id, 'successfulResults/');
    const inv = emu.org.locate(made!.sf__Id!)!;
    const project = emu.org.locate(inv.table.get(inv.row, 'Project__c') as string)!;
    expect(project.table.get(project.row, 'External_Id__c')).toBe('EXT-2');
    const [bad] = await results(invoices.id, 'failedResults/');
    expect(bad!.sf__Error).toContain('Foreign key external ID: EXT-404 not found');
  });

  it('deletes to the recycle bin and hard-deletes for good', async () => {
    const a = emu.org.create('Lead', { LastName: 'Soft', Company: 'Bin Co' });
    const b = emu.org.create('Lead', { LastName: 'Hard', Company: 'Gone Co' });
    await ingest({ object: 'Lead', operation: 'delete' }, `Id\n${a}\n`);
    expect(emu.org.locate(a)!.state).toBe(RowState.Deleted);
    const res = await conn.bulk2.loadAndWaitForResults({ object: 'Lead', operation: 'hardDelete', input: `Id\n${b}\n` });
    expect(res.successfulResults.map((r) => r.sf__Id)).toEqual([b]);
    expect(emu.org.locate(b)!.state).toBe(RowState.Gone);
  });

  it('refuses hardDelete jobs to users without the permission', async () => {
    const users = emu.org.table('User');
    let row = 0;
    while (effectivePermissions(emu.org, users.idOf(row)).PermissionsModifyAllData) row++;
    const token = emu.org.sessions.issueAccessToken(users.idOf(row));
    const res = await fetch(`${base}/jobs/ingest`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ object: 'Lead', operation: 'hardDelete' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual([expect.objectContaining({ errorCode: 'FEATURENOTENABLED' })]);
  });

  it('keeps rows of an aborted job as unprocessed records', async () => {
    const created = await call('POST', '/jobs/ingest', { object: 'Account', operation: 'insert' });
    const id = (created.json as { id: string }).id;
    await call('PUT', `/jobs/ingest/${id}/batches`, 'Name\nNever One\nNever Two\n', 'text/csv');
    expect((await call('PATCH', `/jobs/ingest/${id}`, { state: 'Aborted' })).json).toMatchObject({ state: 'Aborted' });
    expect((await results(id, 'unprocessedrecords/')).map((r) => r.Name)).toEqual(['Never One', 'Never Two']);
    expect(await results(id, 'successfulResults/')).toEqual([]);
    expect((await call('PUT', `/jobs/ingest/${id}/batches`, 'Name\nLate\n', 'text/csv')).status).toBe(400);
  });

  it('fails a job whose columns the object does not have, and answers bad job bodies with 400', async () => {
    const { info } = await ingest({ object: 'Account', operation: 'insert' }, 'Name,Nope__c\nX,1\n');
    expect(info).toMatchObject({ state: 'Failed', errorMessage: 'InvalidBatch : Field name not found : Nope__c' });
    expect(await call('POST', '/jobs/ingest', { object: 'Account', operation: 'merge' })).toMatchObject({ status: 400 });
    expect(await call('POST', '/jobs/ingest', { object: 'Nope__c', operation: 'insert' })).toMatchObject({
      status: 400,
      json: [{ errorCode: 'INVALIDJOB' }],
    });
    expect(await call('POST', '/jobs/ingest', { object: 'Account', operation: 'upsert', externalIdFieldName: 'Name' })).toMatchObject({
      status: 400,
    });
    expect((await call('GET', '/jobs/ingest/7508d0000000zzzAAA')).status).toBe(404);
  });
});
