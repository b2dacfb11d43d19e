import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { startEmulator, type EmulatorHandle } from '../server.js';
import { executeSoql } from '../soql/execute.js';
import { SfCli } from '../support/sf-cli.js';

describe('the sf CLI bulk commands against the emulator', () => {
  let emu: EmulatorHandle;
  const sf = new SfCli();

  beforeAll(async () => {
    emu = await startEmulator({ records: 3000, seed: 4 });
    const login = await sf.run(['org', 'login', 'access-token', '--instance-url', emu.instanceUrl, '--no-prompt', '--alias', 'emu'], {
      SF_ACCESS_TOKEN: emu.accessToken,
    });
    expect(login.json.status).toBe(0);
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('sf data export bulk writes a file holding exactly the org rows', async () => {
    const soql = 'SELECT Id, FirstName, LastName, Email, Account.Name, CreatedDate FROM Contact';
    const file = path.join(sf.home, 'contacts.csv');
    const out = await sf.run([
      'data',
      'export',
      'bulk',
      '--query',
      soql,
      '--output-file',
      file,
      '--result-format',
      'csv',
      '--wait',
      '5',
      '--target-org',
      'emu',
    ]);
    expect(out.json).toMatchObject({ status: 0 });
    const rows = parse(readFileSync(file), { columns: true }) as Array<Record<string, string>>;
    const expected = executeSoql(emu.org, soql);
    expect(rows).toHaveLength(expected.totalSize);
    expect(rows.map((r) => r.Id)).toEqual(Array.from(expected.rows, (row) => emu.org.table('Contact').idOf(row)));
    const first = emu.org.locate(rows[0]!.Id!)!;
    expect(rows[0]!.LastName).toBe(first.table.get(first.row, 'LastName'));
    expect(Object.keys(rows[0]!)).toEqual(['Id', 'FirstName', 'LastName', 'Email', 'Account.Name', 'CreatedDate']);
  });

  it('sf data import bulk inserts the rows of a CSV file', async () => {
    const file = path.join(sf.home, 'accounts.csv');
    writeFileSync(file, 'Name,Phone\nCLI Bulk A,1\nCLI Bulk B,2\n');
    const out = await sf.run(['data', 'import', 'bulk', '--file', file, '--sobject', 'Account', '--wait', '5', '--target-org', 'emu']);
    expect(out.json).toMatchObject({ status: 0, result: { processedRecords: 2, failedRecords: 0 } });
    const made = executeSoql(emu.org, "SELECT Id FROM Account WHERE Name LIKE 'CLI Bulk %'");
    expect(made.totalSize).toBe(2);
  });
});
