import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CHUNK_BYTES } from '../../src/store/blobs/chunked.js';
import { collect, storeFixture, type StoreFixture } from './fixture.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Deterministic bytes that do not compress away: a counter-mode SHA-256 stream. */
function* pseudoRandom(total: number, piece = 64 * 1024): Generator<Buffer> {
  let made = 0;
  let n = 0;
  while (made < total) {
    const size = Math.min(piece, total - made);
    const buf = Buffer.alloc(size);
    for (let o = 0; o < size; o += 32) createHash('sha256').update(`${n++}`).digest().copy(buf, o);
    made += size;
    yield buf;
  }
}

describe('store blobs', () => {
  let fx: StoreFixture;
  let org: string;
  const ref = (recordId: string, field = 'VersionData') => ({
    orgId: org,
    object: 'ContentVersion',
    recordId,
    field,
    validFrom: '2024-01-01T00:00:00Z',
    source: 'bulk',
  });
  const names = async () => {
    const out: string[] = [];
    for await (const b of fx.container.listBlobsFlat()) out.push(b.name);
    return out;
  };

  beforeAll(async () => {
    fx = await storeFixture();
    org = await fx.newOrg();
  });
  afterAll(async () => {
    await fx.drop();
  });

  it.each([
    ['empty', 0],
    ['small', 1000],
    ['exactly one chunk', CHUNK_BYTES],
    ['a bit over two chunks', 2 * CHUNK_BYTES + 7],
  ])('round-trips a %s file, encrypted at rest', async (_name, size) => {
    const content = Buffer.concat([...pseudoRandom(size)]);
    const res = await fx.store.putBlob(ref(`f${size}`), Readable.from([content]));
    expect(res).toMatchObject({ size, uploaded: true });
    expect((await readAll(await fx.store.openBlob(org, res.contentHash))).equals(content)).toBe(true);
    const stored = await fx.container.getBlockBlobClient(`orgs/${org}/blobs/${res.contentHash}`).downloadToBuffer();
    expect(stored.length).toBe(res.storedSize);
    if (size >= 64) expect(stored.includes(content.subarray(0, 64))).toBe(false);
  });

  it('stores the same content once, records every reference, leaves no staging blobs', async () => {
    const content = Buffer.from('the same attachment body');
    // What each new reference added to storage, as its caller's count sees it: the second, nothing.
    const added: number[] = [];
    const count = async (_tx: unknown, ref: { storedBytes: number }) => void added.push(ref.storedBytes);
    const a = await fx.store.putBlob(ref('r1', 'Body'), Readable.from([content]), undefined, count);
    const b = await fx.store.putBlob(
      ref('r2', 'Body'),
      Readable.from([Buffer.from('the same '), Buffer.from('attachment body')]),
      undefined,
      count,
    );
    expect(b.contentHash).toBe(a.contentHash);
    expect(b.uploaded).toBe(false);
    expect(added).toEqual([a.storedSize, 0]);
    expect((await names()).filter((n) => n.includes(a.contentHash))).toHaveLength(1);
    expect((await names()).filter((n) => n.includes('/staging/'))).toEqual([]);
    expect((await fx.store.blobRefsOf(org, 'ContentVersion', 'r2')).map((r) => [r.field, r.contentHash, r.size])).toEqual([
      ['Body', a.contentHash, content.length],
    ]);
    const later = await fx.store.putBlob({ ...ref('r2', 'Body'), validFrom: '2024-03-01T00:00:00Z' }, Readable.from([Buffer.from('v2')]));
    const at = async (t: string) =>
      (await collect(fx.store.blobRefsAt({ orgId: org, object: 'ContentVersion', at: new Date(t) })))
        .filter((r) => r.field === 'Body')
        .map((r) => [r.recordId, r.contentHash]);
    expect(await at('2024-02-01T00:00:00Z')).toEqual([
      ['r1', a.contentHash],
      ['r2', a.contentHash],
    ]);
    expect(await at('2024-03-01T00:00:00Z')).toEqual([
      ['r1', a.contentHash],
      ['r2', later.contentHash],
    ]);
    // Content addresses are keyed: not the plain SHA-256 of the file.
    expect(a.contentHash).not.toBe(createHash('sha256').update(content).digest('hex'));
  });

  it('reports a failing source without keeping anything', async () => {
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(3 * CHUNK_BYTES);
        throw Object.assign(new Error('connection reset by the org'), { code: 'ECONNRESET' });
      })(),
    );
    await expect(fx.store.putBlob(ref('broken'), failing)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect((await names()).filter((n) => n.includes('/staging/'))).toEqual([]);
    expect(await fx.store.blobRefsOf(org, 'ContentVersion', 'broken')).toEqual([]);
  });

  it('streams a 200 MB file in and out with bounded memory', async () => {
    const size = 200 * 1024 * 1024;
    const hashIn = createHash('sha256');
    const source = Readable.from(
      (function* () {
        for (let made = 0; made < size; made += 1024 * 1024) {
          const piece = randomBytes(1024 * 1024);
          hashIn.update(piece);
          yield piece;
        }
      })(),
    );
    global.gc?.();
    const base = process.memoryUsage();
    let peakRss = base.rss;
    const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    try {
      const res = await fx.store.putBlob(ref('big'), source);
      expect(res.size).toBe(size);
      const hashOut = createHash('sha256');
      let seen = 0;
      await pipeline(
        await fx.store.openBlob(org, res.contentHash),
        new Writable({
          write(chunk: Buffer, _e, done) {
            hashOut.update(chunk);
            seen += chunk.length;
            done();
          },
        }),
      );
      expect(seen).toBe(size);
      expect(hashOut.digest('hex')).toBe(hashIn.digest('hex'));
    } finally {
      clearInterval(timer);
    }
    // A sanity bound, not a benchmark: the file never sits in memory (200 MB would).
    expect(peakRss - base.rss).toBeLessThan(120 * 1024 * 1024);
  });
});
