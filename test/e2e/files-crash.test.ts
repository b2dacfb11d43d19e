/**
 * Files through a hard crash of the embedded blob store: Azurite (started by the engine as its
 * child) is killed with SIGKILL right after a backup recorded its files, before Azurite saved what
 * it acknowledged. After a restart and the next job every file is in the store, reads back whole
 * and equals the org's bytes, and `check --read-data 100` finds nothing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect, afterEach } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { waitForJob } from '../support/backup-checks.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import { freePort } from '../support/ports.js';
import { blobName } from '../../engine/src/store/blobs/blob-store.js';

const FILE_FIELDS: Record<string, string> = { Attachment: 'Body', ContentVersion: 'VersionData', Document: 'Body' };

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe('files through a SIGKILL of embedded Azurite', () => {
  let emulator: EmulatorHandle | undefined;
  let engine: TestEngine | undefined;
  afterEach(async () => {
    await engine?.close();
    await emulator?.stop();
    engine = undefined;
    emulator = undefined;
  });

  it('a file blob storage no longer has is stored again: by a changed record with the same bytes, or fetched again once found lost', async () => {
    emulator = await startEmulator({ records: 1000, seed: 42 });
    const conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    engine = await startTestEngine({ runner: { reconcileEveryMs: 7 * 86_400_000 }, worker: { pollMs: 200 } });
    const org = await connectEmulatorOrg(engine, emulator, 'files-dedup');
    const first = await engine.services.jobs.start(org, { by: 'files-dedup' });
    expect((await waitForJob(engine, org, first.id)).status).toBe('succeeded');

    const { Id } = (await conn.query<{ Id: string }>('SELECT Id FROM Attachment ORDER BY Id LIMIT 1')).records[0]!;
    const ref = (await engine.services.store.blobRefsOf(org.id, 'Attachment', Id)).at(-1)!;
    await engine.ctx.infra.container.getBlockBlobClient(blobName(org.id, ref.contentHash)).delete();
    await conn.sobject('Attachment').update({ Id, Description: 'renamed, same bytes' });
    const next = await engine.services.jobs.start(org, { by: 'files-dedup' });
    expect((await waitForJob(engine, org, next.id)).status).toBe('succeeded');

    const refs = await engine.services.store.blobRefsOf(org.id, 'Attachment', Id);
    expect(refs.map((r) => r.contentHash)).toEqual([ref.contentHash, ref.contentHash]);
    expect(await engine.services.store.check({ orgId: org.id, readDataPercent: 100 })).toMatchObject({ ok: true, problems: [] });

    // A file lost under a record no change brings back into a backup's window: the read-back names
    // it, and the next incremental fetches it again all the same.
    const other = (await conn.query<{ Id: string }>(`SELECT Id FROM Attachment WHERE Id != '${Id}' ORDER BY Id LIMIT 1`)).records[0]!.Id;
    const otherRef = (await engine.services.store.blobRefsOf(org.id, 'Attachment', other)).at(-1)!;
    await engine.ctx.infra.container.getBlockBlobClient(blobName(org.id, otherRef.contentHash)).delete();
    const { lost } = await engine.services.store.verifyRecordedBlobs(new Date(0));
    expect(lost).toEqual([{ orgId: org.id, contentHash: otherRef.contentHash, object: 'Attachment', recordId: other }]);
    expect(await engine.services.store.blobRefsOf(org.id, 'Attachment', other)).toEqual([]);
    const third = await engine.services.jobs.start(org, { by: 'files-dedup' });
    expect((await waitForJob(engine, org, third.id)).status).toBe('succeeded');
    expect((await engine.services.store.blobRefsOf(org.id, 'Attachment', other)).map((r) => r.contentHash)).toEqual([otherRef.contentHash]);
    expect(await engine.services.store.check({ orgId: org.id, readDataPercent: 100 })).toMatchObject({ ok: true, problems: [] });
  });

  it('files recorded just before the kill are found lost at restart and fetched again by the next job', async () => {
    emulator = await startEmulator({ records: 1000, seed: 41 });
    const conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    engine = await startTestEngine({
      // No connection string: the engine starts Azurite itself, in its data directory.
      env: { AZURE_STORAGE_CONNECTION_STRING: '', ORGVAULT_AZURITE_PORT: String(await freePort()) },
      runner: { reconcileEveryMs: 7 * 86_400_000 },
      worker: { pollMs: 200 },
    });
    expect(engine.ctx.infra.embedded.azurite).toBe(true);
    const org = await connectEmulatorOrg(engine, emulator, 'files-crash');
    let files = 0;
    for (const object of Object.keys(FILE_FIELDS)) files += (await conn.query(`SELECT Id FROM ${object}`)).totalSize;
    expect(files).toBeGreaterThan(5);

    const first = await engine.services.jobs.start(org, { by: 'files-crash' });
    // The moment the last file is recorded, before Azurite's next save (every 5 s).
    const pool = engine.ctx.infra.pool;
    for (;;) {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM blob_refs WHERE org_id = $1', [org.id]);
      if (rows[0]!.n >= files) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const azuritePid = Number(readFileSync(path.join(engine.ctx.config.dataDir, 'azurite.pid'), 'utf8').trim());
    process.kill(azuritePid, 'SIGKILL');
    expect((await waitForJob(engine, org, first.id)).status).toBe('succeeded');

    engine = await engine.restart();
    const next = await engine.services.jobs.start(org, { by: 'files-crash' });
    expect((await waitForJob(engine, org, next.id)).status).toBe('succeeded');

    const report = await engine.services.store.check({ orgId: org.id, readDataPercent: 100 });
    expect(report.problems).toEqual([]);
    for (const [object, field] of Object.entries(FILE_FIELDS)) {
      const { records } = await conn.query<{ Id: string }>(`SELECT Id FROM ${object}`).run({ autoFetch: true });
      for (const { Id } of records) {
        const res = await fetch(`${emulator.instanceUrl}/services/data/v62.0/sobjects/${object}/${Id}/${field}`, {
          headers: { Authorization: `Bearer ${emulator.accessToken}` },
        });
        const want = Buffer.from(await res.arrayBuffer());
        const ref = (await engine.services.store.blobRefsOf(org.id, object, Id)).at(-1);
        expect({ object, Id, stored: ref !== undefined }).toEqual({ object, Id, stored: true });
        const got = await readAll(await engine.services.store.openBlob(org.id, ref!.contentHash));
        expect({ object, Id, same: got.equals(want) }).toEqual({ object, Id, same: true });
      }
    }
  });
});
