import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from './server.js';
import { executeSoql } from './soql/execute.js';
import { SfCli } from './support/sf-cli.js';

describe('the sf CLI against the emulator', () => {
  let emu: EmulatorHandle;
  const sf = new SfCli();

  beforeAll(async () => {
    emu = await startEmulator({ records: 1500, seed: 3 });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('logs in with an access token, then runs data query', async () => {
    const login = await sf.run(['org', 'login', 'access-token', '--instance-url', emu.instanceUrl, '--no-prompt', '--alias', 'emu'], {
      SF_ACCESS_TOKEN: emu.accessToken,
    });
    expect(login.json.status).toBe(0);
    expect(login.json.result).toMatchObject({ username: emu.username, orgId: emu.orgId, name: 'OrgVault Emulator Org', isSandbox: false });

    const q = await sf.run(['data', 'query', '--query', 'SELECT Id, Name, Owner.Name FROM Account ORDER BY Name', '--target-org', 'emu']);
    expect(q.json).toMatchObject({ status: 0 });
    const result = q.json.result as { totalSize: number; records: Array<{ Id: string; Name: string; Owner: { Name: string } }> };
    const expected = executeSoql(emu.org, 'SELECT Id FROM Account ORDER BY Name');
    expect(result.totalSize).toBe(expected.totalSize);
    expect(result.records).toHaveLength(expected.totalSize);
    expect(result.records[0]!.Id).toBe(emu.org.table('Account').idOf(expected.rows[0]!));
    expect(typeof result.records[0]!.Owner.Name).toBe('string');
  });

  it('queries the Tooling API (data query --use-tooling-api)', async () => {
    const q = await sf.run([
      'data',
      'query',
      '--use-tooling-api',
      '--query',
      "SELECT QualifiedApiName, KeyPrefix FROM EntityDefinition WHERE QualifiedApiName IN ('Account', 'Case') ORDER BY QualifiedApiName",
      '--target-org',
      'emu',
    ]);
    expect(q.json).toMatchObject({ status: 0 });
    const result = q.json.result as { records: Array<{ QualifiedApiName: string; KeyPrefix: string }> };
    expect(result.records.map((r) => [r.QualifiedApiName, r.KeyPrefix])).toEqual([
      ['Account', '001'],
      ['Case', '500'],
    ]);
    // An object the Tooling API does not have is INVALID_TYPE there, as in Salesforce.
    const data = await sf.run(['data', 'query', '--use-tooling-api', '--query', 'SELECT Id FROM Account', '--target-org', 'emu']);
    expect(JSON.stringify(data.json)).toContain('INVALID_TYPE');
  });

  it('reports a malformed query as Salesforce does', async () => {
    const q = await sf.run(['data', 'query', '--query', 'SELECT Id FORM Account', '--target-org', 'emu']);
    expect(q.json.status).not.toBe(0);
    expect(JSON.stringify(q.json)).toContain('MALFORMED_QUERY');
  });
});
