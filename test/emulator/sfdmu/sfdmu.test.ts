import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from '../server.js';
import { executeSoql, rowValues } from '../soql/execute.js';
import { Sfdmu } from '../support/sfdmu.js';

/** Account, Contact and Opportunity with their lookups; each keyed by a field SFDMU matches on. */
const OBJECTS = [
  { query: 'SELECT Id, Name, Phone, Industry, AnnualRevenue FROM Account', externalId: 'Name' },
  { query: 'SELECT Id, FirstName, LastName, Email, Title, AccountId FROM Contact', externalId: 'Email' },
  { query: 'SELECT Id, Name, StageName, CloseDate, Amount, AccountId FROM Opportunity', externalId: 'Name' },
];

/** What must be equal in two orgs: each record by its key, with its lookup as the parent's key. */
function snapshot(emu: EmulatorHandle): Record<string, Record<string, unknown[]>> {
  const read = (soql: string) => {
    const r = executeSoql(emu.org, soql);
    return Object.fromEntries(Array.from({ length: r.totalSize }, (_, i) => rowValues(r, i)).map(([key, ...rest]) => [String(key), rest]));
  };
  return {
    Account: read('SELECT Name, Phone, Industry, AnnualRevenue FROM Account'),
    Contact: read('SELECT Email, FirstName, LastName, Title, Account.Name FROM Contact'),
    Opportunity: read('SELECT Name, StageName, CloseDate, Amount, Account.Name FROM Opportunity'),
  };
}

