import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsforce from 'jsforce';
import { parse } from 'csv-parse/sync';
import { startEmulator, type EmulatorHandle } from '../server.js';
import { executeSoql, rowValues } from '../soql/execute.js';
import { isoDateTime } from '../data/values.js';

interface Page {
  status: number;
  locator: string | null;
  count: number;
  encoding: string | null;
  text: string;
}

describe('Bulk API 2.0 query jobs', () => {
  let emu: EmulatorHandle;
  let now = Date.UTC(2026, 0, 15, 12);
  let base: string;
  let auth: Record<string, string>;

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${base}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  };

  const createJob = async (query: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const res = await call('POST', '/jobs/query', { operation: 'query', query, ...extra });
    expect(res.status).toBe(200);
    return (res.json as { id: string }).id;
  };

  const waitFor = async (id: string, kind = 'query'): Promise<Record<string, unknown>> => {
    for (;;) {
      const info = (await call('GET', `/jobs/${kind}/${id}`)).json as Record<string, unknown>;
      if (['JobComplete', 'Failed', 'Aborted'].includes(info.state as string)) return info;
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  const page = async (id: string, query: string, headers: Record<string, string> = {}): Promise<Page> => {
    const res = await fetch(`${base}/jobs/query/${id}/results${query}`, { headers: { ...auth, Accept: 'text/csv', ...headers } });
    return {
      status: res.status,
      locator: res.headers.get('sforce-locator'),
      count: Number(res.headers.get('sforce-numberofrecords')),
      encoding: res.headers.get('content-encoding'),
      text: await res.text(),
    };
  };

  const allPages = async (id: string, maxRecords: number): Promise<Page[]> => {
    const pages: Page[] = [];
    let locator: string | null = null;
    do {
      const p = await page(id, `?maxRecords=${maxRecords}${locator ? `&locator=${locator}` : ''}`);
      expect(p.status).toBe(200);
      pages.push(p);
      locator = p.locator;
    } while (locator !== 'null');
    return pages;
  };

  beforeAll(async () => {
    emu = await startEmulator({ records: 4000, seed: 5, clock: () => now, anchorTime: Date.UTC(2026, 0, 1) });
    base = `${emu.instanceUrl}/services/data/v62.0`;
    auth = { Authorization: `Bearer ${emu.accessToken}`, 'Content-Type': 'application/json' };
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('answers jsforce bulk2.query (one page) with exactly the org rows', async () => {
    const conn = new jsforce.Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.accessToken, version: '62.0' });
    conn.bulk2.pollInterval = 20;
    const stream = await conn.bulk2.query('SELECT Id, Name, Owner.Name FROM Account');
    const records: Array<Record<string, string>> = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('record', (r: Record<string, string>) => records.push(r));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const expected = executeSoql(emu.org, 'SELECT Id, Name, Owner.Name FROM Account');
    expect(records.map((r) => r.Id)).toEqual(Array.from(expected.rows, (row) => emu.org.table('Account').idOf(row)));
    expect(records[0]).toEqual({ Id: expect.any(String), Name: expect.any(String), 'Owner.Name': expect.any(String) });
  });

  it('moves through its states and pages by locator until "null", giving exactly the org rows', async () => {
    const soql = 'SELECT Id, Name, Email, Birthdate, HasOptedOutOfEmail, CreatedDate, Account.Name FROM Contact';
    const created = await call('POST', '/jobs/query', { operation: 'query', query: soql });
    expect(created.json).toMatchObject({
      operation: 'query',
      object: 'Contact',
      state: 'UploadComplete',
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: 62,
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
      createdById: emu.userId,
    });
    const id = (created.json as { id: string }).id;
    expect(id).toMatch(/^750/);
    const done = await waitFor(id);
    const expected = executeSoql(emu.org, soql);
    expect(done).toMatchObject({ state: 'JobComplete', jobType: 'V2Query', numberRecordsProcessed: expected.totalSize, retries: 0 });

    const pages = await allPages(id, 333);
    expect(pages.length).toBe(Math.ceil(expected.totalSize / 333));
    expect(pages.at(-1)!.locator).toBe('null');
    expect(new Set(pages.map((p) => p.locator)).size).toBe(pages.length);
    const rows: string[][] = [];
    for (const p of pages) {
      expect(p.text.split('\n')[0]).toBe('"Id","Name","Email","Birthdate","HasOptedOutOfEmail","CreatedDate","Account.Name"');
      const parsed = parse(p.text, { from_line: 2 }) as string[][];
      expect(parsed).toHaveLength(p.count);
      rows.push(...parsed);
    }
    const want = Array.from({ length: expected.totalSize }, (_, i) =>
      rowValues(expected, i).map((v, c) =>
        v === null ? '' : expected.columns[c]!.field.type === 'datetime' ? isoDateTime(v as number) : String(v),
      ),
    );
    expect(rows).toEqual(want);
    // A locator can be read again while the job exists.
    const again = await page(id, `?maxRecords=333&locator=${pages[0]!.locator}`);
    expect(again.text).toBe(pages[1]!.text);
  });

  it('writes RFC 4180 CSV: every value quoted, quotes doubled, nulls empty, the delimiter and line ending asked for', async () => {
    const accountId = emu.org.create('Account', { Name: 'Quote "Inc", Line\nTwo', Phone: null, AnnualRevenue: 1234.5 });
    const id = await createJob(`SELECT Id, Name, Phone, AnnualRevenue FROM Account WHERE Id = '${accountId}'`, {
      columnDelimiter: 'SEMICOLON',
      lineEnding: 'CRLF',
    });
    await waitFor(id);
    const p = await page(id, '');
    expect(p.locator).toBe('null');
    expect(p.text).toBe(`"Id";"Name";"Phone";"AnnualRevenue"\r\n"${accountId}";"Quote ""Inc"", Line\nTwo";;"1234.5"\r\n`);
  });

  it('compresses results for Accept-Encoding: gzip', async () => {
    const id = await createJob('SELECT Id, Name FROM Account');
    await waitFor(id);
    const plain = await page(id, '', { 'Accept-Encoding': 'identity' });
    const gzipped = await page(id, '', { 'Accept-Encoding': 'gzip' });
    expect(plain.encoding).toBeNull();
    expect(gzipped.encoding).toBe('gzip');
    expect(gzipped.text).toBe(plain.text);
  });

  it('keeps the result set of the moment the job ran: later changes do not shift pages', async () => {
    const id = await createJob('SELECT Id FROM Lead');
    await waitFor(id);
    const before = await allPages(id, 100);
    const leads = executeSoql(emu.org, 'SELECT Id FROM Lead');
    const first = emu.org.table('Lead').idOf(leads.rows[0]!);
    emu.org.delete(first);
    emu.org.create('Lead', { LastName: 'Newcomer', Company: 'Late Ltd' });
    const after = await allPages(id, 100);
    expect(after.map((p) => p.text)).toEqual(before.map((p) => p.text));
    emu.org.undelete(first);
  });

  it('queryAll includes the recycle bin, query does not', async () => {
    const victim = emu.org.create('Case', { Subject: 'to be deleted' });
    emu.org.delete(victim);
    const live = await createJob('SELECT Id, IsDeleted FROM Case');
    const all = await createJob('SELECT Id, IsDeleted FROM Case', { operation: 'queryAll' });
    await waitFor(live);
    await waitFor(all);
    expect((await page(live, '')).text).not.toContain(victim);
    expect((await page(all, '')).text).toContain(`"${victim}","true"`);
  });

  it('answers bad input as Salesforce does', async () => {
    const bad = async (body: unknown) => call('POST', '/jobs/query', body);
    expect(await bad({ operation: 'select', query: 'SELECT Id FROM Account' })).toMatchObject({
      status: 400,
      json: [{ errorCode: 'JSON_PARSER_ERROR' }],
    });
    expect(await bad({ operation: 'query' })).toMatchObject({ status: 400, json: [{ errorCode: 'INVALIDJOB' }] });
    expect(await bad({ operation: 'query', query: 'SELECT Id FORM Account' })).toMatchObject({
      status: 400,
      json: [{ errorCode: 'MALFORMED_QUERY' }],
    });
    expect(await bad({ operation: 'query', query: 'SELECT Nope FROM Account' })).toMatchObject({
      status: 400,
      json: [{ errorCode: 'INVALID_FIELD' }],
    });
    expect(await bad({ operation: 'query', query: 'SELECT Id FROM Nope__c' })).toMatchObject({
      status: 400,
      json: [{ errorCode: 'INVALID_TYPE' }],
    });
    for (const q of [
      'SELECT Industry FROM Account GROUP BY Industry',
      'SELECT COUNT() FROM Account',
      'SELECT Id FROM Account LIMIT 5 OFFSET 10',
      'SELECT FIELDS(ALL) FROM Account LIMIT 200',
      'SELECT Id, (SELECT Id FROM Contacts) FROM Account',
      'SELECT Id, BillingAddress FROM Account',
    ]) {
      expect(await bad({ operation: 'query', query: q })).toMatchObject({ status: 400, json: [{ errorCode: 'API_ERROR' }] });
    }
    expect(await bad({ operation: 'query', query: 'SELECT Id FROM UserPermissionAccess' })).toMatchObject({
      status: 400,
      json: [{ errorCode: 'INVALIDENTITY', message: "Entity 'UserPermissionAccess' is not supported by the Bulk API." }],
    });
    expect(await bad('not json at all')).toMatchObject({ status: 400 });
    const old = await fetch(`${emu.instanceUrl}/services/data/v46.0/jobs/query`, { method: 'POST', headers: auth, body: '{}' });
    expect(old.status).toBe(404);
    const unknown = await call('GET', '/jobs/query/7508d0000000zzzAAA');
    expect(unknown).toEqual({ status: 404, json: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] });
    expect((await page('7508d0000000zzzAAA', '')).status).toBe(404);
    const id = await createJob('SELECT Id FROM Account');
    await waitFor(id);
    expect((await page(id, '?locator=bm9wZQ')).status).toBe(400);
    expect((await page(id, '?maxRecords=-3')).status).toBe(400);
  });

  it('aborts, lists and deletes jobs; jobs are gone seven days after they end', async () => {
    const id = await createJob('SELECT Id FROM Account');
    const aborted = await call('PATCH', `/jobs/query/${id}`, { state: 'Aborted' });
    expect(aborted).toMatchObject({ status: 200, json: { id, state: 'Aborted' } });
    expect((await waitFor(id)).state).toBe('Aborted');
    expect((await page(id, '')).status).toBe(400);
    const list = (await call('GET', '/jobs/query')).json as { done: boolean; records: Array<{ id: string }> };
    expect(list.done).toBe(true);
    expect(list.records.map((r) => r.id)).toContain(id);
    expect((await call('DELETE', `/jobs/query/${id}`)).status).toBe(204);
    expect((await call('GET', `/jobs/query/${id}`)).status).toBe(404);

    const old = await createJob('SELECT Id FROM Account');
    await waitFor(old);
    now += 6 * 86_400_000;
    expect((await call('GET', `/jobs/query/${old}`)).status).toBe(200);
    now += 2 * 86_400_000;
    expect((await call('GET', `/jobs/query/${old}`)).status).toBe(404);
  });

  it('counts calls and query jobs against the limits, and reports API usage on results', async () => {
    const before = (await call('GET', '/limits')).json as Record<string, { Remaining: number }>;
    const id = await createJob('SELECT Id FROM Account');
    await waitFor(id);
    const res = await fetch(`${base}/jobs/query/${id}/results`, { headers: auth });
    await res.text();
    expect(res.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/\d+$/);
    const after = (await call('GET', '/limits')).json as Record<string, { Remaining: number }>;
    expect(after.DailyBulkV2QueryJobs!.Remaining).toBe(before.DailyBulkV2QueryJobs!.Remaining - 1);
    expect(after.DailyApiRequests!.Remaining).toBeLessThan(before.DailyApiRequests!.Remaining - 2);
  });

  it('fails jobs when the fault flag says so, and breaks result streams on demand', async () => {
    emu.org.faults.bulkJobFailure = 'InternalServerError';
    const failed = await createJob('SELECT Id FROM Account');
    expect(await waitFor(failed)).toMatchObject({ state: 'Failed', errorMessage: 'InternalServerError' });
    emu.org.faults.clear();

    const id = await createJob('SELECT Id, Name, Description FROM Account');
    await waitFor(id);
    const clean = await page(id, '', { 'Accept-Encoding': 'identity' });
    emu.org.faults.resets.set('csv', { afterBytes: 5000, times: 1 });
    await expect(page(id, '', { 'Accept-Encoding': 'identity' })).rejects.toThrow();
    expect((await page(id, '', { 'Accept-Encoding': 'identity' })).text).toBe(clean.text);
  });
});
