import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jsforce from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../server.js';
import { SfCli } from '../support/sf-cli.js';

type Contact = { FirstName: string | null; LastName: string; Email: string | null };
type Account = { Id: string; Name: string; Industry: string | null; Contacts: { records: Contact[] } | null };

const TREE_QUERY = 'SELECT Id, Name, Industry, (SELECT FirstName, LastName, Email FROM Contacts) FROM Account';

function shape(accounts: Account[]): Array<{ Name: string; Industry: string | null; Contacts: Contact[] }> {
  const key = (c: Contact): string => `${c.LastName}|${c.FirstName ?? ''}|${c.Email ?? ''}`;
  return accounts
    .map((a) => ({
      Name: a.Name,
      Industry: a.Industry,
      Contacts: (a.Contacts?.records ?? [])
        .map((c) => ({ FirstName: c.FirstName, LastName: c.LastName, Email: c.Email }))
        .sort((x, y) => key(x).localeCompare(key(y))),
    }))
    .sort((x, y) => x.Name.localeCompare(y.Name));
}

describe('composite tree through sf data export tree / import tree', () => {
  let source: EmulatorHandle;
  let target: EmulatorHandle;
  const sf = new SfCli();

  beforeAll(async () => {
    source = await startEmulator({ records: 1500, seed: 21 });
    target = await startEmulator({ records: 600, seed: 22 });
    for (const [alias, emu] of [
      ['source', source],
      ['target', target],
    ] as const) {
      const login = await sf.run(['org', 'login', 'access-token', '--instance-url', emu.instanceUrl, '--no-prompt', '--alias', alias], {
        SF_ACCESS_TOKEN: emu.accessToken,
      });
      expect(login.json.status).toBe(0);
    }
  });
  afterAll(async () => {
    await Promise.all([source.stop(), target.stop()]);
  });

  it('exports accounts with their contacts as a plan and imports the plan into a second org', async () => {
    const src = new jsforce.Connection({ instanceUrl: source.instanceUrl, accessToken: source.accessToken, version: '62.0' });
    const picked = (await src.query<Account>(`${TREE_QUERY} ORDER BY Name LIMIT 15`)).records;
    expect(picked.some((a) => (a.Contacts?.records.length ?? 0) > 0)).toBe(true);
    const ids = picked.map((a) => `'${a.Id}'`).join(',');
    const dir = mkdtempSync(path.join(tmpdir(), 'orgvault-tree-'));

    const exported = await sf.run([
      'data',
      'export',
      'tree',
      '--query',
      `${TREE_QUERY} WHERE Id IN (${ids})`,
      '--plan',
      '--output-dir',
      dir,
      '--target-org',
      'source',
    ]);
    expect(exported.json.status).toBe(0);
    const plan = readdirSync(dir).find((f) => f.endsWith('plan.json'))!;
    expect(plan).toBeDefined();

    const imported = await sf.run(['data', 'import', 'tree', '--plan', path.join(dir, plan), '--target-org', 'target']);
    expect(imported.json).toMatchObject({ status: 0 });
    const results = imported.json.result as Array<{ refId: string; type: string; id: string }>;
    const newAccounts = results.filter((r) => r.type === 'Account').map((r) => `'${r.id}'`);
    expect(newAccounts).toHaveLength(picked.length);

    const tgt = new jsforce.Connection({ instanceUrl: target.instanceUrl, accessToken: target.accessToken, version: '62.0' });
    const copied = (await tgt.query<Account>(`${TREE_QUERY} WHERE Id IN (${newAccounts.join(',')})`)).records;
    expect(shape(copied)).toEqual(shape(picked));
  });

  it("answers Salesforce's errors for a tree over 200 records and a failing child, creating nothing", async () => {
    const base = `${target.instanceUrl}/services/data/v62.0/composite/tree`;
    const post = (sobject: string, body: unknown): Promise<Response> =>
      fetch(`${base}/${sobject}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${target.accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const tooMany = await post('Account', {
      records: Array.from({ length: 201 }, (_, i) => ({ attributes: { type: 'Account', referenceId: `a${i}` }, Name: `Big ${i}` })),
    });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as Array<{ errorCode: string }>)[0]!.errorCode).toBe('LIMIT_EXCEEDED');

    const broken = await post('Account', {
      records: [
        {
          attributes: { type: 'Account', referenceId: 'parent' },
          Name: 'Tree parent',
          Contacts: { records: [{ attributes: { type: 'Contact', referenceId: 'child' }, FirstName: 'No last name' }] },
        },
      ],
    });
    expect(broken.status).toBe(400);
    const body = (await broken.json()) as {
      hasErrors: boolean;
      results: Array<{ referenceId: string; errors: Array<{ statusCode: string }> }>;
    };
    expect(body.hasErrors).toBe(true);
    expect(body.results).toEqual([{ referenceId: 'child', errors: [expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING' })] }]);
    const tgt = new jsforce.Connection({ instanceUrl: target.instanceUrl, accessToken: target.accessToken, version: '62.0' });
    expect((await tgt.query("SELECT Id FROM Account WHERE Name = 'Tree parent'")).totalSize).toBe(0);
    expect((await tgt.query("SELECT Id FROM Account WHERE Name LIKE 'Big %'")).totalSize).toBe(0);
  });
});
