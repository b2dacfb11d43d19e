import type { ContainerClient } from '@azure/storage-blob';
import type { Readable } from 'node:stream';
import type { Pool, PoolClient } from '../infra/db.js';
import type { Config } from '../config/schema.js';
import { defaultKeyFile } from '../infra/stack.js';
import { type KeyEncryptionKey, localFileKek } from './keys/kek.js';
import { azureKeyVaultKek } from './keys/azure-kek.js';
import { Keyring } from './keys/keyring.js';
import { type SecretBox, kekSecretBox, orgSecretBox } from './keys/secret-box.js';
import { type Batch, type CsvColumns, type JsonRecord, type Tombstone, csvBatch, jsonBatch, tombstoneBatch } from './packs/batch.js';
import { type WithBatch, type WriteResult, type WriteTarget, writeBatch } from './packs/writer.js';
import { type Fields, type PackRows, loadPack } from './packs/reader.js';
import { cursorBatches } from './catalog/cursor.js';
import {
  AS_OF_SQL,
  DELETED_SQL,
  IDS_AT_SQL,
  OBJECTS,
  OBJECTS_HOLDING,
  VERSIONS_OF_SQL,
  recordsAtSql,
  type DeletedRow,
  type LiveRow,
} from './sql.js';
import { BlobStore, type BlobRef, type BlobRefInput, type LostFile, type PutBlobResult, type WithRef } from './blobs/blob-store.js';
import { type CheckOptions, type CheckReport, checkStore } from './check/check.js';
import { storeError } from './db-errors.js';
import { type DeletedBackups, deleteOrgBackups } from './deletion.js';
import { type IndexScope, verifyIndexes } from './catalog/index-auth.js';
import {
  type FileRefEntry,
  type PackPruned,
  type VersionEntry,
  collectFiles,
  deleteFileRefs,
  fileRefEntries,
  rewritePack,
  versionEntries,
} from './prune/prune.js';
import { StoreErasure } from './prune/erase.js';

export type {
  CsvColumns,
  JsonRecord,
  Tombstone,
  WithBatch,
  WriteResult,
  WriteTarget,
  Fields,
  BlobRef,
  BlobRefInput,
  LostFile,
  PutBlobResult,
  CheckOptions,
  CheckReport,
  SecretBox,
  KeyEncryptionKey,
  FileRefEntry,
  PackPruned,
  VersionEntry,
};
export type { CheckProblem, FindingCode, IndexEntry } from './check/check.js';
export type { DeletedBackups } from './deletion.js';
export type { RecordRows, ScannedPack, StoreErasure } from './prune/erase.js';

export interface StoreOptions {
  pool: Pool;
  container: ContainerClient;
  kek: KeyEncryptionKey;
  /** Uncompressed bytes per pack (default 4 MiB): large enough to compress well, small enough to read one record cheaply. */
  packBytes?: number;
}

/** A record as of a time: the fields of its latest version then. */
export interface StoredRecord {
  id: string;
  validFrom: Date;
  fields: Fields;
}

export type VersionKind = 'live' | 'deleted' | 'tombstone';

export interface RecordVersion {
  validFrom: Date;
  /** live: the record's state; deleted: its state as a deleted record (e.g. queryAll's IsDeleted); tombstone: gone, no fields. */
  kind: VersionKind;
  fields: Fields | null;
  source: string;
  jobId: string | null;
  packId: string;
  rowNo: number;
}

/** A record whose latest version is a deletion. */
export interface DeletedRecord {
  id: string;
  deletedAt: Date;
  /** Its last stored fields (as deleted, or before the deletion); null when only its deletion is stored. */
  fields: Fields | null;
}

export interface ObjectAt {
  orgId: string;
  object: string;
  at: Date;
}

const DEFAULT_PACK_BYTES = 4 << 20;

/** The KEK the configuration asks for: Azure Key Vault when a key id is set, else the local key file. */
export function kekFromConfig(config: Config): KeyEncryptionKey {
  return config.keyVaultKeyId ? azureKeyVaultKek(config.keyVaultKeyId) : localFileKek(defaultKeyFile(config));
}

