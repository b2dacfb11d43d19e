import { describe, it, expect } from '@jest/globals';
import { csvRecords } from '../../src/store/packs/csv.js';
import { csvBatch } from '../../src/store/packs/batch.js';
import { OrgVaultError } from '../../src/errors.js';

const cols = { id: 'Id', modstamp: 'SystemModstamp', deleted: 'IsDeleted' };

describe('CSV scanning', () => {
  it('reads quoted fields, doubled quotes, embedded line breaks, CRLF and nulls', () => {
    const text =
      'Id,Name,Note,SystemModstamp,IsDeleted\r\n"a1","Acme ""Big"" Co","line1\r\nline2, with comma",2024-01-01T00:00:00.000Z,false\r\n"a2","",,2024-01-02T00:00:00.000+0000,"true"\r\n';
    const recs = [...csvRecords(Buffer.from(text))];
    expect(recs).toEqual([
      {
        Id: 'a1',
        Name: 'Acme "Big" Co',
        Note: 'line1\r\nline2, with comma',
        SystemModstamp: '2024-01-01T00:00:00.000Z',
        IsDeleted: 'false',
      },
      { Id: 'a2', Name: '', Note: null, SystemModstamp: '2024-01-02T00:00:00.000+0000', IsDeleted: 'true' },
    ]);
    const batch = csvBatch(Buffer.from(text), cols);
    expect(batch.count).toBe(2);
    expect(batch.ids).toEqual(['a1', 'a2']);
    expect([...batch.deleted]).toEqual([0, 1]);
    expect(batch.payload(0).toString()).toBe('"a1","Acme ""Big"" Co","line1\r\nline2, with comma",2024-01-01T00:00:00.000Z,false');
  });

  it('accepts a last row without a line ending', () => {
    expect(csvBatch(Buffer.from('Id,SystemModstamp\n"x",2024-01-01T00:00:00Z'), { id: 'Id', modstamp: 'SystemModstamp' }).count).toBe(1);
  });

  const broken: Array<[string, string, RegExp]> = [
    ['unterminated quote', '"Id","SystemModstamp"\n"a","2024-01-01T00:00:00Z"\n"b","2024-01-01T00:00:00Z\n', /data row 2.*not closed/],
    ['missing field', '"Id","SystemModstamp"\n"a","2024-01-01T00:00:00Z"\n"b"\n', /data row 2.*1 fields, header has 2/],
    ['extra field', '"Id","SystemModstamp"\n"a","2024-01-01T00:00:00Z","x"\n', /data row 1.*more than 2 fields/],
    ['text after a quote', '"Id","SystemModstamp"\n"a"x,"2024-01-01T00:00:00Z"\n', /data row 1.*after a closing quote/],
    ['stray quote', '"Id","SystemModstamp"\na"b,"2024-01-01T00:00:00Z"\n', /data row 1.*quote inside/],
    ['bad timestamp', '"Id","SystemModstamp"\n"a","yesterday"\n', /data row 1.*SystemModstamp is not a timestamp/],
    ['empty id', '"Id","SystemModstamp"\n,"2024-01-01T00:00:00Z"\n', /data row 1.*empty Id/],
    ['missing column', '"Name","SystemModstamp"\n"a","2024-01-01T00:00:00Z"\n', /header.*no column named Id/],
    ['empty', '', /empty/],
  ];
  it.each(broken)('rejects %s with MALFORMED_DATA naming the row', (_name, text, message) => {
    let err: unknown;
    try {
      csvBatch(Buffer.from(text), { id: 'Id', modstamp: 'SystemModstamp' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OrgVaultError);
    expect((err as OrgVaultError).code).toBe('MALFORMED_DATA');
    expect((err as OrgVaultError).message).toMatch(message);
    // Errors never carry record contents.
    expect((err as OrgVaultError).message).not.toMatch(/"a"|"b"/);
  });
});
