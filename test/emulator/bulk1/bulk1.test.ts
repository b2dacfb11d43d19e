import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsforce1 from 'jsforce1';
import { startEmulator, type EmulatorHandle } from '../server.js';

describe('Bulk API 1.0, through jsforce 1.x', () => {
  let emu: EmulatorHandle;
  let conn: InstanceType<typeof jsforce1.Connection>;
  const base = () => `${emu.instanceUrl}/services/async/62.0`;
  const call = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { 'X-SFDC-Session': emu.accessToken, 'Content-Type': 'application/xml; charset=UTF-8', ...headers },
      body,
    });
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
  };
  const tag = (xml: string, name: string): string[] => [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1]!);
  const until = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
  };
  const records = (soql: string) =>
    new Promise<Array<Record<string, string>>>((resolve, reject) => {
      const out: Array<Record<string, string>> = [];
      conn.bulk
        .query(soql)
        .on('record', (r: Record<string, string>) => out.push(r))
        .on('end', () => resolve(out))
        .on('error', reject);
    });

  beforeAll(async () => {
    emu = await startEmulator({ records: 1500, seed: 9, cdc: false });
    conn = new jsforce1.Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.accessToken, version: '50.0' });
    conn.bulk.pollInterval = 25;
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('bulk.load inserts, upserts by external id, updates and deletes, with per-record errors', async () => {
    const inserted = await conn.bulk.load('Project__c', 'insert', [
      { Name: 'Bulk one', External_Id__c: 'B1-1', Budget__c: 10 },
      { Name: 'Bulk two', External_Id__c: 'B1-2' },
      { External_Id__c: 'B1-3' },
    ]);
    expect(inserted.map((r) => r.success)).toEqual([true, true, false]);
    expect(inserted[2]!.errors[0]).toMatch(/^REQUIRED_FIELD_MISSING:Required fields are missing: \[Name\]/);
    const upserted = await conn.bulk.load('Project__c', 'upsert', { extIdField: 'External_Id__c' }, [
      { External_Id__c: 'B1-1', Name: 'Bulk one, again' },
      { External_Id__c: 'B1-4', Name: 'Bulk four' },
    ]);
    expect(upserted.map((r) => r.success)).toEqual([true, true]);
    expect(upserted[0]!.id).toBe(inserted[0]!.id);
    const projects = emu.org.table('Project__c');
    expect(projects.get(projects.rowOf(inserted[0]!.id!), 'Name')).toBe('Bulk one, again');
    await conn.bulk.load('Project__c', 'update', [{ Id: inserted[1]!.id, Budget__c: 99 }]);
    expect(projects.get(projects.rowOf(inserted[1]!.id!), 'Budget__c')).toBe(99);
    const deleted = await conn.bulk.load('Project__c', 'delete', [{ Id: inserted[0]!.id }]);
    expect(deleted[0]).toMatchObject({ id: inserted[0]!.id, success: true });
    expect(emu.org.locate(inserted[0]!.id!)!.state).toBe(1);
    // A batch whose header names no field of the object fails as a whole.
    const failing = await conn.bulk.load('Account', 'insert', [{ Nope__c: 'x' }]).then(
      () => null,
      (e: Error) => e,
    );
    expect(String(failing)).toMatch(/Field name not found : Nope__c/);
  });

  it('bulk.query returns every record with parent fields', async () => {
    const rows = await records('SELECT Id, Name, Account.Name FROM Contact');
    expect(rows).toHaveLength(emu.org.table('Contact').size);
    const withParent = rows.find((r) => r['Account.Name']);
    expect(withParent).toBeDefined();
  });

  it('PK chunking splits a query into a batch per Id range; the original batch is NotProcessed', async () => {
    const created = await call(
      'POST',
      '/job',
      '<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><operation>query</operation><object>Contact</object><contentType>CSV</contentType></jobInfo>',
      { 'Sforce-Enable-PKChunking': 'chunkSize=100' },
    );
    expect(created.status).toBe(201);
    const jobId = tag(created.text, 'id')[0]!;
    const batch = await call('POST', `/job/${jobId}/batch`, 'SELECT Id FROM Contact', { 'Content-Type': 'text/csv' });
    expect(tag(batch.text, 'state')).toEqual(['NotProcessed']);
    const total = emu.org.table('Contact').size;
    let list = '';
    await until(async () => {
      list = (await call('GET', `/job/${jobId}/batch`)).text;
      return tag(list, 'state').filter((s) => s === 'Completed').length === Math.ceil(total / 100);
    });
    const ids = new Set<string>();
    for (const id of tag(list, 'id').filter((id) => id.startsWith('751'))) {
      const request = (await call('GET', `/job/${jobId}/batch/${id}/request`)).text;
      const result = await call('GET', `/job/${jobId}/batch/${id}/result`);
      if (request === 'SELECT Id FROM Contact') continue;
      expect(request).toMatch(/^SELECT Id FROM Contact WHERE Id >= '003\w{12}'/);
      for (const r of tag(result.text, 'result')) {
        const csv = (await call('GET', `/job/${jobId}/batch/${id}/result/${r}`)).text;
        for (const line of csv.trim().split('\n').slice(1)) ids.add(line);
      }
    }
    expect(ids.size).toBe(total);
    await call('POST', `/job/${jobId}`, '<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><state>Closed</state></jobInfo>');
  });

  it('JSON jobs take JSON records and answer JSON, with datetimes as epoch milliseconds', async () => {
    const json = { 'Content-Type': 'application/json' };
    const job = JSON.parse(
      (await call('POST', '/job', JSON.stringify({ operation: 'insert', object: 'Account', contentType: 'JSON' }), json)).text,
    );
    const batch = JSON.parse(
      (await call('POST', `/job/${job.id}/batch`, JSON.stringify([{ Name: 'Json One' }, { Name: null }]), json)).text,
    );
    await until(
      async () => JSON.parse((await call('GET', `/job/${job.id}/batch/${batch.id}`, undefined, json)).text).state === 'Completed',
    );
    const results = JSON.parse((await call('GET', `/job/${job.id}/batch/${batch.id}/result`, undefined, json)).text);
    expect(results).toMatchObject([
      { success: true, created: true },
      { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING' }] },
    ]);
    const q = JSON.parse(
      (await call('POST', '/job', JSON.stringify({ operation: 'query', object: 'Account', contentType: 'JSON' }), json)).text,
    );
    const qb = JSON.parse(
      (await call('POST', `/job/${q.id}/batch`, `SELECT Id, Name, CreatedDate FROM Account WHERE Id = '${results[0].id}'`, json)).text,
    );
    await until(async () => JSON.parse((await call('GET', `/job/${q.id}/batch/${qb.id}`, undefined, json)).text).state === 'Completed');
    const [resultId] = JSON.parse((await call('GET', `/job/${q.id}/batch/${qb.id}/result`, undefined, json)).text);
    const rows = JSON.parse((await call('GET', `/job/${q.id}/batch/${qb.id}/result/${resultId}`, undefined, json)).text);
    expect(rows).toMatchObject([{ attributes: { type: 'Account' }, Id: results[0].id, Name: 'Json One' }]);
    expect(typeof rows[0].CreatedDate).toBe('number');
  });

  it('answers errors as Salesforce does', async () => {
    const bad = await fetch(`${base()}/job`, { method: 'POST', headers: { 'X-SFDC-Session': 'nope' }, body: '<jobInfo/>' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('<exceptionCode>InvalidSessionId</exceptionCode>');
    const broken = await call('POST', '/job', '<jobInfo><operation>insert');
    expect(tag(broken.text, 'exceptionCode')).toEqual(['InvalidXML']);
    const unknown = await call('POST', '/job', '<jobInfo><operation>insert</operation><object>Nope__c</object></jobInfo>');
    expect(tag(unknown.text, 'exceptionCode')).toEqual(['InvalidJob']);
    const missing = await call('GET', '/job/750000000000000AAA');
    expect(tag(missing.text, 'exceptionCode')).toEqual(['InvalidJob']);
  });
});