/**
 * The backup repository: record versions in compressed, encrypted packs with a catalog in
 * PostgreSQL; files in Blob Storage; envelope encryption throughout. Knows nothing of Salesforce:
 * callers say which columns are the id, the version time and the deleted flag.
 */
export class Store {
  readonly keyring: Keyring;
  /** Erasure's finding and removing (prune/erase.ts); retention/ decides what goes. */
  readonly erasure: StoreErasure;
  private readonly blobs: BlobStore;
  private readonly packBytes: number;

  constructor(private readonly options: StoreOptions) {
    this.keyring = new Keyring(options.pool, options.kek);
    this.blobs = new BlobStore(options.pool, options.container, this.keyring);
    this.packBytes = options.packBytes ?? DEFAULT_PACK_BYTES;
    this.erasure = new StoreErasure({ pool: options.pool, container: options.container, keyring: this.keyring });
  }

  /**
   * Stores a Bulk-style CSV page (header + rows). All-or-nothing; MALFORMED_DATA names the first
   * bad row. `withBatch` commits with it (each put takes one).
   */
  async putCsvPage(input: WriteTarget & { csv: Buffer; columns: CsvColumns }, withBatch?: WithBatch): Promise<WriteResult> {
    return this.write(input, () => csvBatch(input.csv, input.columns), withBatch);
  }

  /** Stores record versions given as field maps (REST results, change events). All-or-nothing. */
  async putRecords(input: WriteTarget & { records: readonly JsonRecord[] }, withBatch?: WithBatch): Promise<WriteResult> {
    return this.write(input, () => jsonBatch(input.records), withBatch);
  }

  /** Records deletions. A record whose latest known state is already deleted gets no second tombstone. */
  async putTombstones(input: WriteTarget & { tombstones: readonly Tombstone[] }, withBatch?: WithBatch): Promise<WriteResult> {
    return this.write(input, () => tombstoneBatch(input.tombstones), withBatch);
  }

  private async write(target: WriteTarget, scan: () => Batch, withBatch?: WithBatch): Promise<WriteResult> {
    const keys = await this.keyring.forOrg(target.orgId);
    return writeBatch(this.options.pool, keys, target, scan(), this.packBytes, withBatch);
  }

  /**
   * The records of an object as they were at `at`: per record the latest version with
   * valid_from <= at, unless that version is a deletion. Streams with bounded memory (a cursor
   * over the catalog, one pack open at a time), in storage order, not id order.
   */
  async *readAsOf(q: ObjectAt): AsyncGenerator<StoredRecord> {
    const packs = this.packCursor(q.orgId);
    const verify = this.verifier(q.orgId, q.object, { all: true });
    for await (const { rows, client } of cursorBatches<LiveRow>(this.options.pool, AS_OF_SQL, [q.orgId, q.object, q.at], 10000, verify)) {
      for (const r of rows) yield await packs(r, client);
    }
  }

  /**
   * The given records as they were at `at` (those absent or deleted then are left out), in one
   * catalog query: e.g. to complete a change event that carries only the changed fields.
   */
  async readRecords(q: ObjectAt & { ids: readonly string[] }): Promise<StoredRecord[]> {
    await this.verifier(q.orgId, q.object, { ids: q.ids })(this.options.pool);
    const { rows } = await this.options.pool
      .query<LiveRow>(recordsAtSql(q.ids.length), [q.orgId, q.object, q.at, q.ids])
      .catch((err: unknown) => {
        throw storeError(err, 'Reading records');
      });
    const packs = this.packCursor(q.orgId);
    const out: StoredRecord[] = [];
    for (const r of rows) out.push(await packs(r));
    return out;
  }

  /** Verifies the row indexes a read is about to rest on (INTEGRITY_ERROR if one was changed). */
  private verifier(orgId: string, object: string, scope: IndexScope): (db: Pool | PoolClient) => Promise<void> {
    return async (db) => verifyIndexes(db, await this.keyring.forOrg(orgId), object, scope);
  }

