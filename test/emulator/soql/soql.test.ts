import { describe, expect, it } from '@jest/globals';
import { Org } from '../data/org.js';
import { generateOrg } from '../data/generator.js';
import { executeSoql, rowValues } from './execute.js';

const org = new Org({ clock: () => Date.UTC(2026, 0, 10, 12) });
generateOrg(org, { records: 3000, seed: 21, anchorTime: Date.UTC(2026, 0, 10) });
const q = (soql: string, includeDeleted = false) => executeSoql(org, soql, { includeDeleted });
const all = (soql: string) => {
  const r = q(soql);
  return Array.from({ length: r.totalSize }, (_, i) => rowValues(r, i));
};

describe('SOQL', () => {
  it('filters with comparisons, AND/OR/NOT, IN, LIKE and NULL', () => {
    const rows = all(
      "SELECT Id, Industry, AnnualRevenue FROM Account WHERE (Industry = 'energy' OR Industry IN ('Retail')) AND NOT AnnualRevenue < 1000000",
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const [, industry, revenue] of rows) {
      expect(['Energy', 'Retail']).toContain(industry);
      expect(revenue as number).toBeGreaterThanOrEqual(1000000);
    }
    expect(all("SELECT Name FROM Account WHERE Name LIKE 'atlas%'").every(([n]) => String(n).startsWith('Atlas'))).toBe(true);
    const nulls =
      q('SELECT Id FROM Account WHERE ParentId = null').totalSize + q('SELECT Id FROM Account WHERE ParentId != null').totalSize;
    expect(nulls).toBe(q('SELECT Id FROM Account').totalSize);
  });

  it('compares dates and datetimes, with relative date literals', () => {
    const recent = q('SELECT Id FROM Contact WHERE LastModifiedDate = LAST_N_DAYS:10').totalSize;
    const since = q('SELECT Id FROM Contact WHERE LastModifiedDate >= 2025-12-31T00:00:00Z').totalSize;
    expect(recent).toBeGreaterThan(0);
    expect(since).toBe(recent);
    expect(q('SELECT Id FROM Opportunity WHERE CloseDate > 2025-06-01 AND CloseDate <= TODAY').totalSize).toBeGreaterThan(0);
  });

  it('reads parent fields, sorts and limits', () => {
    const rows = all(
      'SELECT Name, Account.Name, Account.Owner.Username FROM Contact ORDER BY Account.Name DESC NULLS LAST, Name LIMIT 5 OFFSET 2',
    );
    expect(rows).toHaveLength(5);
    const names = rows.map((r) => String(r[1]).toLowerCase());
    expect([...names].sort().reverse()).toEqual(names);
    expect(String(rows[0]![2])).toMatch(/@org\d+\.orgvault-emulator\.test$/);
    expect(q('SELECT COUNT() FROM Case').count).toBe(true);
    expect(q('SELECT c.Id FROM Contact c WHERE c.Account.Name != null LIMIT 3').columns.map((c) => c.name)).toEqual(['Id']);
  });

  it('matches multi-select picklists with INCLUDES', () => {
    for (const [tags] of all("SELECT Tags__c FROM Project__c WHERE Tags__c INCLUDES ('Alpha;Beta', 'Omega')")) {
      const set = String(tags).split(';');
      expect((set.includes('Alpha') && set.includes('Beta')) || set.includes('Omega')).toBe(true);
    }
  });

  it('answers bad queries with Salesforce error codes', () => {
    expect(() => q('SELECT Id FROM Account WHERE')).toThrow(expect.objectContaining({ errorCode: 'MALFORMED_QUERY' }));
    expect(() => q('SELECT Bogus FROM Account')).toThrow(expect.objectContaining({ errorCode: 'INVALID_FIELD' }));
    expect(() => q('SELECT Id FROM Bogus')).toThrow(expect.objectContaining({ errorCode: 'INVALID_TYPE' }));
    expect(() => q("SELECT Id FROM Account WHERE AnnualRevenue = '5'")).toThrow(expect.objectContaining({ errorCode: 'INVALID_FIELD' }));
    expect(() => q("SELECT Id FROM Account WHERE Description = 'x'")).toThrow(expect.objectContaining({ errorCode: 'INVALID_FIELD' }));
    expect(() => q('SELECT Id FROM ContentDocumentLink')).toThrow(expect.objectContaining({ errorCode: 'MALFORMED_QUERY' }));
    expect(() => q("SELECT Id FROM Account WHERE Id = 'xyz'")).toThrow(
      expect.objectContaining({ errorCode: 'INVALID_QUERY_FILTER_OPERATOR' }),
    );
  });
});

describe('CSV rows', () => {
  it('quotes every value, leaves nulls empty and escapes quotes, as a CSV parser reads back', async () => {
    const { parse } = await import('csv-parse/sync');
    const { csvHeader, csvRowWriter } = await import('./csv.js');
    const id = org.create('Account', { Name: 'Say "hi", then\nleave', Phone: null, AnnualRevenue: 12.5 });
    const r = q(`SELECT Id, Name, Phone, AnnualRevenue, CreatedDate, Owner.Name, Parent.Name FROM Account WHERE Id = '${id}'`);
    const text = csvHeader(r) + csvRowWriter(r)(0, r.totalSize).toString();
    expect(text.split('\n')[0]).toBe('"Id","Name","Phone","AnnualRevenue","CreatedDate","Owner.Name","Parent.Name"');
    expect(text).toContain(',,"12.5",');
    const [rec] = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(rec).toEqual({
      Id: id,
      Name: 'Say "hi", then\nleave',
      Phone: '',
      AnnualRevenue: '12.5',
      CreatedDate: new Date(Date.UTC(2026, 0, 10, 12)).toISOString(),
      'Owner.Name': 'Ada Admin',
      'Parent.Name': '',
    });
    const many = q('SELECT Id, Name, Phone, Description, AnnualRevenue, IsDeleted, LastModifiedDate FROM Account');
    const rows = parse(csvHeader(many) + csvRowWriter(many)(0, many.totalSize).toString(), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(rows).toHaveLength(many.totalSize);
    rows.forEach((row, i) => {
      const [rid, name, , description] = rowValues(many, i);
      expect(row.Id).toBe(rid);
      expect(row.Name).toBe(name);
      expect(row.Description).toBe(description ?? '');
    });
    const plain = csvRowWriter(many, { quoteAll: false, delimiter: ';', lineEnding: '\r\n' })(0, 2).toString();
    expect(plain.endsWith('\r\n')).toBe(true);
  });
});