describe('SFDMU moves Account, Contact and Opportunity between emulator orgs', () => {
  let source: EmulatorHandle;
  const targets: EmulatorHandle[] = [];
  /** The source org's access log: what SFDMU asked. */
  const asked: string[] = [];
  const sfdmu = new Sfdmu();
  const org = (name: string, e: EmulatorHandle) => ({ name, instanceUrl: e.instanceUrl, accessToken: e.accessToken });
  const script = (operation: string, extra: Record<string, unknown>, ...orgs: Array<ReturnType<typeof org>>) => ({
    orgs,
    objects: OBJECTS.map((o) => ({ ...o, operation })),
    apiVersion: '62.0',
    pollingIntervalMs: 100,
    ...extra,
  });
  const run = async (dir: string, s: Record<string, unknown>, from: string, to: string) => {
    const r = await sfdmu.run(dir, s, from, to);
    if (r.code !== 0) throw new Error(`sfdmu exited ${r.code}:\n${r.output.slice(-4000)}`);
    return r.output;
  };

  beforeAll(async () => {
    source = await startEmulator({ records: 900, seed: 21, cdc: false, logRequests: (line) => asked.push(line) });
    // Targets with the setup data only (users, profiles): no accounts, contacts or opportunities.
    for (let i = 0; i < 5; i++) targets.push(await startEmulator({ records: 1, seed: 30 + i, cdc: false }));
  });
  afterAll(async () => {
    for (const e of [source, ...targets]) await e.stop();
  });

  it('org → CSV → org through the REST API, then an org-to-org delta update', async () => {
    const [t1] = targets;
    expect(snapshot(t1!).Account).toEqual({});
    await run('csv', script('Insert', { bulkThreshold: 100000 }, org('src', source)), 'src', 'csvfile');
    const imported = await run('csv', script('Insert', { bulkThreshold: 100000 }, org('tgt', t1!)), 'csvfile', 'tgt');
    expect(imported).toMatch(/using REST API/);
    const want = snapshot(source);
    expect(Object.keys(want.Contact!).length).toBeGreaterThan(10);
    expect(snapshot(t1!)).toEqual(want);

    // Delta: changes in the source reach the target by upsert on the external ids.
    const accounts = executeSoql(source.org, 'SELECT Id FROM Account LIMIT 2');
    for (let i = 0; i < 2; i++) source.org.update(accounts.table.idOf(accounts.rows[i]!), { Phone: `555-010${i}` });
    const contact = executeSoql(source.org, 'SELECT Id FROM Contact LIMIT 1');
    source.org.update(contact.table.idOf(contact.rows[0]!), { Title: 'Delta Title' });
    source.org.create('Opportunity', {
      Name: 'Delta Deal',
      StageName: 'Prospecting',
      CloseDate: '2026-12-31',
      AccountId: accounts.table.idOf(accounts.rows[0]!),
    });
    await run('delta', script('Upsert', { bulkThreshold: 100000 }, org('src', source), org('tgt', t1!)), 'src', 'tgt');
    expect(snapshot(t1!)).toEqual(snapshot(source));
  });

  it('org → org through Bulk API 1.0 and Bulk API 2.0', async () => {
    const [, t2, t3] = targets;
    const bulk = (version: string) => ({ bulkThreshold: 1, bulkApiVersion: version });
    const [v1, v2] = await Promise.all([
      run('bulk1', script('Insert', bulk('1.0'), org('src', source), org('tgt', t2!)), 'src', 'tgt'),
      run('bulk2', script('Insert', bulk('2.0'), org('src', source), org('tgt', t3!)), 'src', 'tgt'),
    ]);
    expect(v1).toMatch(/using Bulk API V1\.0/);
    expect(v2).toMatch(/using Bulk API V2\.0/);
    const want = snapshot(source);
    expect(snapshot(t2!)).toEqual(want);
    expect(snapshot(t3!)).toEqual(want);
  });

  it('org → CSV → org through Bulk API 1.0 and Bulk API 2.0', async () => {
    const [, , , t4, t5] = targets;
    const bulk = (version: string) => ({ bulkThreshold: 1, bulkApiVersion: version });
    const throughCsv = async (version: string, target: EmulatorHandle) => {
      const dir = `csv-bulk${version}`;
      await run(dir, script('Insert', bulk(version), org('src', source)), 'src', 'csvfile');
      return run(dir, script('Insert', bulk(version), org('tgt', target)), 'csvfile', 'tgt');
    };
    const [v1, v2] = await Promise.all([throughCsv('1.0', t4!), throughCsv('2.0', t5!)]);
    expect(v1).toMatch(/using Bulk API V1\.0/);
    expect(v2).toMatch(/using Bulk API V2\.0/);
    const want = snapshot(source);
    expect(snapshot(t4!)).toEqual(want);
    expect(snapshot(t5!)).toEqual(want);
  });

  it('maps Lead record types by DeveloperName between orgs whose record type ids differ, and describes orgs through EntityDefinition', async () => {
    const [t1] = targets;
    const referral = (e: EmulatorHandle) =>
      e.org.create('RecordType', { Name: 'Referral', DeveloperName: 'Referral', SobjectType: 'Lead', IsActive: true });
    const [from, to] = [referral(source), referral(t1!)];
    expect(from).not.toBe(to);
    const partner = executeSoql(source.org, "SELECT Id FROM RecordType WHERE DeveloperName = 'Partner'");
    for (const [i, type] of [from, from, partner.table.idOf(partner.rows[0]!)].entries())
      source.org.create('Lead', { LastName: `RT ${i}`, Company: 'Typed Co', RecordTypeId: type });
    const leads = { query: "SELECT Id, LastName, Company, RecordTypeId FROM Lead WHERE LastName LIKE 'RT %'", externalId: 'LastName' };
    const s = {
      ...script('Insert', { bulkThreshold: 100000 }, org('src', source), org('tgt', t1!)),
      objects: [{ ...leads, operation: 'Insert' }],
    };
    await run('record-types', s, 'src', 'tgt');
    const read = (e: EmulatorHandle) => {
      const r = executeSoql(
        e.org,
        "SELECT LastName, Company, RecordType.DeveloperName FROM Lead WHERE LastName LIKE 'RT %' ORDER BY LastName",
      );
      return Array.from({ length: r.totalSize }, (_, i) => rowValues(r, i));
    };
    expect(read(source)).toEqual([
      ['RT 0', 'Typed Co', 'Referral'],
      ['RT 1', 'Typed Co', 'Referral'],
      ['RT 2', 'Typed Co', 'Partner'],
    ]);
    expect(read(t1!)).toEqual(read(source));
    // SFDMU lists the org's objects with one EntityDefinition query (it goes on silently without).
    expect(asked.some((l) => /^GET \/services\/data\/v62\.0\/query\?q=SELECT.*FROM(\+|%20)+EntityDefinition.* 200 /.test(l))).toBe(true);
  });
});
