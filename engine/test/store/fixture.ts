import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { createTestDb, testStorageConnectionString, type TestDb } from '../../../test/support/db.js';
import { insertTenantAndOrg } from '../../../test/support/fixtures.js';
import { Store } from '../../src/store/store.js';
import { localFileKek } from '../../src/store/keys/kek.js';

/** A store over a fresh schema, a fresh container and a fresh key file. */
export interface StoreFixture {
  db: TestDb;
  container: ContainerClient;
  keyFile: string;
  store: Store;
  newOrg(): Promise<string>;
  /** Another Store over the same data, e.g. with another key file. */
  reopen(keyFile: string, packBytes?: number): Store;
  drop(): Promise<void>;
}

export async function storeFixture(packBytes?: number): Promise<StoreFixture> {
  const db = await createTestDb();
  const container = BlobServiceClient.fromConnectionString(testStorageConnectionString()).getContainerClient(
    `store-${randomBytes(6).toString('hex')}`,
  );
  await container.create();
  const dir = mkdtempSync(path.join(process.env.ORGVAULT_TEST_TMP ?? tmpdir(), 'store-keys-'));
  const keyFile = path.join(dir, 'keys', 'kek.key');
  const reopen = (file: string, bytes = packBytes): Store =>
    new Store({ pool: db.pool, container, kek: localFileKek(file), ...(bytes ? { packBytes: bytes } : {}) });
  return {
    db,
    container,
    keyFile,
    store: reopen(keyFile),
    reopen,
    newOrg: async () => (await insertTenantAndOrg(db.pool)).orgId,
    drop: async () => {
      await container.deleteIfExists();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Bulk API 2.0-style CSV: every value quoted, nulls as empty unquoted fields. */
export function csv(header: string[], rows: Array<Array<string | null>>, eol = '\n'): Buffer {
  const q = (v: string | null): string => (v === null ? '' : `"${v.replaceAll('"', '""')}"`);
  return Buffer.from([header.map(q), ...rows.map((r) => r.map(q))].map((r) => r.join(',')).join(eol) + eol);
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
