import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsforce from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../server.js';
import { RowState, type Table } from '../data/table.js';
import { SfCli } from '../support/sf-cli.js';

/** Live rows of a table, read straight from the store (not through SOQL). */
function live(table: Table): number[] {
  const out: number[] = [];
  for (let r = 0; r < table.size; r++) if (table.rowState(r) === RowState.Live) out.push(r);
  return out;
}

describe('SOQL aggregates, joins, FIELDS() and subqueries through real clients', () => {
  let emu: EmulatorHandle;
  let conn: jsforce.Connection;

  beforeAll(async () => {
    emu = await startEmulator({ records: 3000, seed: 8 });
    conn = new jsforce.Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.accessToken, version: '62.0' });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('answers COUNT(Id) and GROUP BY aggregates with HAVING as AggregateResult records', async () => {
    const contacts = emu.org.table('Contact');
    const rows = live(contacts);
    const counted = await conn.query<{ expr0: number }>('SELECT COUNT(Id) FROM Contact');
    expect(counted.totalSize).toBe(1);
    expect(counted.records[0]).toEqual({ attributes: { type: 'AggregateResult' }, expr0: rows.length });

    const perAccount = new Map<string, number>();
    for (const r of rows) {
      const a = contacts.get(r, 'AccountId') as string | null;
      if (a) perAccount.set(a, (perAccount.get(a) ?? 0) + 1);
    }
    const expected = [...perAccount].filter(([, n]) => n > 1);
    const grouped = await conn.query<{ AccountId: string; total: number }>(
      'SELECT AccountId, COUNT(Id) total FROM Contact WHERE AccountId != null GROUP BY AccountId HAVING COUNT(Id) > 1',
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(grouped.totalSize).toBe(expected.length);
    expect(new Map(grouped.records.map((r) => [r.AccountId, r.total]))).toEqual(new Map(expected));
  });

  it('runs semi-joins and anti-joins', async () => {
    const contacts = emu.org.table('Contact');
    const withContacts = new Set(live(contacts).map((r) => contacts.get(r, 'AccountId') as string | null));
    const accounts = emu.org.table('Account');
    const all = live(accounts).map((r) => accounts.idOf(r));
    const semi = await conn.query<{ Id: string }>('SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)');
    const anti = await conn.query<{ Id: string }>('SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact)');
    expect(new Set(semi.records.map((r) => r.Id))).toEqual(new Set(all.filter((id) => withContacts.has(id))));
    expect(new Set(anti.records.map((r) => r.Id))).toEqual(new Set(all.filter((id) => !withContacts.has(id))));
    expect(semi.totalSize).toBeGreaterThan(0);
    expect(anti.totalSize).toBeGreaterThan(0);
  });

  it('expands FIELDS() and enforces its LIMIT 200 rule; refuses OFFSET beyond 2000', async () => {
    const def = emu.org.table('Account').def;
    const std = await conn.query<Record<string, unknown>>('SELECT FIELDS(STANDARD) FROM Account');
    expect(Object.keys(std.records[0]!).sort()).toEqual(['attributes', ...def.fields.filter((f) => !f.custom).map((f) => f.name)].sort());
    const custom = await conn.query<Record<string, unknown>>('SELECT Id, FIELDS(CUSTOM) FROM Account LIMIT 5');
    expect(Object.keys(custom.records[0]!).sort()).toEqual(
      ['attributes', 'Id', ...def.fields.filter((f) => f.custom).map((f) => f.name)].sort(),
    );
    await expect(conn.query('SELECT FIELDS(ALL) FROM Account')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    await expect(conn.query('SELECT FIELDS(ALL) FROM Account LIMIT 201')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    const allFields = await conn.query<Record<string, unknown>>('SELECT FIELDS(ALL) FROM Account LIMIT 200');
    expect(Object.keys(allFields.records[0]!)).toHaveLength(def.fields.length + 1);
    await expect(conn.query('SELECT Id FROM Contact LIMIT 5 OFFSET 2001')).rejects.toMatchObject({
      errorCode: 'NUMBER_OUTSIDE_VALID_RANGE',
    });
    expect((await conn.query('SELECT Id FROM Contact LIMIT 5 OFFSET 2000')).totalSize).toBeLessThanOrEqual(5);
  });

  it('nests parent-to-child subqueries in REST records', async () => {
    const contacts = emu.org.table('Contact');
    const byAccount = new Map<string, string[]>();
    for (const r of live(contacts)) {
      const a = contacts.get(r, 'AccountId') as string | null;
      if (a) byAccount.set(a, [...(byAccount.get(a) ?? []), contacts.idOf(r)]);
    }
    type Acc = { Id: string; Contacts: { totalSize: number; done: boolean; records: Array<{ Id: string; AccountId: string }> } | null };
    const res = await conn.query<Acc>('SELECT Id, Name, (SELECT Id, AccountId FROM Contacts ORDER BY Id) FROM Account');
    expect(res.totalSize).toBe(live(emu.org.table('Account')).length);
    for (const acc of res.records) {
      const want = (byAccount.get(acc.Id) ?? []).sort();
      if (!want.length) expect(acc.Contacts).toBeNull();
      else {
        expect(acc.Contacts).toMatchObject({ totalSize: want.length, done: true });
        expect(acc.Contacts!.records.map((c) => c.Id).sort()).toEqual(want);
        expect(acc.Contacts!.records.every((c) => c.AccountId === acc.Id)).toBe(true);
      }
    }
    await expect(conn.query('SELECT Id, (SELECT Id FROM Nope) FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
  });

  it("lets `sf org display user` show the admin's profile name (its semi-join)", async () => {
    const sf = new SfCli();
    const login = await sf.run(['org', 'login', 'access-token', '--instance-url', emu.instanceUrl, '--no-prompt', '--alias', 'emu'], {
      SF_ACCESS_TOKEN: emu.accessToken,
    });
    expect(login.json.status).toBe(0);
    const user = await sf.run(['org', 'display', 'user', '--target-org', 'emu']);
    expect(user.json.result).toMatchObject({ username: emu.username, profileName: 'System Administrator', id: emu.userId });
  });

  it('answers TYPEOF on a polymorphic lookup with the fields of the parent type each row has', async () => {
    const tasks = emu.org.table('Task');
    const whatType = (row: number): string | null => {
      const id = tasks.get(row, 'WhatId') as string | null;
      return id ? emu.org.locate(id)!.table.def.name : null;
    };
    const res = await conn.query<{ Id: string; What: (Record<string, unknown> & { attributes: { type: string } }) | null }>(
      'SELECT Id, TYPEOF What WHEN Account THEN Name, Phone WHEN Opportunity THEN Name, Amount ELSE Name END FROM Task',
      { autoFetch: true, maxFetch: 100000 },
    );
    expect(res.totalSize).toBe(live(tasks).length);
    const seen = new Set<string>();
    for (const r of res.records) {
      const type = whatType(tasks.rowOf(r.Id));
      if (type === null) {
        expect(r.What).toBeNull();
        continue;
      }
      seen.add(type);
      const { attributes, ...fields } = r.What!;
      expect(attributes.type).toBe(type);
      expect(Object.keys(fields)).toEqual(type === 'Account' ? ['Name', 'Phone'] : type === 'Opportunity' ? ['Name', 'Amount'] : ['Name']);
    }
    expect([...seen]).toEqual(expect.arrayContaining(['Account', 'Opportunity']));
    await expect(conn.query('SELECT TYPEOF Account WHEN Account THEN Name END FROM Contact')).rejects.toMatchObject({
      errorCode: 'MALFORMED_QUERY',
    });
  });
});
