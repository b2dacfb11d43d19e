import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsforce from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../server.js';
import { RowState } from '../data/table.js';

describe('simple SOSL through jsforce search()', () => {
  let emu: EmulatorHandle;
  let conn: jsforce.Connection;

  beforeAll(async () => {
    emu = await startEmulator({ records: 1500, seed: 41 });
    conn = new jsforce.Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.accessToken, version: '62.0' });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('finds the accounts whose name holds the term, with the fields RETURNING asks for', async () => {
    const accounts = emu.org.table('Account');
    const live = [...Array(accounts.size).keys()].filter((r) => accounts.rowState(r) === RowState.Live);
    const word = String(accounts.get(live[0]!, 'Name')).split(/\s+/)[0]!;
    const expected = live
      .filter((r) => String(accounts.get(r, 'Name')).toLowerCase().includes(word.toLowerCase()))
      .map((r) => accounts.idOf(r));
    const res = await conn.search(`FIND {${word}} IN NAME FIELDS RETURNING Account(Id, Name)`);
    expect(new Set(res.searchRecords.map((r) => (r as { Id: string }).Id))).toEqual(new Set(expected));
    expect(res.searchRecords[0]).toMatchObject({ attributes: { type: 'Account' }, Name: expect.stringContaining(word) });
    const limited = await conn.search(`FIND {${word}} RETURNING Account(Id LIMIT 1)`);
    expect(limited.searchRecords).toHaveLength(1);
    await expect(conn.search('FIND Acme RETURNING Account')).rejects.toMatchObject({ errorCode: 'MALFORMED_SEARCH' });
  });
});
