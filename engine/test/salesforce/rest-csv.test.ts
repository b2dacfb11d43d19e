import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { recordsToCsv } from '../../src/salesforce/rest-csv.js';

describe('REST records as Bulk CSV', () => {
  const fields = ['Id', 'Name', 'Amount__c', 'IsDeleted', 'SystemModstamp', 'Notes__c'];
  const types = { Id: 'id', Name: 'string', Amount__c: 'currency', IsDeleted: 'boolean', SystemModstamp: 'datetime', Notes__c: 'textarea' };

  it('quotes every value, writes null as an empty field, and Bulk datetimes', () => {
    const csv = recordsToCsv(fields, types, [
      {
        attributes: { type: 'X__c' },
        Id: 'a00000000000001AAA',
        Name: 'He said "hi", then left',
        Amount__c: 12.5,
        IsDeleted: false,
        SystemModstamp: '2013-05-20T20:49:32.000+0000',
        Notes__c: 'line 1\nline 2',
      },
      {
        Id: 'a00000000000002AAA',
        Name: null,
        Amount__c: null,
        IsDeleted: true,
        SystemModstamp: '2024-01-01T00:00:00.000+0000',
        Notes__c: null,
      },
    ]).toString();
    expect(csv.split('\n')[0]).toBe('"Id","Name","Amount__c","IsDeleted","SystemModstamp","Notes__c"');
    expect(csv).toContain('"2013-05-20T20:49:32.000Z"');
    expect(csv).toContain('"a00000000000002AAA",,,"true","2024-01-01T00:00:00.000Z",');
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows[0]).toMatchObject({ Name: 'He said "hi", then left', Amount__c: '12.5', IsDeleted: 'false', Notes__c: 'line 1\nline 2' });
  });

  it('leaves text that merely looks like a REST datetime alone', () => {
    const csv = recordsToCsv(['Name'], { Name: 'string' }, [{ Name: '2013-05-20T20:49:32.000+0000' }]).toString();
    expect(csv).toContain('"2013-05-20T20:49:32.000+0000"');
  });
});
