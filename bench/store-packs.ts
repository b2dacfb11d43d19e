/**
 * Store pack benchmark: 1,000,000 rows × 20 fields of Bulk-style CSV (generated here) written
 * into packs and the catalog, against baselines measured in the same run on the same bytes:
 * plain zlib gzip of the CSV, and a raw COPY of the same rows into a 20-column table.
 *
 *   nice -n 10 npx tsx bench/store-packs.ts [rows]      (BENCH_DATABASE_URL to use a server)
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';
import { Encoder } from '@toondepauw/node-zstd';
import { from as copyFrom } from 'pg-copy-streams';
import { PACK_LEVEL } from '../engine/src/store/packs/codec.js';
import { verifyIndexes } from '../engine/src/store/catalog/index-auth.js';
import { openBenchStore, timed } from './support/store.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const PAGE_ROWS = 200_000; // ~75 MB pages, the size Bulk API result pages come in
const MB = 1024 * 1024;

/** Deterministic pseudo-random numbers (mulberry32), so every run stores the same bytes. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'acme global systems north south east west river stone bright data cloud health bank energy retail media green blue star labs partners group holdings solutions services'.split(
    ' ',
  );
const TEXT =
  'the customer asked for a renewal quote and a review of the support plan before the end of the quarter with a discount on additional seats'.split(
    ' ',
  );
const CITIES = ['Paris', 'Berlin', 'London', 'Madrid', 'Rome', 'Vienna', 'Zurich', 'Oslo', 'Lisbon', 'Dublin', 'Prague', 'Warsaw'];
const TYPES = ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other'];
const INDUSTRIES = ['Banking', 'Energy', 'Retail', 'Media', 'Healthcare', 'Technology', 'Manufacturing', 'Education'];
const HEADER = [
  'Id',
  'Name',
  'Type',
  'Industry',
  'AnnualRevenue',
  'NumberOfEmployees',
  'Phone',
  'Website',
  'BillingStreet',
  'BillingCity',
  'BillingPostalCode',
  'BillingCountry',
  'Rating',
  'Description',
  'OwnerId',
  'CreatedDate',
  'LastModifiedDate',
  'SystemModstamp',
  'IsDeleted',
  'AccountNumber',
];

function sfId(prefix: string, n: number): string {
  const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let s = '';
  for (let i = 0; i < 12; i++, n = Math.floor(n / 62)) s = chars[n % 62] + s;
  return `${prefix}${s}AAA`;
}

/** A page of the given record numbers; `changedAt` (epoch ms) makes each a version modified within the hour after it. */
function generateRows(numbers: Iterable<number>, rand: () => number, changedAt?: number): Buffer {
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)]!;
  const q = (v: string): string => `"${v}"`;
  const lines: string[] = [HEADER.map(q).join(',')];
  const base = Date.UTC(2020, 0, 1);
  for (const n of numbers) {
    const created = new Date(base + Math.floor(rand() * 4 * 365 * 86400e3));
    const modified = new Date(
      changedAt === undefined ? created.getTime() + Math.floor(rand() * 200 * 86400e3) : changedAt + Math.floor(rand() * 3600e3),
    ).toISOString();
    const words = 8 + Math.floor(rand() * 14);
    const desc: string[] = [];
    for (let w = 0; w < words; w++) desc.push(pick(TEXT));
    lines.push(
      [
        q(sfId('001', n)),
        q(`${pick(WORDS)} ${pick(WORDS)} ${n}`),
        q(pick(TYPES)),
        q(pick(INDUSTRIES)),
        q(String(Math.floor(rand() * 5e8))),
        q(String(Math.floor(rand() * 50000))),
        q(`+1 (${100 + Math.floor(rand() * 900)}) 555-${String(Math.floor(rand() * 1e4)).padStart(4, '0')}`),
        q(`https://www.${pick(WORDS)}${n % 997}.example.com`),
        q(`${1 + Math.floor(rand() * 999)} ${pick(WORDS)} street`),
        q(pick(CITIES)),
        q(String(10000 + Math.floor(rand() * 89999))),
        q('Europe'),
        rand() < 0.3 ? '' : q(pick(['Hot', 'Warm', 'Cold'])),
        q(desc.join(' ')),
        q(sfId('005', Math.floor(rand() * 50))),
        q(created.toISOString()),
        q(modified),
        q(modified),
        q('false'),
        q(`AC-${String(n).padStart(8, '0')}`),
      ].join(','),
    );
  }
  return Buffer.from(lines.join('\n') + '\n');
}

function generatePage(first: number, count: number, rand: () => number): Buffer {
  return generateRows(
    Array.from({ length: count }, (_, i) => first + i),
    rand,
  );
}

