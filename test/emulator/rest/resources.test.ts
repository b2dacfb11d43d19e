import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsforce from 'jsforce';
import jsforce1 from 'jsforce1';
import { startEmulator, type EmulatorHandle } from '../server.js';
import { SfCli } from '../support/sf-cli.js';

describe('REST root, versions, usernames and describe as clients read them', () => {
  let a: EmulatorHandle;
  let b: EmulatorHandle;

  beforeAll(async () => {
    a = await startEmulator({ records: 1500, seed: 5 });
    b = await startEmulator({ records: 1500, seed: 6 });
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  it("lets jsforce 1.x (SFDMU's client) find the identity URL in the REST root", async () => {
    const conn = new jsforce1.Connection({ instanceUrl: a.instanceUrl, accessToken: a.accessToken, version: '62.0' });
    const identity = await conn.identity();
    expect(identity).toMatchObject({ user_id: a.userId, organization_id: a.orgId, username: a.username });
    const root = await conn.request<Record<string, string>>('/services/data/v62.0/');
    expect(root.identity).toBe(`${a.instanceUrl}/id/${a.orgId}/${a.userId}`);
    for (const name of ['sobjects', 'query', 'queryAll', 'composite', 'limits', 'search', 'tooling', 'jobs', 'ui-api', 'connect']) {
      expect(root[name]).toBe(`/services/data/v62.0/${name}`);
    }
  });

  it('lists versions through the current release, and serves it', async () => {
    const versions = (await (await fetch(`${a.instanceUrl}/services/data`)).json()) as Array<{ label: string; version: string }>;
    expect(versions.at(-1)).toEqual({ label: "Winter '27", url: '/services/data/v68.0', version: '68.0' });
    expect(versions.find((v) => v.version === '67.0')?.label).toBe("Summer '26");
    const conn = new jsforce.Connection({ instanceUrl: a.instanceUrl, accessToken: a.accessToken, version: '68.0' });
    const res = await conn.query<{ Id: string }>('SELECT Id FROM Account LIMIT 1');
    expect(res.records).toHaveLength(1);
    const beyond = await fetch(`${a.instanceUrl}/services/data/v69.0/limits`, { headers: { Authorization: `Bearer ${a.accessToken}` } });
    expect(beyond.status).toBe(404);
  });

  it('gives each org its own admin username, so the sf CLI keeps two logins apart; sf org open --url-only', async () => {
    expect(a.username).not.toBe(b.username);
    const sf = new SfCli();
    for (const [alias, emu] of [
      ['source', a],
      ['target', b],
    ] as const) {
      const login = await sf.run(['org', 'login', 'access-token', '--instance-url', emu.instanceUrl, '--no-prompt', '--alias', alias], {
        SF_ACCESS_TOKEN: emu.accessToken,
      });
      expect(login.json.status).toBe(0);
    }
    for (const [alias, emu] of [
      ['source', a],
      ['target', b],
    ] as const) {
      const shown = await sf.run(['org', 'display', '--target-org', alias]);
      expect(shown.json.result).toMatchObject({
        username: emu.username,
        id: emu.orgId,
        instanceUrl: expect.stringContaining(emu.instanceUrl),
      });
    }
    const opened = await sf.run(['org', 'open', '--url-only', '--target-org', 'target']);
    expect(opened.json.status).toBe(0);
    const url = new URL((opened.json.result as { url: string }).url);
    expect(url.origin + url.pathname).toBe(`${b.instanceUrl}/secur/frontdoor.jsp`);
    expect(url.searchParams.get('otp')).toBeTruthy();
  });

  it("describes Account's self-relationship as ChildAccounts with Salesforce's field and object properties", async () => {
    const conn = new jsforce.Connection({ instanceUrl: a.instanceUrl, accessToken: a.accessToken, version: '62.0' });
    const d = await conn.sobject('Account').describe();
    expect(d.childRelationships).toContainEqual(
      expect.objectContaining({ childSObject: 'Account', field: 'ParentId', relationshipName: 'ChildAccounts' }),
    );
    expect(d.childRelationships.some((r) => r.relationshipName === 'Accounts')).toBe(false);
    expect(d).toMatchObject({ actionOverrides: [], namedLayoutInfos: [], networkScopeFieldName: null });
    const description = d.fields.find((f) => f.name === 'Description')!;
    expect(description).toMatchObject({
      extraTypeInfo: 'plaintextarea',
      defaultValueFormula: null,
      restrictedDelete: false,
      referenceTargetField: null,
      controllerName: null,
      encrypted: false,
      highScaleNumber: false,
      inlineHelpText: null,
    });
    for (const f of d.fields) {
      for (const key of [
        'extraTypeInfo',
        'defaultValueFormula',
        'restrictedDelete',
        'referenceTargetField',
        'controllerName',
        'encrypted',
        'highScaleNumber',
        'inlineHelpText',
      ]) {
        expect(f).toHaveProperty(key);
      }
    }
  });

  it('answers a record GET with 304 when it has not changed since If-Modified-Since', async () => {
    const table = a.org.table('Account');
    const conn = new jsforce.Connection({ instanceUrl: a.instanceUrl, accessToken: a.accessToken, version: '62.0' });
    const id = (await conn.query<{ Id: string }>('SELECT Id FROM Account LIMIT 1')).records[0]!.Id;
    const url = `${a.instanceUrl}/services/data/v62.0/sobjects/Account/${id}`;
    const get = (since: number): Promise<Response> =>
      fetch(url, { headers: { Authorization: `Bearer ${a.accessToken}`, 'If-Modified-Since': new Date(since).toUTCString() } });
    const modified = table.get(table.rowOf(id), 'LastModifiedDate') as number;
    const unchanged = await get(modified + 60_000);
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');
    const changed = await get(modified - 60_000);
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as { Id: string }).Id).toBe(id);
  });
});
