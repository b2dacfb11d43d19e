import { describe, expect, it } from '@jest/globals';
import {
  bulkSupports,
  candidateObjects,
  computeScope,
  objectScope,
  selectFrom,
  selectSoql,
  soqlQuote,
} from '../../src/salesforce/scope.js';
import { inListBatches } from '../../src/salesforce/content-links.js';
import { account, accountHistory, attachment, describeGlobal, invoice, knowledge, leadStatus } from './fixtures/describe.js';

describe('backup scope', () => {
  it('describes only queryable, replicateable, retrievable objects that are not hidden or excluded by default', () => {
    expect(candidateObjects(describeGlobal)).toEqual([
      'Account',
      'Attachment',
      'LeadStatus',
      'Invoice__c',
      'Knowledge__kav',
      'AccountHistory',
      'Secret__c',
    ]);
  });

  it('takes compound fields through their components and leaves hidden fields out', () => {
    const s = objectScope(account)!;
    expect(s.fields).not.toContain('BillingAddress');
    expect(s.fields).not.toContain('Legacy_Code__c');
    expect(s.fields).toEqual(
      expect.arrayContaining(['BillingStreet', 'BillingCity', 'BillingLatitude', 'BillingGeocodeAccuracy', 'Rating_Formula__c']),
    );
    expect(s.compounds.BillingAddress).toEqual([
      'BillingStreet',
      'BillingCity',
      'BillingPostalCode',
      'BillingCountry',
      'BillingLatitude',
      'BillingLongitude',
      'BillingGeocodeAccuracy',
    ]);
    expect(s).toMatchObject({ reader: 'bulk', watermarkField: 'SystemModstamp', hasIsDeleted: true, blobFields: [] });
    const g = objectScope(invoice)!;
    expect(g.compounds.Site__c).toEqual(['Site__Latitude__s', 'Site__Longitude__s']);
    expect(g.fields).not.toContain('Site__c');
  });

  it('keeps base64 fields out of queries and lists them as blobs', () => {
    const s = objectScope(attachment)!;
    expect(s.fields).not.toContain('Body');
    expect(s.blobFields).toEqual(['Body']);
    expect(objectScope(invoice)!.blobFields).toEqual(['Scan__c']);
  });

  it('reads objects Bulk API 2.0 refuses through REST', () => {
    expect(objectScope(leadStatus)!.reader).toBe('rest');
    expect(objectScope(knowledge)!.reader).toBe('rest');
    expect(bulkSupports('Account')).toBe(true);
    expect(bulkSupports('leadstatus')).toBe(false);
    expect(bulkSupports('Account', { bulkUnsupported: ['Account'] })).toBe(false);
  });

  it('falls back to CreatedDate as watermark when the object has no SystemModstamp', () => {
    expect(objectScope(accountHistory)!.watermarkField).toBe('CreatedDate');
  });

  it('applies object and field exclusions with wildcards, case-insensitively', () => {
    const options = { exclude: ['*history', 'Account.Annual*', '*.Notes__c'] };
    const scope = computeScope([account, accountHistory, invoice], options);
    expect(scope.map((s) => s.name)).toEqual(['Account', 'Invoice__c']);
    expect(scope[0]!.fields).not.toContain('AnnualRevenue');
    expect(scope[1]!.fields).not.toContain('Notes__c');
    expect(candidateObjects(describeGlobal, { exclude: ['Secret__c'] })).not.toContain('Secret__c');
  });

  it('builds the SELECT both readers run', () => {
    expect(selectSoql(objectScope(leadStatus)!)).toBe(
      'SELECT Id, MasterLabel, CreatedDate, LastModifiedDate, SystemModstamp FROM LeadStatus',
    );
    expect(selectSoql(objectScope(leadStatus)!, 'SystemModstamp > 2024-01-01T00:00:00Z')).toMatch(/ WHERE SystemModstamp > /);
  });

  it('quotes values as SOQL string literals, in IN lists too', () => {
    expect(soqlQuote('001000000000001AAA')).toBe("'001000000000001AAA'");
    expect(soqlQuote(`O'Brien \\ "x"\n`)).toBe(`'O\\'Brien \\\\ \\"x\\"\\n'`);
    const prefix = `${selectFrom('Contact', ['Id', 'LastName'])} WHERE Id IN (`;
    expect(inListBatches(prefix, ['003A', "003' OR Name != '"])).toEqual([
      `SELECT Id, LastName FROM Contact WHERE Id IN ('003A','003\\' OR Name != \\'')`,
    ]);
  });
});