  /** Turns catalog rows in pack order into records, keeping only the current pack open. */
  private packCursor(orgId: string): (r: LiveRow, db?: PoolClient) => Promise<StoredRecord> {
    let pack: PackRows | undefined;
    return async (r, db) => {
      if (pack?.packId !== r.pack) pack = await loadPack(db ?? this.options.pool, this.keyring, orgId, r.pack);
      return { id: r.record_id, validFrom: new Date(r.valid_ms), fields: pack.fields(r.row_no) };
    };
  }

  /** Ids of the records present at `at`, in id order (for comparing with the org's ids). */
  async *idsAt(q: ObjectAt): AsyncGenerator<string> {
    const verify = this.verifier(q.orgId, q.object, { all: true });
    for await (const { rows } of cursorBatches<{ record_id: string }>(
      this.options.pool,
      IDS_AT_SQL,
      [q.orgId, q.object, q.at],
      20000,
      verify,
    )) {
      for (const r of rows) yield r.record_id;
    }
  }

  /** Every stored version of one record, oldest first, with its fields. */
  async versionsOf(q: { orgId: string; object: string; recordId: string }): Promise<RecordVersion[]> {
    await this.verifier(q.orgId, q.object, { ids: q.recordId })(this.options.pool);
    const { rows } = await this.options.pool
      .query<{
        valid_from: Date;
        deleted: boolean;
        pack_id: string;
        row_no: number;
        format: string;
        source: string;
        job_id: string | null;
      }>(VERSIONS_OF_SQL, [q.orgId, q.object, q.recordId])
      .catch((err: unknown) => {
        throw storeError(err, 'Reading record versions');
      });
    const rowFields = this.rowFields(q.orgId);
    const out: RecordVersion[] = [];
    for (const r of rows) {
      const tombstone = r.format === 'tombstones';
      const fields = tombstone ? null : await rowFields(r.pack_id, r.row_no);
      out.push({
        validFrom: r.valid_from,
        kind: tombstone ? 'tombstone' : r.deleted ? 'deleted' : 'live',
        fields,
        source: r.source,
        jobId: r.job_id,
        packId: r.pack_id,
        rowNo: r.row_no,
      });
    }
    return out;
  }

  /** Objects of an org that may hold a record id (by their packs' id ranges): where to look for its versions. */
  async objectsHolding(orgId: string, recordId: string): Promise<string[]> {
    const { rows } = await this.options.pool.query<{ object: string }>(OBJECTS_HOLDING, [orgId, recordId]).catch((err: unknown) => {
      throw storeError(err, 'Finding the object of a record');
    });
    return rows.map((r) => r.object);
  }

  /**
   * Records of an object deleted in [since, until] and not back since (their latest version is
   * the deletion), newest deletion first, at most `limit`, each with its last stored fields.
   */
  async deletedSince(q: { orgId: string; object: string; since: Date; until: Date; limit: number }): Promise<DeletedRecord[]> {
    await this.verifier(q.orgId, q.object, { all: true })(this.options.pool);
    const { rows } = await this.options.pool
      .query<DeletedRow>(DELETED_SQL, [q.orgId, q.object, q.since, q.until, q.limit])
      .catch((err: unknown) => {
        throw storeError(err, 'Listing deleted records');
      });
    const rowFields = this.rowFields(q.orgId);
    const out: DeletedRecord[] = [];
    for (const r of rows) {
      const fields = r.pack !== null && r.row_no !== null ? await rowFields(r.pack, r.row_no) : null;
      out.push({ id: r.record_id, deletedAt: r.deleted_at, fields });
    }
    return out;
  }

  /** Fields of pack rows in any order, each pack loaded once (for a few records' versions). */
  private rowFields(orgId: string): (packId: string, rowNo: number) => Promise<Fields> {
    const packs = new Map<string, PackRows>();
    return async (packId, rowNo) => {
      let pack = packs.get(packId);
      if (!pack) packs.set(packId, (pack = await loadPack(this.options.pool, this.keyring, orgId, packId)));
      return pack.fields(rowNo);
    };
  }

