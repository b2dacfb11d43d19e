import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsforce from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../server.js';

interface SubResult {
  body: unknown;
  httpStatusCode: number;
  referenceId: string;
}

describe('/composite, /composite/graph and /composite/batch through jsforce', () => {
  let emu: EmulatorHandle;
  let conn: jsforce.Connection;
  const url = '/services/data/v62.0/composite';
  const log: string[] = [];

  beforeAll(async () => {
    emu = await startEmulator({ records: 600, seed: 31, logRequests: (line) => log.push(line) });
    conn = new jsforce.Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.accessToken, version: '62.0' });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('creates an account and a contact that references it, then reads both back, as one API call', async () => {
    const used = emu.org.limits.usage('DailyApiRequests').used;
    const res = await conn.requestPost<{ compositeResponse: SubResult[] }>(url, {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'acc', body: { Name: 'Composite Co' } },
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Contact',
          referenceId: 'con',
          body: { LastName: 'Ref', AccountId: '@{acc.id}' },
        },
        { method: 'GET', url: '/services/data/v62.0/sobjects/Contact/@{con.id}?fields=AccountId,LastName', referenceId: 'read' },
        {
          method: 'GET',
          url: "/services/data/v62.0/query?q=SELECT+Id,Name+FROM+Account+WHERE+Id='@{read.AccountId}'",
          referenceId: 'q',
        },
      ],
    });
    const [acc, con, read, q] = res.compositeResponse;
    expect(acc).toMatchObject({ httpStatusCode: 201, referenceId: 'acc' });
    expect(con).toMatchObject({ httpStatusCode: 201 });
    const accId = (acc!.body as { id: string }).id;
    expect(read).toMatchObject({ httpStatusCode: 200, body: { AccountId: accId, LastName: 'Ref' } });
    expect(q).toMatchObject({ httpStatusCode: 200, body: { totalSize: 1, records: [{ Id: accId, Name: 'Composite Co' }] } });
    expect(emu.org.limits.usage('DailyApiRequests').used).toBe(used + 1);
    // --log-requests: the composite and each subrequest it served, with their statuses.
    expect(log.some((l) => l.startsWith('POST /services/data/v62.0/sobjects/Contact 201 '))).toBe(true);
    expect(log.some((l) => l.startsWith('POST /services/data/v62.0/composite 200'))).toBe(true);
  });

  it('rolls everything back under allOrNone when a reference is broken', async () => {
    const contact = (await conn.query<{ Id: string; LastName: string }>('SELECT Id, LastName FROM Contact LIMIT 1')).records[0]!;
    const res = await conn.requestPost<{ compositeResponse: SubResult[] }>(url, {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'acc', body: { Name: 'Rolled Back Co' } },
        { method: 'PATCH', url: `/services/data/v62.0/sobjects/Contact/${contact.Id}`, referenceId: 'upd', body: { LastName: 'Changed' } },
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Contact',
          referenceId: 'bad',
          body: { LastName: 'X', AccountId: '@{acc.nope}' },
        },
        { method: 'GET', url: '/services/data/v62.0/limits', referenceId: 'after' },
      ],
    });
    expect(res.compositeResponse.map((r) => r.httpStatusCode)).toEqual([400, 400, 400, 400]);
    expect(res.compositeResponse[2]!.body).toEqual([expect.objectContaining({ errorCode: 'INVALID_REFERENCE' })]);
    expect(res.compositeResponse[3]!.body).toEqual([expect.objectContaining({ errorCode: 'PROCESSING_HALTED' })]);
    expect((await conn.query("SELECT Id FROM Account WHERE Name = 'Rolled Back Co'")).totalSize).toBe(0);
    expect((await conn.sobject('Contact').retrieve(contact.Id)).LastName).toBe(contact.LastName);
  });

  it('runs independent batch subrequests and halts on error when asked', async () => {
    const res = await conn.requestPost<{ hasErrors: boolean; results: Array<{ statusCode: number; result: unknown }> }>(`${url}/batch`, {
      haltOnError: true,
      batchRequests: [
        { method: 'GET', url: 'v62.0/query?q=SELECT+COUNT()+FROM+Account' },
        { method: 'PATCH', url: 'v62.0/sobjects/Account/001000000000000AAA', richInput: { Name: 'x' } },
        { method: 'GET', url: 'v62.0/limits' },
      ],
    });
    expect(res.hasErrors).toBe(true);
    expect(res.results.map((r) => r.statusCode)).toEqual([200, 404, 412]);
    expect(res.results[0]!.result).toMatchObject({ done: true });
  });

  it('runs graphs, each all or none: a graph with a broken node leaves nothing behind, the other commits', async () => {
    type Graph = { graphId: string; isSuccessful: boolean; graphResponse: { compositeResponse: SubResult[] } };
    const node = (referenceId: string, sobject: string, body: Record<string, unknown>) => ({
      method: 'POST',
      url: `/services/data/v62.0/sobjects/${sobject}`,
      referenceId,
      body,
    });
    const res = await conn.requestPost<{ graphs: Graph[] }>(`${url}/graph`, {
      graphs: [
        {
          graphId: 'good',
          compositeRequest: [node('a', 'Account', { Name: 'Graph Good' }), node('c', 'Contact', { LastName: 'G', AccountId: '@{a.id}' })],
        },
        { graphId: 'bad', compositeRequest: [node('a', 'Account', { Name: 'Graph Bad' }), node('c', 'Contact', { AccountId: '@{a.id}' })] },
      ],
    });
    expect(res.graphs.map((g) => [g.graphId, g.isSuccessful])).toEqual([
      ['good', true],
      ['bad', false],
    ]);
    const good = res.graphs[0]!.graphResponse.compositeResponse;
    expect(
      (await conn.query(`SELECT AccountId FROM Contact WHERE Id = '${(good[1]!.body as { id: string }).id}'`)).records[0],
    ).toMatchObject({
      AccountId: (good[0]!.body as { id: string }).id,
    });
    expect(res.graphs[1]!.graphResponse.compositeResponse[1]!.body).toEqual([
      expect.objectContaining({ errorCode: 'REQUIRED_FIELD_MISSING' }),
    ]);
    expect((await conn.query("SELECT Id FROM Account WHERE Name = 'Graph Bad'")).totalSize).toBe(0);
    const dup = await conn
      .requestPost(`${url}/graph`, {
        graphs: [
          { graphId: 'x', compositeRequest: [] },
          { graphId: 'x', compositeRequest: [] },
        ],
      })
      .catch((e: { errorCode?: string }) => e);
    expect(dup).toMatchObject({ errorCode: 'INVALID_INPUT' });
  });
});
