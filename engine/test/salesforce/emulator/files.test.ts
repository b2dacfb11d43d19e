import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inListBatches, queryLinks, LINK_QUERY_PARAM_BYTES } from '../../../src/salesforce/content-links.js';
import { insertWithBlob } from '../../../src/salesforce/blob-insert.js';
import { queryRecords } from '../../../src/salesforce/rest-query.js';
import { startTestOrg, type TestOrg } from './org.js';

describe('file links and blob inserts against the org (emulator)', () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await startTestOrg({ records: 40_000, seed: 9 });
  });
  afterAll(async () => {
    await org.stop();
  });

  it('cuts IN lists so each query stays within the URI budget and the SOQL limit, ids in order', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `069000000${String(i).padStart(6, '0')}AAA`);
    const prefix = 'SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId IN (';
    const batches = inListBatches(prefix, ids);
    expect(batches.length).toBeGreaterThan(3);
    for (const q of batches) expect(new URLSearchParams({ q }).toString().length).toBeLessThanOrEqual(LINK_QUERY_PARAM_BYTES);
    expect(batches.flatMap((q) => q.slice(prefix.length, -1).split(',')).map((s) => s.slice(1, -1))).toEqual(ids);
    expect(inListBatches(prefix, ids, ')', 10_000_000).length).toBe(1); // then only the 100,000-character SOQL limit cuts
    expect(inListBatches(prefix, [...ids, ...ids, ...ids, ...ids, ...ids], ')', 10_000_000).every((q) => q.length <= 100_000)).toBe(true);
  });

  it('reads every link of hundreds of documents in a few queries, none refused for length', async () => {
    const conn = await org.connect();
    const docs = (await queryRecords(conn, 'SELECT Id FROM ContentDocument')).map((r) => String(r.Id));
    expect(docs.length).toBeGreaterThan(450);
    const tally = conn.budget.tally();
    const links: Array<Record<string, unknown>> = [];
    await tally.run(async () => {
      for await (const page of queryLinks(conn, ['Id', 'ContentDocumentId', 'LinkedEntityId'], 'ContentDocumentId', docs))
        links.push(...page);
    });
    expect(tally.calls).toBeGreaterThanOrEqual(2);
    expect(tally.calls).toBeLessThanOrEqual(3);
    // Each generated file has its record's link and its owner's.
    expect(new Set(links.map((l) => l.ContentDocumentId))).toEqual(new Set(docs));
    expect(links.length).toBe(2 * docs.length);
  });

  it('creates a record with its file streamed as a multipart body', async () => {
    const conn = await org.connect();
    const chunks = Array.from({ length: 8 }, (_, i) => Buffer.alloc(256 * 1024, i + 1));
    const { id } = await insertWithBlob(conn, {
      sobject: 'ContentVersion',
      fields: { PathOnClient: 'streamed.bin', Title: 'Streamed' },
      blobField: 'VersionData',
      fileName: 'streamed.bin',
      size: chunks.reduce((n, c) => n + c.length, 0),
      open: async () =>
        (async function* () {
          yield* chunks;
        })(),
    });
    const [v] = await queryRecords(conn, `SELECT ContentSize, Checksum FROM ContentVersion WHERE Id = '${id}'`);
    expect(v).toMatchObject({ ContentSize: 2 * 1024 * 1024, Checksum: createHash('md5').update(Buffer.concat(chunks)).digest('hex') });
  });
});