  /** Objects of an org that have stored versions. */
  async objects(orgId: string): Promise<string[]> {
    const { rows } = await this.options.pool.query<{ object: string }>(OBJECTS, [orgId]).catch((err: unknown) => {
      throw storeError(err, 'Listing objects');
    });
    return rows.map((r) => r.object);
  }

  /**
   * Streams a file in, encrypted and content-addressed; content already stored is not kept twice.
   * With `expect` (a content hash), other content is not recorded.
   */
  putBlob(ref: BlobRefInput, content: Readable | AsyncIterable<Buffer>, expect?: string, withRef?: WithRef): Promise<PutBlobResult> {
    return this.blobs.put(ref, content, expect, withRef);
  }

  /** After an unclean stop of a blob store that may drop its latest writes: files recorded since `since`, proven or forgotten. */
  verifyRecordedBlobs(since: Date): Promise<{ verified: number; lost: LostFile[] }> {
    return this.blobs.verifyRecorded(since);
  }

  /** An object's file references whose content was found lost, for a backup to fetch again. */
  lostBlobRefs(orgId: string, object: string): Promise<BlobRef[]> {
    return this.blobs.lostRefs(orgId, object);
  }

  /** A stored file, decrypted and verified as it streams (INTEGRITY_ERROR on the stream if damaged). */
  openBlob(orgId: string, contentHash: string): Promise<Readable> {
    return this.blobs.open(orgId, contentHash);
  }

  /** Every file reference of one record, oldest first. */
  blobRefsOf(orgId: string, object: string, recordId: string): Promise<BlobRef[]> {
    return this.blobs.refsOf(orgId, object, recordId);
  }

  /** Per record and field, the file it held at `at`, in record id order (streamed). */
  blobRefsAt(q: ObjectAt): AsyncGenerator<BlobRef> {
    return this.blobs.refsAt(q.orgId, q.object, q.at);
  }

  // Prune: retention/ decides what expires, these remove exactly that (see prune/prune.ts).

  /** Every version of an object, per record oldest first, in batches (the row indexes verified first). */
  pruneVersions(orgId: string, object: string): AsyncGenerator<VersionEntry[]> {
    return versionEntries(this.options.pool, this.keyring, orgId, object);
  }

  /** Replaces a pack by one without its rows `drop` (all of them: the pack goes), in one transaction. */
  prunePack(target: { orgId: string; object: string; packId: string }, drop: readonly number[]): Promise<PackPruned> {
    return rewritePack(this.options.pool, this.keyring, target, drop);
  }

  /** Every file reference of an org, per record field oldest first, in batches. */
  pruneFileRefs(orgId: string): AsyncGenerator<FileRefEntry[]> {
    return fileRefEntries(this.options.pool, orgId);
  }

  deleteFileRefs(orgId: string, refs: readonly FileRefEntry[]): Promise<void> {
    return deleteFileRefs(this.options.pool, orgId, refs);
  }

  /** Deletes files nothing has referred to for `delaySeconds` (Kopia's safety delay); notes the newly unreferenced. */
  collectFiles(orgId: string, delaySeconds: number): Promise<{ files: number; bytes: number }> {
    return collectFiles(this.options.pool, this.options.container, orgId, delaySeconds);
  }

  /** restic-style check; only reads. */
  check(options: CheckOptions = {}): Promise<CheckReport> {
    const { pool, container } = this.options;
    return checkStore({ pool, container, keyring: this.keyring, blobs: this.blobs }, options);
  }

  /**
   * Deletes every backup of an org: catalog, packs and data key in one transaction, then its
   * files in Blob Storage (deletion.ts). Deleting again finishes a deletion a stop cut short.
   */
  deleteOrgBackups(orgId: string): Promise<DeletedBackups> {
    const { pool, container } = this.options;
    return deleteOrgBackups({ pool, container, keyring: this.keyring }, orgId);
  }

  /** A secret box under the KEK (no org), or under an org's own key. */
  async secretBox(orgId?: string): Promise<SecretBox> {
    return orgId === undefined ? kekSecretBox(this.options.kek) : orgSecretBox(await this.keyring.forOrg(orgId));
  }
}