async function main(): Promise<void> {
  const bench = await openBenchStore('packs', 4);
  const { pool, store } = bench;
  const org = bench.org.id;
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  try {
    const rand = rng(42);
    const pages: Buffer[] = [];
    for (let first = 0; first < ROWS; first += PAGE_ROWS) pages.push(generatePage(first, Math.min(PAGE_ROWS, ROWS - first), rand));
    const csvBytes = pages.reduce((s, p) => s + p.length, 0);
    console.log(
      `CSV: ${ROWS.toLocaleString('en')} rows × ${HEADER.length} fields, ${(csvBytes / MB).toFixed(1)} MB in ${pages.length} pages`,
    );

    // Codec choice, on one page: what each stores and how fast.
    const sample = pages[0]!;
    console.log('\ncodec on one page        stored   MB/s');
    const codecs: Array<[string, () => Promise<Buffer> | Buffer]> = [
      ['gzip -6 (zlib)', () => gzipSync(sample)],
      ['brotli q5 (zlib)', () => brotliCompressSync(sample, { params: { [zc.BROTLI_PARAM_QUALITY]: 5 } })],
      ...[1, 3, 6, 9, 12].map((level): [string, () => Promise<Buffer>] => [
        `zstd ${level}${level === PACK_LEVEL ? ' (packs)' : ''}`,
        () => new Encoder(level).encode(sample),
      ]),
    ];
    for (const [name, fn] of codecs) {
      const [out, s] = await timed(fn);
      console.log(
        `${name.padEnd(22)} ${((out.length / sample.length) * 100).toFixed(1).padStart(6)}% ${(sample.length / MB / s).toFixed(0).padStart(6)}`,
      );
    }

    // Baseline 1: plain gzip of the whole CSV (one core, as a backup tool piping to gzip would).
    let gzBytes = 0;
    const [, gzSeconds] = await timed(() => {
      for (const p of pages) gzBytes += gzipSync(p).length;
    });

    // Baseline 2: a raw COPY of the same rows into a 20-column text table.
    await pool.query(`CREATE TABLE raw_copy (${HEADER.map((h) => `"${h}" text`).join(', ')})`);
    const [, copySeconds] = await timed(async () => {
      for (const p of pages) {
        const client = await pool.connect();
        try {
          await pipeline(Readable.from([p]), client.query(copyFrom('COPY raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)')));
        } finally {
          client.release();
        }
      }
    });
    const rawBytes = Number((await pool.query(`SELECT pg_total_relation_size('raw_copy') AS n`)).rows[0].n);

    // The store: every page into packs + catalog, as the backup runner hands them over.
    const columns = { id: 'Id', modstamp: 'SystemModstamp', deleted: 'IsDeleted' };
    let packBytes = 0;
    global.gc?.();
    const rssBeforeStore = process.memoryUsage().rss;
    peakRss = rssBeforeStore;
    const [, storeSeconds] = await timed(async () => {
      for (const p of pages)
        packBytes += (await store.putCsvPage({ orgId: org, object: 'Account', source: 'bulk', csv: p, columns })).storedBytes;
    });
    const storePeak = peakRss - rssBeforeStore;
    await pool.query('VACUUM ANALYZE packs');
    const one = async (sql: string): Promise<number> => Number((await pool.query(sql)).rows[0].n);
    // Everything the store keeps in PostgreSQL: the packs table with its TOAST and indexes.
    const storedBytes = await one(`SELECT pg_total_relation_size('packs') AS n`);
    // The catalog's share: each pack's row index (compressed arrays) and bounds, as stored.
    const catalogBytes = await one(
      `SELECT sum(pg_column_size(row_record_ids) + pg_column_size(row_valid_from) + pg_column_size(row_deleted) + pg_column_size(row_hash)
                  + pg_column_size(min_record_id) + pg_column_size(max_record_id) + 16)::bigint AS n FROM packs`,
    );
    const versions = await one(`SELECT sum(row_count)::bigint AS n FROM packs`);

    // The same pages again: everything is already stored (a new cycle's full backup of an unchanged org).
    let skipped = 0;
    const [, dedupSeconds] = await timed(async () => {
      for (const p of pages)
        skipped += (await store.putCsvPage({ orgId: org, object: 'Account', source: 'bulk', csv: p, columns })).skipped;
    });

    // As-of read of the whole object.
    let read = 0;
    const [, readSeconds] = await timed(async () => {
      for await (const r of store.readAsOf({ orgId: org, object: 'Account', at: new Date() })) if (r.id) read++;
    });
    // The part of it that verifies the packs' row index MACs: the same digests the write computes once per pack.
    const keys = await store.keyring.forOrg(org);
    const [, verifySeconds] = await timed(() => verifyIndexes(pool, keys, 'Account', { all: true }));

    // An incremental's page: 1% of the records changed later (every 100th), as one page.
    const changedNumbers = Array.from({ length: Math.ceil(ROWS / 100) }, (_, i) => i * 100);
    const changed = generateRows(changedNumbers, rng(7), Date.UTC(2025, 0, 1));
    const [incremental, incrementalSeconds] = await timed(() =>
      store.putCsvPage({ orgId: org, object: 'Account', source: 'bulk', csv: changed, columns }),
    );
    // Lookups by id: 10 scattered records as of now (change events completing their records),
    // one record's history, and 100 tombstones (each needs the record's latest state).
    const scattered = Array.from({ length: 100 }, (_, i) => sfId('001', Math.floor(((i + 0.5) * ROWS) / 100)));
    const [found, lookupSeconds] = await timed(() =>
      store.readRecords({ orgId: org, object: 'Account', at: new Date(), ids: scattered.filter((_, i) => i % 10 === 0) }),
    );
    const [history, historySeconds] = await timed(() => store.versionsOf({ orgId: org, object: 'Account', recordId: sfId('001', 0) }));
    const [tombstones, tombstoneSeconds] = await timed(() =>
      store.putTombstones({
        orgId: org,
        object: 'Account',
        source: 'getDeleted',
        tombstones: scattered.map((id) => ({ id, deletedAt: new Date() })),
      }),
    );

    const pct = (n: number): string => `${((n / csvBytes) * 100).toFixed(1)}% of CSV`;
    console.log('\nresults');
    console.log(`store write            ${(ROWS / storeSeconds).toFixed(0).padStart(9)} rows/s   ${storeSeconds.toFixed(2)} s`);
    console.log(`  packs (compressed+encrypted data)   ${(packBytes / MB).toFixed(1)} MB = ${pct(packBytes)}`);
    console.log(
      `  catalog (row indexes in the packs)  ${(catalogBytes / MB).toFixed(1)} MB = ${pct(catalogBytes)}  (${(catalogBytes / versions).toFixed(1)} bytes per version)`,
    );
    console.log(`  everything stored (packs table)     ${(storedBytes / MB).toFixed(1)} MB = ${pct(storedBytes)}  (target < 40%)`);
    console.log(
      `baseline gzip -6       ${(ROWS / gzSeconds).toFixed(0).padStart(9)} rows/s   ${gzSeconds.toFixed(2)} s   ${(gzBytes / MB).toFixed(1)} MB = ${pct(gzBytes)}`,
    );
    console.log(
      `baseline raw COPY      ${(ROWS / copySeconds).toFixed(0).padStart(9)} rows/s   ${copySeconds.toFixed(2)} s   ${(rawBytes / MB).toFixed(1)} MB = ${pct(rawBytes)}`,
    );
    console.log(
      `ratios: store time / gzip time = ${(storeSeconds / gzSeconds).toFixed(2)}, store time / raw COPY time = ${(storeSeconds / copySeconds).toFixed(2)}`,
    );
    console.log(
      `        packs bytes / gzip bytes = ${(packBytes / gzBytes).toFixed(2)}, stored bytes / raw COPY bytes = ${(storedBytes / rawBytes).toFixed(2)}`,
    );
    console.log(
      `re-write, all already stored  ${(ROWS / dedupSeconds).toFixed(0).padStart(9)} rows/s   ${dedupSeconds.toFixed(2)} s   (${skipped.toLocaleString('en')} skipped)`,
    );
    console.log(`as-of read, whole object      ${(read / readSeconds).toFixed(0).padStart(9)} rows/s   ${readSeconds.toFixed(2)} s`);
    console.log(`  of which row index MACs verified                ${verifySeconds.toFixed(2)} s   (every pack of the object)`);
    console.log(
      `incremental page, 1% changed  ${(changedNumbers.length / incrementalSeconds).toFixed(0).padStart(9)} rows/s   ${incrementalSeconds.toFixed(2)} s   (${incremental.stored.toLocaleString('en')} stored)`,
    );
    console.log(
      `by id: 10 scattered records ${lookupSeconds.toFixed(2)} s (${found.length} found), one record's versions ${historySeconds.toFixed(2)} s (${history.length}), 100 tombstones ${tombstoneSeconds.toFixed(2)} s (${tombstones.stored} stored)`,
    );
    console.log(
      `RSS growth while storing: ${(storePeak / MB).toFixed(0)} MB over the ${(rssBeforeStore / MB).toFixed(0)} MB held before (which includes the generated CSV)`,
    );
  } finally {
    clearInterval(sampler);
    await bench.close();
  }
}

await main();
